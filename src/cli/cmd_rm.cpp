// skiff rm [options] CONTAINER [CONTAINER...]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/containers.hpp"

namespace skiff::cli {

namespace {
struct RmOptions {
    bool all = false, force = false, ignore = false, volumes = false;
    int time = 0;
    std::vector<std::string> names;
};
}  // namespace

void add_rm(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("rm", "Remove one or more containers");
    set_usage(sub, "skiff rm [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<RmOptions>();
    sub->add_flag("-a,--all", o->all, "Remove all containers");
    sub->add_flag("-f,--force", o->force, "Force removal of a running container");
    sub->add_flag("-i,--ignore", o->ignore, "Ignore errors when a specified container is missing");
    sub->add_flag("-v,--volumes", o->volumes, "Remove anonymous volumes associated with the container");
    auto* time = sub->add_option("-t,--time", o->time,
                                 "Seconds to wait for stop before killing a running container (-1: forever; with --force)");
    sub->add_option("containers", o->names, "Containers to remove");
    sub->callback([o, time, &ctx] {
        if (time->count() && !o->force) {
            ctx.exit_code = fail(make_error("--force option must be specified to use the --time option"));
            return;
        }
        if (o->all && !o->names.empty()) {
            ctx.exit_code = fail(make_error("when using the --all flag, no container names or IDs may be specified"));
            return;
        }
        if (!o->all && o->names.empty()) {
            ctx.exit_code = fail(make_error("`skiff rm` requires at least 1 arg (or --all)"));
            return;
        }
        // podman's exit status: 1 a container did not exist, 2 one was running, 125 anything else.
        int code = 0;
        for (auto& r : engine::remove_containers(ctx.store, o->names,
                                                {.force = o->force,
                                                 .all = o->all,
                                                 .ignore_missing = o->ignore,
                                                 .volumes = o->volumes,
                                                 .stop_timeout = given(time, o->time)})) {
            if (r.error.message.empty()) {
                std::cout << (o->all ? r.id : r.input) << "\n";
                continue;
            }
            fail(r.error);
            int c = r.not_found ? 1 : r.running ? 2 : kExitFailure;
            code = std::max(code, c);
        }
        std::cout.flush();
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
