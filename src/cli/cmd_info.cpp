// skiff info [--format json|TEMPLATE]
#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "skiff/engine/info.hpp"
#include "template.hpp"
#include "version.hpp"

namespace skiff::cli {

namespace {

// One field of podman's info report, under both of its names: the Go field a --format template
// reaches (`.Host.OCIRuntime.Path`) and the key of the JSON and YAML output (`ociRuntime.path`).
struct Entry {
    std::string go, json;
    Value value;                 // for a leaf
    std::vector<Entry> entries;  // for a struct
};

Entry leaf(std::string go, std::string json, Value v) { return Entry{std::move(go), std::move(json), std::move(v), {}}; }
Entry group(std::string go, std::string json, std::vector<Entry> e) {
    return Entry{std::move(go), std::move(json), Value(), std::move(e)};
}

Value to_value(const std::vector<Entry>& entries, bool json_names) {
    Value::Fields f;
    for (auto& e : entries)
        f.emplace_back(json_names ? e.json : e.go, e.entries.empty() ? e.value : to_value(e.entries, json_names));
    return Value::record(std::move(f));
}

std::string uptime(uint64_t s) { return fmt::format("{}h {}m {}s", s / 3600, s / 60 % 60, s % 60); }

// podman's define.Info, with the fields skiff has a real value for.
std::vector<Entry> info_entries(const engine::HostInfo& h) {
    auto n = [](auto v) { return Value(static_cast<long long>(v)); };
    return {
        group("Host", "host",
              {
                  leaf("Arch", "arch", h.arch),
                  leaf("CgroupManager", "cgroupManager", h.cgroup_manager),
                  leaf("CgroupsVersion", "cgroupVersion", h.cgroup_version),
                  leaf("CgroupV2Mount", "cgroupV2Mount", h.cgroup_v2_mount),
                  group("Conmon", "conmon",
                        {leaf("Path", "path", h.monitor_path),
                         leaf("Version", "version", "skiff version " + h.version)}),
                  leaf("CPUs", "cpus", n(h.cpus)),
                  group("Distribution", "distribution",
                        {leaf("Distribution", "distribution", h.distribution_id),
                         leaf("Version", "version", h.distribution_version),
                         leaf("Codename", "codename", h.distribution_codename)}),
                  leaf("EventLogger", "eventLogger", h.event_logger),
                  leaf("Hostname", "hostname", h.hostname),
                  leaf("Kernel", "kernel", h.kernel),
                  leaf("LogDriver", "logDriver", h.log_driver),
                  leaf("MemFree", "memFree", n(h.mem_free)),
                  leaf("MemTotal", "memTotal", n(h.mem_total)),
                  leaf("NetworkBackend", "networkBackend", h.network_backend),
                  group("OCIRuntime", "ociRuntime",
                        {leaf("Name", "name", h.runtime_name), leaf("Path", "path", h.runtime_path),
                         leaf("Version", "version", h.runtime_version)}),
                  leaf("OS", "os", h.os),
                  group("Security", "security", {leaf("Rootless", "rootless", h.rootless)}),
                  leaf("SwapFree", "swapFree", n(h.swap_free)),
                  leaf("SwapTotal", "swapTotal", n(h.swap_total)),
                  leaf("Uptime", "uptime", uptime(h.uptime_seconds)),
              }),
        group("Store", "store",
              {
                  group("ContainerStore", "containerStore",
                        {leaf("Number", "number", n(h.containers)), leaf("Running", "running", n(h.containers_running)),
                         leaf("Stopped", "stopped", n(h.containers_stopped))}),
                  leaf("GraphDriverName", "graphDriverName", h.graph_driver),
                  // skiff's drivers take no options (--storage-opt refuses any).
                  leaf("GraphOptions", "graphOptions", Value::map({})),
                  leaf("GraphRoot", "graphRoot", h.graph_root),
                  group("ImageStore", "imageStore", {leaf("Number", "number", n(h.images))}),
                  leaf("RunRoot", "runRoot", h.run_root),
                  leaf("VolumePath", "volumePath", h.volume_path),
              }),
        group("Version", "version",
              {leaf("Version", "Version", h.version), leaf("OsArch", "OsArch", h.os + "/" + h.arch),
               leaf("Os", "Os", h.os)}),
    };
}

bool reads_as_number(const std::string& s) {
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

// A string YAML would read as something else (a number, a boolean, empty) gets quotes, as podman's
// YAML encoder gives them.
std::string yaml_scalar(const std::string& s) {
    bool plain = !s.empty() && s.find_first_of(":#'\"\n{}[],&*!|>%@`") == std::string::npos && s.front() != ' ' &&
                 s.back() != ' ' && s != "true" && s != "false" && s != "null" && s != "~" && !reads_as_number(s);
    if (plain) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' || c == '\\' ? std::string("\\") + c : c == '\n' ? std::string("\\n") : std::string(1, c);
    return q + "\"";
}

// podman prints info as YAML unless asked for JSON or a template.
void to_yaml(const Value& v, int indent, std::string& out) {
    for (auto& [k, f] : v.fields()) {
        out += std::string(static_cast<size_t>(indent), ' ') + k + ":";
        switch (f.kind()) {
            case Value::Kind::kStruct:
                out += "\n";
                to_yaml(f, indent + 2, out);
                break;
            case Value::Kind::kMap:
                out += f.entries().empty() ? " {}\n" : "\n";
                for (auto& [mk, mv] : f.entries())
                    out += std::string(static_cast<size_t>(indent + 2), ' ') + yaml_scalar(mk) + ": " + yaml_scalar(mv.print()) + "\n";
                break;
            case Value::Kind::kString: out += " " + yaml_scalar(f.str()) + "\n"; break;
            default: out += " " + f.print() + "\n"; break;
        }
    }
}

bool is_json(const std::string& format) { return format == "json" || format == "{{json .}}"; }

Result<void> info(Context& ctx, const std::string& format) {
    std::unique_ptr<Template> tmpl;
    if (!format.empty() && !is_json(format)) tmpl = std::make_unique<Template>(TRY(Template::parse(format)));
    auto entries = info_entries(TRY(engine::host_info(ctx.store, SKIFF_VERSION)));
    std::string out;
    if (tmpl) {
        out = TRY(tmpl->execute(to_value(entries, false)));
        if (out.empty() || out.back() != '\n') out += "\n";
    } else if (format.empty()) {
        to_yaml(to_value(entries, true), 0, out);
    } else {
        out = to_value(entries, true).json(2) + "\n";
    }
    std::cout << out;
    return {};
}

}  // namespace

void add_info(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("info", "Display skiff system information");
    set_usage(sub, "skiff info [options]");
    auto format = std::make_shared<std::string>();
    sub->add_option("-f,--format", *format, "Change the output format to JSON or a Go template");
    sub->callback([format, &ctx] { finish(ctx, info(ctx, *format)); });
}

}  // namespace skiff::cli
