// `skiff run` in the foreground: validate and plan everything, then create the record, then run.
#include <sys/stat.h>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/volumes.hpp"
#include "run_internal.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/sealed_binary.hpp"
#include "skiff/net/forwarder.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/rootfs.hpp"
#include "skiff/storage/volumes.hpp"

extern char** environ;

namespace skiff::engine {

namespace {

std::map<std::string, std::string> host_environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return out;
}

// /etc/hostname, /etc/hosts and /etc/resolv.conf for the container, as podman writes them.
Result<void> write_etc_files(const storage::StoreConfig& store, const std::string& id, const runtime::Spec& spec,
                             const std::string& name) {
    TRY(storage::write_run_file(store, id, "hostname", spec.hostname + "\n"));
    std::string hosts;
    if (spec.host_network) {
        auto host = fs::read_file("/etc/hosts");
        if (host.ok()) hosts = *host;
        if (!hosts.empty() && hosts.back() != '\n') hosts += '\n';
    } else {
        hosts = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
    }
    hosts += "127.0.1.1\t" + spec.hostname + (name != spec.hostname ? " " + name : "") + "\n";
    TRY(storage::write_run_file(store, id, "hosts", hosts));
    auto resolv = fs::read_file("/etc/resolv.conf");
    TRY(storage::write_run_file(store, id, "resolv.conf", resolv.ok() ? *resolv : std::string()));
    return {};
}

// The container's published ports: those stored when it was created, or -p, -P and --expose
// resolved now (free host ports chosen). As podman, a network without its own namespace to forward
// into discards them with a warning.
Result<std::vector<net::PortMapping>> published_ports(const oci::ImageConfig& image, const RunOptions& opts) {
    std::vector<net::ExposedPort> exposed;
    for (auto& e : opts.expose) {
        auto ports = TRY_CTX(net::parse_expose(e), "--expose");
        exposed.insert(exposed.end(), ports.begin(), ports.end());
    }
    if (opts.publish.empty() && !opts.publish_all) return opts.ports;
    std::vector<net::PortMapping> ports;
    for (auto& s : opts.publish) {
        auto m = TRY_CTX(net::parse_publish(s), "--publish");
        ports.insert(ports.end(), m.begin(), m.end());
    }
    for (auto& e : image.config.exposed_ports) {
        auto m = net::parse_expose(e);  // a key the image's maker got wrong is not the user's error
        if (m.ok()) exposed.insert(exposed.end(), m->begin(), m->end());
    }
    if (opts.network == "host" || opts.network == "none") {
        if (!ports.empty() || (opts.publish_all && !exposed.empty()))
            log::warn("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
        return std::vector<net::PortMapping>{};
    }
    return net::resolve_ports(std::move(ports), exposed, opts.publish_all);
}

}  // namespace

Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& files) {
    std::vector<std::string> lines;
    for (auto& f : files) {
        auto text = fs::read_file(f);
        if (!text.ok()) return text.take_error().context("reading --env-file");
        for (auto& l : str::split(*text, '\n')) lines.push_back(l);
    }
    return lines;
}

Result<void> finish_spec(const storage::StoreConfig& store, const storage::Container& c,
                         const storage::ImageRecord& image, runtime::Spec& spec) {
    TRY(write_etc_files(store, c.id, spec, c.name));
    auto root = TRY(storage::prepare_rootfs(store, image, storage::container_dir(store, c.id), c.auto_remove));
    spec.root = runtime::Mount{"/", root.type, root.source, root.options};
    spec.rootfs = root.target;
    return populate_volumes(store, spec);
}

void mark_running(storage::Container& c, pid_t pid) {
    c.oom_killed = false;
    c.state = storage::ContainerState::kRunning;
    c.pid = pid;
    c.pid_start = storage::process_start_time(pid);
    c.started_ns = now_ns();
}

Result<void> check_bind_sources(const storage::StoreConfig& store, const RunOptions& opts) {
    for (const runtime::Mount& m : TRY(user_mounts(opts, storage::volumes_dir(store)))) {
        if (!storage::volume_named_by(store, m.source).empty()) continue;  // made with the container
        struct stat st;
        if (m.type == "bind" && ::stat(m.source.c_str(), &st) < 0) return sys_error("statfs " + m.source);
    }
    return {};
}

Result<Prepared> prepare(const storage::StoreConfig& store, const RunOptions& opts, const std::string& id) {
    Prepared p{TRY(storage::find_image(store, opts.image)), {}, {}, {}};
    p.inputs.container_id = id;
    p.inputs.run_dir = storage::container_run_dir(store, id);
    p.inputs.cache_dir = fs::join(store.runroot, "cache");
    p.inputs.volumes_dir = storage::volumes_dir(store);
    p.inputs.env_file_lines = TRY(read_env_files(opts.env_files));
    p.inputs.host_env = host_environment();
    p.inputs.devices = TRY(find_devices(opts.devices));
    // Every option is checked before anything is created.
    p.spec = TRY(make_spec(p.image.config, opts, p.inputs));
    p.ports = TRY(published_ports(p.image.config, opts));
    TRY(fs::mkdir_p(p.inputs.cache_dir, 0700));
    return p;
}

