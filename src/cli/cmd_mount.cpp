// skiff mount / unmount (also `container mount`, `container unmount`) and `image mount` / `image
// unmount`: a container's or an image's root file system mounted on the host, as podman's.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "table.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/mount.hpp"

namespace skiff::cli {

namespace {

struct MountCliOptions {
    bool all = false, latest = false, no_trunc = false;
    std::string format;
    std::vector<std::string> args;
};

struct UnmountCliOptions {
    bool all = false, force = false, latest = false;
    std::vector<std::string> args;
};

// Each name's outcome in order: its line on stdout, or its error on stderr (the last error's exit
// code is the command's, as podman's).
template <typename F>
int each(const std::vector<std::string>& names, F&& one) {
    int code = 0;
    for (auto& n : names) {
        auto r = one(n);
        if (r.ok()) {
            if (!r->empty()) std::cout << *r << "\n";
        } else {
            code = fail(r.error());
        }
    }
    return code;
}

// The mounted roots as podman lists them: "ID  PATH" lines (no header), or --format json.
Result<void> list_mounted(const std::vector<engine::MountedRoot>& mounted, const std::string& format, bool image,
                          bool no_trunc) {
    if (format == "json") {
        std::cout << "[";
        for (size_t i = 0; i < mounted.size(); ++i) {
            auto& m = mounted[i];
            std::cout << (i ? ",\n" : "\n") << " {\n  \"id\": " << json_quote(m.id) << ",\n  \"Names\": [";
            for (size_t j = 0; j < m.names.size(); ++j) std::cout << (j ? ", " : "") << json_quote(m.names[j]);
            std::cout << "],\n  \"mountpoint\": " << json_quote(m.path) << "\n }";
        }
        std::cout << (mounted.empty() ? "]\n" : "\n]\n");
        return {};
    }
    if (!format.empty()) return make_error("unknown --format argument: \"" + format + "\"");
    if (mounted.empty()) return {};
    Table t({});
    for (auto& m : mounted) {
        std::string id = image ? (m.names.empty() ? m.id : m.names.front()) : (no_trunc ? m.id : m.id.substr(0, 12));
        t.add({id, m.path});
    }
    std::cout << t.render(false);
    return {};
}

Result<std::string> latest_container(const storage::StoreConfig& store) {
    auto list = TRY(engine::list_containers(store, true));
    if (list.empty()) return make_error("unable to get latest container: no such container");
    return list.front().id;
}

// The containers named, or --latest's; with --all, none yet (the caller adds them).
Result<std::vector<std::string>> chosen_containers(Context& ctx, bool latest, bool all, const std::vector<std::string>& args) {
    if (latest && !args.empty()) return make_error("--latest and containers cannot be used together");
    if (all && !args.empty()) return make_error("--all and containers cannot be used together");
    std::vector<std::string> names = args;
    if (latest) names.push_back(TRY(latest_container(ctx.store)));
    return names;
}

int run_mount(Context& ctx, const MountCliOptions& o) {
    auto chosen = chosen_containers(ctx, o.latest, o.all, o.args);
    if (!chosen.ok()) return fail(chosen.error());
    std::vector<std::string> names = chosen.take();
    if (o.all) {
        auto list = engine::list_containers(ctx.store, true);
        if (!list.ok()) return fail(list.error());
        for (auto& c : *list) names.push_back(c.id);
    }
    if (names.empty() && !o.all) {
        auto mounted = engine::mounted_containers(ctx.store);
        if (!mounted.ok()) return fail(mounted.error());
        auto listed = list_mounted(*mounted, o.format, false, o.no_trunc);
        return listed.ok() ? 0 : fail(listed.error());
    }
    return each(names, [&](const std::string& n) { return engine::mount_container(ctx.store, n); });
}

int run_unmount(Context& ctx, const UnmountCliOptions& o) {
    auto chosen = chosen_containers(ctx, o.latest, o.all, o.args);
    if (!chosen.ok()) return fail(chosen.error());
    std::vector<std::string> names = chosen.take();
    if (o.all) {
        auto mounted = engine::mounted_containers(ctx.store);
        if (!mounted.ok()) return fail(mounted.error());
        for (auto& m : *mounted) names.push_back(m.id);
    } else if (names.empty()) {
        return fail(make_error("requires at least 1 arg(s), only received 0"));
    }
    return each(names, [&](const std::string& n) { return engine::unmount_container(ctx.store, n, o.force); });
}

int run_image_mount(Context& ctx, const MountCliOptions& o) {
    if (o.all && !o.args.empty()) return fail(make_error("when using the --all switch, you may not pass any image names or IDs"));
    std::vector<std::string> names = o.args;
    if (o.all) {
        auto images = engine::list_images(ctx.store, "");
        if (!images.ok()) return fail(images.error());
        for (auto& i : *images) names.push_back(i.id);
    }
    if (names.size() == 1 && !o.all && o.format.empty())
        return each(names, [&](const std::string& n) { return engine::mount_image(ctx.store, n); });
    for (auto& n : names) {
        auto path = engine::mount_image(ctx.store, n);
        if (!path.ok()) return fail(path.error());
    }
    auto mounted = engine::mounted_images(ctx.store);
    if (!mounted.ok()) return fail(mounted.error());
    auto listed = list_mounted(*mounted, o.format, true, false);
    return listed.ok() ? 0 : fail(listed.error());
}

int run_image_unmount(Context& ctx, const UnmountCliOptions& o) {
    if (o.all && !o.args.empty()) return fail(make_error("cannot mix --all with images"));
    std::vector<std::string> names = o.args;
    if (o.all) {
        auto mounted = engine::mounted_images(ctx.store);
        if (!mounted.ok()) return fail(mounted.error());
        for (auto& m : *mounted) names.push_back(m.id);
    } else if (names.empty()) {
        return fail(make_error("image name or ID must be specified"));
    }
    return each(names, [&](const std::string& n) { return engine::unmount_image(ctx.store, n, o.force); });
}

}  // namespace

void add_mount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("mount", "Mount a working container's root filesystem");
    set_usage(sub, "skiff mount [options] [CONTAINER...]");
    auto o = std::make_shared<MountCliOptions>();
    sub->add_flag("-a,--all", o->all, "Mount all containers");
    sub->add_option("--format", o->format, "Print the mounted containers in specified format (json)");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_flag("--no-trunc,--notruncate", o->no_trunc, "Do not truncate output");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_mount(ctx, *o); });
}

