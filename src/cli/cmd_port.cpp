// skiff port [-a | -l | CONTAINER] [PRIVATE_PORT[/PROTO]]: the host addresses a running container's
// published ports are reached at, as podman prints them.
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/net/ports.hpp"
#include "skiff/storage/containers.hpp"

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

    // Each container's state is checked against its processes as it is read (one that died shows
    // as exited); one named container is read alone.
    std::vector<storage::Container> list;
    if (names == 1)
        list.push_back(TRY(storage::find_container(ctx.store, o.args[0])));
    else
        list = TRY(engine::list_containers(ctx.store, true));
    if (o.latest) {
        if (list.empty()) return make_error("no containers to list ports of");
        list.resize(1);
    }
    std::optional<net::ExposedPort> wanted;
    bool proto_given = false;
    if (o.args.size() > names) {
        auto ports = TRY(net::parse_expose(o.args[names]));
        if (ports.size() != 1) return make_error("invalid port \"" + o.args[names] + "\": want one PORT[/PROTOCOL]");
        wanted = ports[0];
        proto_given = o.args[names].find('/') != std::string::npos;
    }

    std::string out;
    bool found = false;
    for (auto& c : list) {
        if (c.state != storage::ContainerState::kRunning) continue;
        auto opts = engine::parse_run_options(c.run_options);
        if (!opts.ok()) continue;
        for (auto& m : opts->ports) {
            if (wanted) {
                if (m.container_port != wanted->port || (proto_given && m.protocol != wanted->protocol)) continue;
                out += net::host_address(m) + "\n";
                found = true;
                break;
            }
            if (o.all) out += c.id.substr(0, 12) + "\t";
            out += std::to_string(m.container_port) + "/" + m.protocol + " -> " + net::host_address(m) + "\n";
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