storage::ContainerDefinition definition_of(const Prepared& p, const RunOptions& opts) {
    storage::ContainerDefinition def;
    def.id = p.inputs.container_id;
    def.name = opts.name;
    def.image_id = p.image.id;
    def.image_name = p.image.names.empty() ? p.image.id : p.image.names.front();
    def.command = p.spec.args;
    def.env = p.spec.env;
    def.user = p.spec.user;
    def.working_dir = p.spec.cwd;
    def.hostname = p.spec.hostname;
    def.tty = opts.tty;
    def.interactive = opts.interactive;
    def.auto_remove = opts.remove;
    def.labels = opts.labels;
    // Stored for start and exec. What was read from the caller's environment and files is
    // resolved now, as podman does.
    RunOptions stored = opts;
    stored.env = p.spec.env;
    stored.env_files.clear();
    stored.ports = p.ports;
    stored.publish.clear();
    stored.publish_all = false;
    if (stored.stop_signal.empty()) stored.stop_signal = p.image.config.config.stop_signal;
    if (stored.stop_signal.empty()) stored.stop_signal = "SIGTERM";
    def.run_options = serialize_run_options(stored);
    return def;
}

namespace {

// Everything between creating the record and the process's exit.
Result<int> start_and_wait(const storage::StoreConfig& store, storage::Container& c, const storage::ImageRecord& image,
                           runtime::Spec& spec, const RunOptions& opts, const std::vector<net::PortMapping>& ports) {
    TRY(finish_spec(store, c, image, spec));
    auto forwarder = TRY(net::Forwarder::listen(ports));
    runtime::Hooks hooks;
    hooks.started = [&](pid_t pid) {
        mark_running(c, pid);
        (void)storage::save_status(store, c);
        write_pidfile(opts, pid);
        (void)forwarder.set_container(pid);
    };
    if (!ports.empty()) {
        hooks.poll_set = [&](std::vector<struct pollfd>& add) { forwarder.poll_set(add); };
        hooks.polled = [&](const struct pollfd& p) { forwarder.polled(p); };
    }
    hooks.oom_killed = [&] { c.oom_killed = true; };
    // Recorded at once: a skiff killed before the container runs leaves its cgroup to the next rm.
    hooks.cgroup_made = [&](const runtime::CgroupPaths& paths) {
        record_cgroup(c, paths);
        (void)storage::save_status(store, c);
    };
    return runtime::run_foreground(spec, hooks);
}

}  // namespace

Result<storage::Container> make_container(const storage::StoreConfig& store, const Prepared& p, const RunOptions& opts) {
    if (!opts.cidfile.empty() && sys::exists(opts.cidfile))
        return make_error("container id file exists. Ensure another container is not using it or delete " + opts.cidfile);
    if (opts.replace) {
        if (opts.name.empty()) return make_error("cannot replace container without --name being set");
        auto old = storage::find_container(store, opts.name);
        if (old.ok() && old->name == opts.name)
            for (auto& r : remove_containers(store, {old->id}, forced_removal()))
                if (!r.error.message.empty()) return std::move(r.error).context("--replace");
    }
    auto c = TRY(storage::create_container(store, definition_of(p, opts)));
    if (!opts.cidfile.empty()) {
        auto written = fs::write_file_atomic(opts.cidfile, c.id);
        if (!written.ok()) {
            auto lock = storage::lock_container(store, c.id);
            (void)storage::remove_container(store, c);
            return written.take_error().context("--cidfile");
        }
    }
    return c;
}

void write_pidfile(const RunOptions& opts, pid_t pid) {
    if (!opts.pidfile.empty()) (void)fs::write_file_atomic(opts.pidfile, std::to_string(pid), fs::Durability::kNoSync);
}

// The volumes a new container mounts, made once its record exists (so a prune that lists users
// under the volumes' lock sees it); if that fails, the container goes again.
Result<void> make_container_volumes(const storage::StoreConfig& store, const storage::Container& c,
                                    const RunOptions& opts, const std::vector<std::string>& anonymous) {
    auto made = make_volumes(store, opts, anonymous);
    if (made.ok()) return {};
    (void)remove_containers(store, {c.id}, forced_removal());
    remove_anonymous_volumes(store, opts);
    return made;
}

std::string sealed_exe_lower(const storage::StoreConfig& store) { return fs::join(store.runroot, "sealed-exe"); }

Result<void> ensure_sealed_binary(const storage::StoreConfig& store) {
    return runtime::ensure_sealed_binary(sealed_exe_lower(store));
}

Result<int> run(const storage::StoreConfig& store, const RunOptions& given) {
    RunOptions opts = given;
    auto anonymous = name_anonymous_volumes(opts, [] { return str::random_hex(32); });
    auto p = TRY(prepare(store, opts, str::random_hex(32)));
    TRY(check_bind_sources(store, opts));
    RunOptions foreground = opts;
    foreground.log_driver = "passthrough";  // its output went to the caller, not to a log
    auto c = TRY(make_container(store, p, foreground));
    TRY(make_container_volumes(store, c, opts, anonymous));
    auto status = start_and_wait(store, c, p.image, p.spec, opts, p.ports);
    if (opts.remove) {
        {
            auto lock = storage::lock_container(store, c.id);
            (void)storage::remove_container(store, c);
        }
        remove_anonymous_volumes(store, opts);  // as podman's --rm
    } else {
        c.state = storage::ContainerState::kExited;
        c.exit_code = status.ok() ? *status : status.error().exit_code;
        c.finished_ns = now_ns();
        (void)storage::save_status(store, c);
    }
    return status;
}

}  // namespace skiff::engine
