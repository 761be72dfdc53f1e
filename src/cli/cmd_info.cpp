// skiff info [--format json]
#include <iostream>
#include <memory>
#include <variant>

#include <CLI/App.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "skiff/engine/info.hpp"
#include "table.hpp"
#include "version.hpp"

namespace skiff::cli {

namespace {

// A small ordered tree, printed as podman prints info: YAML by default, JSON with --format json.
struct Node {
    using Value = std::variant<std::string, long long, bool, std::vector<std::pair<std::string, Node>>>;
    Value v;
};
using Fields = std::vector<std::pair<std::string, Node>>;

Node str_node(std::string s) { return Node{std::move(s)}; }
Node int_node(long long n) { return Node{n}; }
Node bool_node(bool b) { return Node{b}; }
Node obj(Fields f) { return Node{std::move(f)}; }

void to_json(const Node& n, int indent, std::string& out) {
    if (auto* s = std::get_if<std::string>(&n.v)) {
        out += json_quote(*s);
    } else if (auto* i = std::get_if<long long>(&n.v)) {
        out += std::to_string(*i);
    } else if (auto* b = std::get_if<bool>(&n.v)) {
        out += *b ? "true" : "false";
    } else {
        auto& f = std::get<Fields>(n.v);
        out += "{\n";
        for (size_t k = 0; k < f.size(); ++k) {
            out += std::string(indent + 2, ' ') + json_quote(f[k].first) + ": ";
            to_json(f[k].second, indent + 2, out);
            out += k + 1 < f.size() ? ",\n" : "\n";
        }
        out += std::string(indent, ' ') + "}";
    }
}

void to_yaml(const Fields& f, int indent, std::string& out) {
    for (auto& [k, n] : f) {
        out += std::string(indent, ' ') + k + ":";
        if (auto* s = std::get_if<std::string>(&n.v))
            out += " " + *s + "\n";
        else if (auto* i = std::get_if<long long>(&n.v))
            out += " " + std::to_string(*i) + "\n";
        else if (auto* b = std::get_if<bool>(&n.v))
            out += std::string(" ") + (*b ? "true" : "false") + "\n";
        else {
            out += "\n";
            to_yaml(std::get<Fields>(n.v), indent + 2, out);
        }
    }
}

Fields info_tree(const engine::HostInfo& h) {
    auto ll = [](auto v) { return int_node(static_cast<long long>(v)); };
    return {
        {"host", obj({
                     {"arch", str_node(h.arch)},
                     {"cgroupManager", str_node("cgroupfs")},
                     {"cgroupVersion", str_node(h.cgroup_version)},
                     {"cgroupV2Mount", str_node(h.cgroup_v2_mount)},
                     {"cpus", ll(h.cpus)},
                     {"distribution", str_node(h.distribution)},
                     {"hostname", str_node(h.hostname)},
                     {"kernel", str_node(h.kernel)},
                     {"memFree", ll(h.mem_free)},
                     {"memTotal", ll(h.mem_total)},
                     {"os", str_node(h.os)},
                     {"security", obj({{"rootless", bool_node(h.rootless)}})},
                     {"uptime", str_node(fmt::format("{}h {}m {}s", h.uptime_seconds / 3600, h.uptime_seconds / 60 % 60,
                                                     h.uptime_seconds % 60))},
                 })},
        {"store", obj({
                      {"containerStore", obj({{"number", ll(h.containers)},
                                              {"running", ll(h.containers_running)},
                                              {"stopped", ll(h.containers_stopped)}})},
                      {"graphDriverName", str_node(h.graph_driver)},
                      {"graphRoot", str_node(h.graph_root)},
                      {"imageStore", obj({{"number", ll(h.images)}})},
                      {"runRoot", str_node(h.run_root)},
                  })},
        {"version", obj({{"Version", str_node(h.version)}, {"OsArch", str_node(h.os + "/" + h.arch)}})},
    };
}

}  // namespace

void add_info(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("info", "Display skiff system information");
    set_usage(sub, "skiff info [options]");
    auto format = std::make_shared<std::string>();
    sub->add_option("-f,--format", *format, "Change the output format to JSON");
    sub->callback([format, &ctx] {
        if (!format->empty() && *format != "json" && *format != "{{json .}}") {
            ctx.exit_code = fail(make_error("unsupported --format \"" + *format + "\": want json"));
            return;
        }
        auto h = engine::host_info(ctx.store, SKIFF_VERSION);
        if (!h.ok()) {
            ctx.exit_code = fail(h.error());
            return;
        }
        std::string out;
        if (format->empty())
            to_yaml(info_tree(*h), 0, out);
        else
            to_json(obj(info_tree(*h)), 0, out), out += "\n";
        std::cout << out;
    });
}

}  // namespace skiff::cli
