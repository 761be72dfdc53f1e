// skiff inspect [options] {CONTAINER|IMAGE}...: podman's JSON for containers and images, as an array.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <memory>
#include <regex>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/exec.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/logs.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/volumes.hpp"
#include "targets.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct InspectOptions {
    std::string format;
    std::string type = "all";
    std::vector<std::string> names;
    bool latest = false;
};

// --umask as podman shows it: four octal digits.
std::string umask_text(unsigned umask) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", umask & 07777);
    return buf;
}

// -l: the container created last, as the one name (podman refuses it with names).
Result<void> add_latest(Context& ctx, InspectOptions& o) {
    if (!o.latest) return {};
    if (!o.names.empty()) return make_error("--latest and arguments cannot be used together");
    TargetFlags t;
    t.latest = true;
    auto found = TRY(resolve_targets(ctx, t, nullptr));
    for (const Target& target : found) o.names.push_back(target.id);
    return {};
}

Value string_list_or_null(const std::optional<std::vector<std::string>>& v) {
    return v ? Value(*v) : Value();
}

Value key_set(const std::vector<std::string>& keys) {
    Value::Map m;
    for (auto& k : keys) m.emplace(k, Value::map({}));
    return Value::map(std::move(m));
}

// The image config's "config" object, fields left out when empty as Go's omitempty does.
Value config_value(const oci::ContainerConfig& c) {
    Value::Fields f;
    if (!c.user.empty()) f.emplace_back("User", c.user);
    if (!c.exposed_ports.empty()) f.emplace_back("ExposedPorts", key_set(c.exposed_ports));
    if (!c.env.empty()) f.emplace_back("Env", c.env);
    if (c.entrypoint) f.emplace_back("Entrypoint", string_list_or_null(c.entrypoint));
    if (c.cmd) f.emplace_back("Cmd", string_list_or_null(c.cmd));
    if (!c.volumes.empty()) f.emplace_back("Volumes", key_set(c.volumes));
    if (!c.working_dir.empty()) f.emplace_back("WorkingDir", c.working_dir);
    if (!c.labels.empty()) {
        Value::Map m(c.labels.begin(), c.labels.end());
        f.emplace_back("Labels", Value::map(std::move(m)));
    }
    if (!c.stop_signal.empty()) f.emplace_back("StopSignal", c.stop_signal);
    return Value::record(std::move(f));
}

// Field names: the JSON keys podman prints, or (for a --format template) the Go field names its
// templates see; the two differ only in case and underscores ("created_by" is .CreatedBy).
enum class Names { kJson, kGo };

Value history_value(const std::vector<oci::HistoryEntry>& history, Names names) {
    bool go = names == Names::kGo;
    Value::List out;
    for (auto& h : history) {
        Value::Fields f;
        if (!h.created.empty()) f.emplace_back(go ? "Created" : "created", h.created);
        if (!h.created_by.empty()) f.emplace_back(go ? "CreatedBy" : "created_by", h.created_by);
        if (!h.author.empty()) f.emplace_back(go ? "Author" : "author", h.author);
        if (!h.comment.empty()) f.emplace_back(go ? "Comment" : "comment", h.comment);
        if (h.empty_layer) f.emplace_back(go ? "EmptyLayer" : "empty_layer", true);
        out.push_back(Value::record(std::move(f)));
    }
    return Value::list(std::move(out));
}

Value graph_driver(const storage::StoreConfig& store, const storage::ImageRecord& img) {
    Value data;
    {
        auto dirs = engine::image_layer_dirs(store, img);
        if (dirs.ok() && !dirs->empty()) {
            Value::Map m;
            m.emplace("UpperDir", dirs->front());
            if (dirs->size() > 1) {
                std::vector<std::string> lower(dirs->begin() + 1, dirs->end());
                m.emplace("LowerDir", str::join(lower, ":"));
            }
            data = Value::map(std::move(m));
        }
    }
    return Value::record({{"Name", storage::driver_name(store.driver)}, {"Data", data}});
}

