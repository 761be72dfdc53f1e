// skiff rm [options] CONTAINER [CONTAINER...]
#include <iostream>
#include <map>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "targets.hpp"
#include "skiff/engine/containers.hpp"

namespace skiff::cli {

namespace {
struct RmOptions {
    TargetFlags targets;
    bool force = false, volumes = false, depend = false;
    int time = 0;
};
}  // namespace

void add_rm(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("rm", "Remove one or more containers");
    set_usage(sub, "skiff rm [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<RmOptions>();
    auto* t = &o->targets;
    add_target_flags(sub, *t, {.all_help = "Remove all containers", .ignore = true, .filter_short = false});
    sub->add_flag("--depend", o->depend, "Remove container and all containers that depend on it");
    sub->add_flag("-f,--force", o->force, "Force removal of a running container (a missing one is no error)");
    sub->add_flag("-v,--volumes", o->volumes, "Remove anonymous volumes associated with the container");
    auto* time = sub->add_option("-t,--time", o->time,
                                 "Seconds to wait for stop before killing a running container (-1: forever; with --force)");
    sub->callback([o, t, time, &ctx] {
        if (time->count() && !o->force) {
            ctx.exit_code = fail(make_error("--force option must be specified to use the --time option"));
            return;
        }
        if (auto ok = check_targets(*t); !ok.ok()) return (void)(ctx.exit_code = fail(ok.error()));
        // --all is the engine's own (it removes each container it lists); the others name them,
        // --filter before --all, as podman.
        bool all = t->all && t->filters.empty();
        std::vector<std::string> names;
        std::map<std::string, std::string> shown;  // what to print for a name given to the engine
        if (!all) {
            auto list = resolve_targets(ctx, *t, nullptr);
            if (!list) {
                // As podman: with --force, a container that does not exist is no error.
                bool quiet = o->force && list.error().missing;
                return (void)(ctx.exit_code = quiet ? 0 : fail(list.error()));
            }
            for (auto& target : *list) {
                names.push_back(target.id);
                shown[target.id] = target.shown;
            }
        }
        // podman's exit status: 1 a container did not exist, 2 one was running, 125 anything else.
        int code = 0;
        for (auto& r : engine::remove_containers(ctx.store, names,
                                                {.force = o->force,
                                                 .all = all,
                                                 // As podman: with --force, a missing container is no error.
                                                 .ignore_missing = t->ignore || o->force,
                                                 .volumes = o->volumes,
                                                 .depend = o->depend,
                                                 .stop_timeout = given(time, o->time)})) {
            if (r.error.message.empty()) {
                // A dependent removed first (--depend) was not named: its id.
                std::cout << (all || !shown.count(r.input) ? r.id : shown[r.input]) << "\n";
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
