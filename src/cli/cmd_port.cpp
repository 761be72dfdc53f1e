// skiff port [-a | -l | CONTAINER] [PRIVATE_PORT[/PROTO]]: the host addresses a running container's
// published ports are reached at, as podman prints them.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/containers.hpp"

namespace skiff::cli {

namespace {

struct PortOptions {
    bool all = false, latest = false;
    std::vector<std::string> args;
};

Result<void> run_port(Context& ctx, const PortOptions& o) {
    if (o.all && o.latest) return make_error("--all and --latest cannot be used together");
    if (o.all && !o.args.empty()) return make_error("no arguments are allowed with --all");
    size_t names = o.all || o.latest ? 0 : 1;
    if (!o.all && !o.latest && o.args.empty()) return make_error("`skiff port` requires a container name or ID, or --all or --latest");
    if (o.args.size() > names + 1) return make_error("`skiff port` takes at most one container and one port");

    auto list = TRY(engine::published_ports(ctx.store, names == 1 ? o.args[0] : std::string()));
    if (o.latest) {
        if (list.empty()) return make_error("no containers to list ports of");
        list.resize(1);
    }
    std::optional<engine::PortQuery> wanted;
    if (o.args.size() > names) wanted = TRY(engine::parse_port_query(o.args[names]));

    std::string out;
    bool found = false;
    for (auto& c : list) {
        for (auto& m : c.ports) {
            if (wanted) {
                if (m.container_port != wanted->port || (!wanted->protocol.empty() && m.protocol != wanted->protocol)) continue;
                out += m.host + "\n";
                found = true;
                break;
            }
            if (o.all) out += c.id.substr(0, 12) + "\t";
            out += std::to_string(m.container_port) + "/" + m.protocol + " -> " + m.host + "\n";
        }
    }
    std::cout << out << std::flush;
    if (wanted && !found) return make_error("failed to find published port \"" + o.args[names] + "\"");
    return {};
}

}  // namespace

void add_port(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("port", "List port mappings or a specific mapping for the container");
    set_usage(sub, "skiff port [options] [CONTAINER] [PRIVATE_PORT[/PROTO]]");
    auto o = std::make_shared<PortOptions>();
    sub->add_flag("-a,--all", o->all, "Display port information for all containers");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_port(ctx, *o)); });
}

}  // namespace skiff::cli