Value inspect_value(const storage::StoreConfig& store, const storage::ImageRecord& img, Names names) {
    const oci::ImageConfig& cfg = img.config;
    std::string comment = cfg.history.empty() ? "" : cfg.history.back().comment;
    Value::Map labels(cfg.config.labels.begin(), cfg.config.labels.end());
    return Value::record({
        {names == Names::kGo ? "ID" : "Id", img.id},
        {"Digest", img.digest},
        {"RepoTags", engine::repo_tags(img)},
        {"RepoDigests", engine::repo_digests(img)},
        {"Parent", ""},
        {"Comment", comment},
        {"Created", img.created},
        {"Config", config_value(cfg.config)},
        {"Version", ""},
        {"Author", cfg.author},
        {"Architecture", cfg.architecture},
        {"Os", cfg.os},
        {"Size", static_cast<unsigned long long>(img.size)},
        {"VirtualSize", static_cast<unsigned long long>(img.size)},
        {"GraphDriver", graph_driver(store, img)},
        {"RootFS", Value::record({{"Type", "layers"}, {"Layers", cfg.diff_ids}})},
        {"Labels", labels.empty() ? Value() : Value::map(std::move(labels))},
        {"Annotations", Value::map({})},
        {"ManifestType", img.manifest_media_type},
        {"User", cfg.config.user},
        {"History", history_value(cfg.history, names)},
        {"NamesHistory", img.names_history},
    });
}

// --ulimit as podman shows it: [{"Name": "RLIMIT_NOFILE", "Soft": 1024, "Hard": 2048}].
Value ulimits_value(const std::vector<runtime::Rlimit>& ulimits) {
    Value::List out;
    for (auto& u : ulimits) {
        std::string name = "RLIMIT_" + u.name;
        for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        auto num = [](uint64_t v) { return v == ~uint64_t{0} ? -1LL : static_cast<long long>(v); };
        out.push_back(Value::record({{"Name", name}, {"Soft", num(u.soft)}, {"Hard", num(u.hard)}}));
    }
    return Value::list(std::move(out));
}

// HostConfig.Devices: each --device as given, as podman shows it.
Value devices_value(const std::vector<engine::DeviceOption>& devices) {
    Value::List out;
    for (auto& d : devices) {
        out.push_back(Value::record(
            {{"PathOnHost", d.host_path}, {"PathInContainer", d.container_path}, {"CgroupPermissions", d.access}}));
    }
    return Value::list(std::move(out));
}

// HostConfig.BlkioDevice*: each throttled device as given, with its rate.
Value throttle_value(const std::vector<runtime::ThrottleDevice>& devices) {
    Value::List out;
    for (auto& d : devices) out.push_back(Value::record({{"Path", d.path}, {"Rate", static_cast<unsigned long long>(d.rate)}}));
    return Value::list(std::move(out));
}

// Config.Annotations: podman's own, from the container's settings, beneath the user's.
Value annotations_value(const engine::ContainerConfig& o) {
    auto flag = [](bool v) { return std::string(v ? "TRUE" : "FALSE"); };
    Value::Map out{{"io.kubernetes.cri-o.TTY", o.tty ? "true" : "false"},
                   {"io.podman.annotations.autoremove", flag(o.remove)},
                   {"io.podman.annotations.init", flag(o.init)},
                   {"io.podman.annotations.privileged", flag(o.privileged)},
                   {"io.podman.annotations.publish-all", flag(o.publish_all)}};
    for (auto& [k, v] : o.annotations) out[k] = v;
    return Value::map(std::move(out));
}

std::string time_or_zero(int64_t ns) { return ns > 0 ? format_rfc3339(ns) : "0001-01-01T00:00:00Z"; }

