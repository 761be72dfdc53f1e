// skiff rename CONTAINER NAME, and skiff container SUBCOMMAND: podman's `podman container …` — the
// container commands under one parent (see add_parent), plus `container exists` and `container prune`.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "targets.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::cli {

namespace {

const SubcommandEntry kContainerSubcommands[] = {
    {add_attach, "attach", "attach", nullptr},
    {add_cp, "cp", "cp", nullptr},
    {add_create, "create", "create", nullptr},
    {add_exec, "exec", "exec", nullptr},
    {add_export, "export", "export", nullptr},
    {add_commit, "commit", "commit", nullptr},
    {add_container_diff, "diff", "diff", nullptr},
    {add_init, "init", "init", nullptr},
    {add_inspect, "inspect", "inspect", nullptr},
    {add_kill, "kill", "kill", nullptr},
    {add_port, "port", "port", nullptr},
    {add_ps, "ps", "list", "ls"},
    {add_logs, "logs", "logs", nullptr},
    {add_mount, "mount", "mount", nullptr},
    {add_pause, "pause", "pause", nullptr},
    {add_rename, "rename", "rename", nullptr},
    {add_restart, "restart", "restart", nullptr},
    {add_rm, "rm", "rm", nullptr},
    {add_run, "run", "run", nullptr},
    {add_start, "start", "start", nullptr},
    {add_stats, "stats", "stats", nullptr},
    {add_stop, "stop", "stop", nullptr},
    {add_top, "top", "top", nullptr},
    {add_unmount, "unmount", "unmount", nullptr},
    {add_unpause, "unpause", "unpause", nullptr},
    {add_update, "update", "update", nullptr},
    {add_wait, "wait", "wait", nullptr},
};

// Exit 0 when the container exists, 1 when it does not, 125 when the store cannot tell.
int container_exists(Context& ctx, const std::string& name) {
    auto found = engine::container_exists(ctx.store, name);
    if (!found) return fail(found.error());
    return *found ? 0 : 1;
}

Result<void> prune(Context& ctx, bool force) {
    if (!force && !confirmed("WARNING! This will remove all non running containers.")) return {};
    for (auto& id : TRY(engine::prune_containers(ctx.store))) std::cout << id << "\n";
    return {};
}

struct CleanupOptions {
    TargetFlags targets;
    bool remove = false, rmi = false;
};

// One container: cleaned up (or removed), then with --rmi its image removed; podman's error lines.
Result<void> cleanup_one(Context& ctx, const CleanupOptions& o, const std::string& name) {
    auto c = TRY(engine::find_container(ctx.store, name));
    auto cleaned = engine::cleanup(ctx.store, c.id, o.remove);
    if (!cleaned.ok()) return cleaned.take_error();
    if (o.rmi && !c.image_id.empty())
        for (auto& r : engine::remove_images(ctx.store, {c.image_id}, {}))
            if (!r.error.message.empty()) return std::move(r.error);
    return {};
}

// `container cleanup`: podman's exit-command; the containers as given are printed once done.
void add_cleanup(CLI::App* parent, Context& ctx) {
    auto* sub = parent->add_subcommand("cleanup", "Clean up network and mountpoints of one or more containers");
    set_usage(sub, "skiff container cleanup [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<CleanupOptions>();
    add_target_flags(sub, o->targets, {.all_help = "Cleans up all containers", .cidfile = false, .filter = false});
    sub->add_flag("--rm", o->remove, "After cleanup, remove the container entirely");
    sub->add_flag("--rmi", o->rmi, "After cleanup, remove the image entirely");
    sub->callback([o, &ctx] {
        auto ok = check_targets(o->targets);
        if (!ok) return (void)(ctx.exit_code = fail(ok.error()));
        auto list = resolve_targets(ctx, o->targets, [](const storage::Container& c) {
            return c.state != storage::ContainerState::kRunning && c.state != storage::ContainerState::kInitialized;
        });
        if (!list) return (void)(ctx.exit_code = fail(list.error()));
        for (auto& t : *list) {
            auto r = cleanup_one(ctx, *o, t.id);
            if (r.ok()) std::cout << t.shown << std::endl;
            else ctx.exit_code = fail(r.error());
        }
    });
}

}  // namespace

void add_rename(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("rename", "Rename an existing container");
    set_usage(sub, "skiff rename CONTAINER NAME");
    auto args = std::make_shared<std::vector<std::string>>();
    sub->add_option("args", *args, "The container, then its new name");
    sub->callback([args, &ctx] {
        if (args->size() != 2) {
            ctx.exit_code = fail(make_error("`skiff rename` requires 2 args: a container and a new name, received " +
                                            std::to_string(args->size())));
            return;
        }
        finish(ctx, engine::rename_container(ctx.store, (*args)[0], (*args)[1]));
    });
}

void add_container(CLI::App& parent, Context& ctx) {
    auto* c = add_parent(parent, ctx, "container", "Manage containers", kContainerSubcommands);
    auto* exists = c->add_subcommand("exists", "Check if a container exists in local storage");
    set_usage(exists, "skiff container exists CONTAINER");
    auto name = std::make_shared<std::string>();
    exists->add_option("container", *name, "Container to look for")->required();
    exists->callback([name, &ctx] { ctx.exit_code = container_exists(ctx, *name); });

    auto* prune_cmd = c->add_subcommand("prune", "Remove all non running containers");
    set_usage(prune_cmd, "skiff container prune [options]");
    auto force = std::make_shared<bool>(false);
    prune_cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
    prune_cmd->callback([force, &ctx] { finish(ctx, prune(ctx, *force)); });
    add_cleanup(c, ctx);
    add_container_clone(c, ctx);
}

}  // namespace skiff::cli