void add_unmount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("unmount", "Unmount working container's root filesystem");
    sub->alias("umount");
    set_usage(sub, "skiff unmount [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<UnmountCliOptions>();
    sub->add_flag("-a,--all", o->all, "Unmount all of the currently mounted containers");
    sub->add_flag("-f,--force", o->force, "Force the complete unmount of the specified mounted containers");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_unmount(ctx, *o); });
}

void add_image_mount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("mount", "Mount an image's root filesystem");
    set_usage(sub, "skiff image mount [options] [IMAGE...]");
    auto o = std::make_shared<MountCliOptions>();
    sub->add_flag("-a,--all", o->all, "Mount all images");
    sub->add_option("--format", o->format, "Print the mounted images in specified format (json)");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_image_mount(ctx, *o); });
}

void add_image_unmount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("unmount", "Unmount an image's root filesystem");
    sub->alias("umount");
    set_usage(sub, "skiff image unmount [options] IMAGE [IMAGE...]");
    auto o = std::make_shared<UnmountCliOptions>();
    sub->add_flag("-a,--all", o->all, "Unmount all of the currently mounted images");
    sub->add_flag("-f,--force", o->force, "Force the complete unmount of the specified mounted images");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_image_unmount(ctx, *o); });
}

}  // namespace skiff::cli