// {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}: podman's PortBindings and NetworkSettings.Ports.
Value port_bindings(const std::vector<net::PortMapping>& ports) {
    std::map<std::string, Value::List> by_port;
    for (auto& m : ports)
        by_port[std::to_string(m.container_port) + "/" + m.protocol].push_back(
            Value::record({{"HostIp", m.host_ip}, {"HostPort", std::to_string(m.host_port)}}));
    Value::Map out;
    for (auto& [k, v] : by_port) out.emplace(k, Value::list(std::move(v)));
    return Value::map(std::move(out));
}

// podman's Mounts (bind mounts; a tmpfs is listed under HostConfig.Tmpfs), Binds and Tmpfs.
struct MountValues {
    Value mounts, binds, tmpfs;
};

MountValues mount_values(const storage::StoreConfig& store, const engine::ContainerConfig& o) {
    Value::List list;
    std::vector<std::string> binds;
    Value::Map tmpfs;
    for (auto& given : o.mounts) {
        engine::MountView view = engine::mount_view(given);
        const std::vector<std::string>& opts = view.other;
        const std::string& propagation = view.propagation;
        bool rw = !view.read_only;
        if (given.kind == engine::MountConfig::Kind::kTmpfs) {
            tmpfs.emplace(given.destination, str::join(given.options, ","));
            continue;
        }
        if (given.kind == engine::MountConfig::Kind::kImage) {  // as podman: the image as named, no host path
            list.push_back(Value::record({{"Type", "image"}, {"Source", given.source}, {"Destination", given.destination},
                                          {"Driver", ""}, {"Mode", ""}, {"Options", opts}, {"RW", rw}, {"Propagation", ""}}));
            continue;
        }
        std::string name = given.kind == engine::MountConfig::Kind::kVolume ? given.source : "";
        std::string source = given.source;
        Value::Fields f = {{"Type", name.empty() ? "bind" : "volume"}};
        if (!name.empty()) f.emplace_back("Name", name);
        f.insert(f.end(), {{"Source", engine::mount_host_path(store, given)}, {"Destination", given.destination}, {"Driver", name.empty() ? "" : "local"},
                           {"Mode", ""}, {"Options", opts}, {"RW", rw}, {"Propagation", propagation}});
        list.push_back(Value::record(std::move(f)));
        binds.push_back(source + ":" + given.destination + ":" + (rw ? "rw," : "ro,") + propagation + "," + str::join(opts, ","));
    }
    return {Value::list(std::move(list)), Value(binds), tmpfs.empty() ? Value::map({}) : Value::map(std::move(tmpfs))};
}

// The manifest digest of the container's image, as podman shows it; empty when it has none.
std::string image_digest(const storage::StoreConfig& store, const std::string& image_id) {
    if (image_id.empty()) return {};  // a --rootfs container has no image
    auto img = engine::find_image(store, image_id);
    return img.ok() ? img->digest : std::string();
}

// podman's container inspect shape (the fields skiff knows; the rest as podman leaves them empty).
Value container_value(const storage::StoreConfig& store, const storage::Container& c) {
    auto config = engine::config_of(c);
    engine::ContainerConfig o = config.ok() ? config.take() : engine::ContainerConfig{};
    const runtime::Resources& r = o.resources;
    bool running = c.state == storage::ContainerState::kRunning && !c.paused;
    bool initialized = c.state == storage::ContainerState::kInitialized;  // its process waits to execute
    std::string status = storage::status_name(c);
    Value::Map labels(c.labels.begin(), c.labels.end());
    std::vector<std::string> args(c.command.size() > 1 ? c.command.begin() + 1 : c.command.end(), c.command.end());
    auto log = engine::log_file(store, c);
    MountValues mounts = mount_values(store, o);
    return Value::record({
        {"Id", c.id},
        {"Created", time_or_zero(c.created_ns)},
        {"Path", c.command.empty() ? std::string() : c.command.front()},
        {"Args", args},
        {"State", Value::record({
                      {"OciVersion", "1.1.0"},
                      {"Status", status},
                      {"Running", running},
                      {"Paused", c.paused},
                      {"Restarting", false},
                      {"OOMKilled", c.oom_killed},
                      {"Dead", false},
                      {"Pid", running || c.paused || initialized ? c.pid : 0},
                      {"ConmonPid", running || c.paused || initialized ? c.monitor_pid : 0},
                      {"ExitCode", c.exit_code},
                      {"Error", ""},
                      {"StartedAt", time_or_zero(c.started_ns)},
                      {"FinishedAt", time_or_zero(c.finished_ns)},
                  })},
        {"Image", c.image_id},
        {"ImageDigest", image_digest(store, c.image_id)},
        {"ImageName", c.image_name},
        {"Rootfs", o.rootfs},
        {"Pod", ""},
        {"ResolvConfPath", engine::container_file(store, c.id, "resolv.conf")},
        {"HostnamePath", engine::container_file(store, c.id, "hostname")},
        {"HostsPath", engine::container_file(store, c.id, "hosts")},
        {"Name", c.name},
        {"RestartCount", c.restarts},
        {"ExecIDs", engine::exec_sessions(store, c.id)},
        {"Driver", storage::driver_name(store.driver)},
        {"OCIRuntime", o.runtime.empty() ? std::string(engine::kOwnRuntime) : o.runtime},
        {"Mounts", mounts.mounts},
        {"NetworkSettings", Value::record({{"Ports", port_bindings(o.ports)}})},
        {"Config", Value::record({
                       {"Hostname", c.hostname},
                       {"User", c.user},
                       {"Tty", c.tty},
                       {"OpenStdin", c.interactive},
                       {"Env", c.env},
                       {"Cmd", c.command},
                       {"Image", c.image_name},
                       {"WorkingDir", c.working_dir},
                       {"Labels", labels.empty() ? Value() : Value::map(std::move(labels))},
                       {"Annotations", annotations_value(o)},
                       {"StopSignal", engine::signal_name(o.stop_signal)},
                       {"StopTimeout", o.stop_timeout},
                       {"Umask", umask_text(o.umask)},
                   })},
        {"HostConfig", Value::record({
                           {"AutoRemove", c.auto_remove},
                           {"Binds", mounts.binds},
                           {"VolumesFrom", o.volumes_from.empty() ? Value() : Value(o.volumes_from)},
                           {"Tmpfs", mounts.tmpfs},
                           {"LogConfig", Value::record({{"Type", o.log.driver},
                                                        {"Path", log.ok() ? *log : ""},
                                                        {"Size", str::human_size(o.log.max_size.value_or(0), 4)}})},
                           {"RestartPolicy", Value::record({{"Name", engine::restart_policy_name(o.restart.kind)},
                                                            {"MaximumRetryCount", o.restart.max_retries}})},
                           {"NetworkMode", o.network == engine::NetworkMode::kContainer ? "container:" + o.network_container
                                                                                       : std::string(engine::network_mode_name(o.network))},
                           {"CgroupMode", engine::namespace_mode_text(o.cgroupns)},
                           // podman 4.3 shows every IpcMode but a joined one as shareable.
                           {"IpcMode", o.ipc.kind == engine::NamespaceMode::Kind::kContainer ? engine::namespace_mode_text(o.ipc) : "shareable"},
                           {"PidMode", engine::namespace_mode_text(o.pid)},
                           {"ShmSize", static_cast<long long>(o.shm_size.value_or(engine::kDefaultShmSize))},
                           {"UTSMode", engine::namespace_mode_text(o.uts)},
                           {"PortBindings", port_bindings(o.ports)},
                           {"Privileged", o.privileged},
                           {"Init", o.init},
                           {"Devices", devices_value(o.devices)},
                           {"DeviceCgroupRules", o.device_cgroup_rules},
                           {"ReadonlyRootfs", o.read_only},
                           {"CapAdd", o.cap_add},
                           {"CapDrop", o.cap_drop},
                           {"SecurityOpt", o.security.options},
                           {"CgroupParent", o.cgroup_parent},
                           {"Memory", static_cast<long long>(r.memory.value_or(0))},
                           {"MemorySwap", static_cast<long long>(r.memory_swap.value_or(0))},
                           {"NanoCpus", static_cast<long long>(r.cpus.value_or(0) * 1e9)},
                           {"CpuShares", static_cast<unsigned long long>(r.cpu_shares.value_or(0))},
                           {"CpusetCpus", r.cpuset_cpus.value_or("")},
                           {"PidsLimit", static_cast<long long>(r.pids_limit.value_or(0))},
                           {"BlkioDeviceReadBps", throttle_value(r.read_bps)},
                           {"BlkioDeviceWriteBps", throttle_value(r.write_bps)},
                           {"BlkioDeviceReadIOps", throttle_value(r.read_iops)},
                           {"BlkioDeviceWriteIOps", throttle_value(r.write_iops)},
                           {"OomScoreAdj", o.oom_score_adj.value_or(0)},
                           {"Ulimits", ulimits_value(o.ulimits)},
                       })},
    });
}

// podman rewrites a template before it runs: "{{.Id}}", the JSON key, means the Go field ID.
std::string image_format(const std::string& format) {
    static const std::regex id(R"(\{\{\s*\.Id\s*\}\})");
    return std::regex_replace(format, id, "{{.ID}}");
}

Result<void> run_inspect(Context& ctx, const InspectOptions& o) {
    TRY(check_arg_count("inspect", o.names.size(), 1, SIZE_MAX));
    if (o.type != "image" && o.type != "container" && o.type != "all")
        return make_error("invalid type \"" + o.type + "\": want image, container or all");
    std::optional<Template> tmpl;
    std::optional<Template> image_tmpl;
    if (!o.format.empty() && o.format != "json") {
        tmpl = TRY(Template::parse(o.format));
        image_tmpl = TRY(Template::parse(image_format(o.format)));
    }
    Value::List items;
    std::string text;
    Result<void> status;
    for (auto& name : o.names) {
        // Containers first, as podman looks.
        if (o.type != "image") {
            auto c = engine::find_container(ctx.store, name);
            if (c.ok()) {
                Value v = container_value(ctx.store, *c);
                if (tmpl)
                    text += TRY(tmpl->execute(v)) + "\n";
                else
                    items.push_back(std::move(v));
                continue;
            }
            // A damaged record is an error naming its file, not a search among images.
            if (o.type == "container" || !c.error().missing) {
                status = c.take_error();
                continue;
            }
        }
        auto img = engine::find_image(ctx.store, name);
        if (!img.ok()) {
            // Print what was found, then fail for what was not, as podman does.
            status = o.type == "image" ? img.take_error() : make_error("no such object: \"" + name + "\"");
            continue;
        }
        if (image_tmpl)
            text += TRY(image_tmpl->execute(inspect_value(ctx.store, *img, Names::kGo))) + "\n";
        else
            items.push_back(inspect_value(ctx.store, *img, Names::kJson));
    }
    if (tmpl)
        std::cout << text;
    else if (!items.empty() || status.ok())
        std::cout << Value::list(std::move(items)).json(4) << "\n";
    return status;
}

}  // namespace

void add_inspect(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("inspect", "Display the configuration of object denoted by ID");
    set_usage(sub, "skiff inspect [options] {CONTAINER|IMAGE} [...]");
    auto o = std::make_shared<InspectOptions>();
    sub->add_option("-f,--format", o->format, "Format the output using the given Go template, or json");
    sub->add_option("-t,--type", o->type, "Only inspect objects of this type (container, image, all)");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_option("names", o->names, "Containers or images to inspect");
    sub->callback([o, &ctx] {
        if (auto latest = add_latest(ctx, *o); !latest.ok()) return finish(ctx, latest);
        finish(ctx, run_inspect(ctx, *o));
    });
}

}  // namespace skiff::cli
