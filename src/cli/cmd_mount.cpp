// skiff mount / unmount (also `container mount`, `container unmount`) and `image mount` / `image
// unmount`: a container's or an image's root file system mounted on the host, as podman's.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "table.hpp"
#include "targets.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/mount.hpp"

namespace skiff::cli {

namespace {

struct MountCliOptions {
    TargetFlags targets;  // images: only all and names
    bool no_trunc = false;
    std::string format;
};

struct UnmountCliOptions {
    TargetFlags targets;  // images: only all and names
    bool force = false;
};

const TargetFlagSet kMountTargets = {"Mount all containers", false, false};
const TargetFlagSet kUnmountTargets = {"Unmount all of the currently mounted containers", false, false};

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

// Each container the flags name (podman's checks of how they combine) mounted or unmounted by `one`;
// --all: those `wanted` accepts.
template <typename F>
int each_container(Context& ctx, const TargetFlags& t, const std::function<bool(const storage::Container&)>& wanted, F&& one) {
    auto checked = check_targets(t);
    if (!checked.ok()) return fail(checked.error());
    auto targets = resolve_targets(ctx, t, wanted);
    if (!targets.ok()) return fail(targets.error());
    std::vector<std::string> names;
    for (auto& target : *targets) names.push_back(target.id);
    return each(names, std::forward<F>(one));
}

int run_mount(Context& ctx, const MountCliOptions& o) {
    const TargetFlags& t = o.targets;
    if (t.names.empty() && !t.all && !t.latest) {
        auto mounted = engine::mounted_containers(ctx.store);
        if (!mounted.ok()) return fail(mounted.error());
        auto listed = list_mounted(*mounted, o.format, false, o.no_trunc);
        return listed.ok() ? 0 : fail(listed.error());
    }
    return each_container(ctx, t, nullptr, [&](const std::string& n) { return engine::mount_container(ctx.store, n); });
}

int run_unmount(Context& ctx, const UnmountCliOptions& o) {
    auto mounted = [&](const storage::Container& c) { return !engine::container_host_root(ctx.store, c.id).empty(); };
    return each_container(ctx, o.targets, mounted,
                          [&](const std::string& n) { return engine::unmount_container(ctx.store, n, o.force); });
}

int run_image_mount(Context& ctx, const MountCliOptions& o) {
    const TargetFlags& t = o.targets;
    if (t.all && !t.names.empty()) return fail(make_error("when using the --all switch, you may not pass any image names or IDs"));
    std::vector<std::string> names = t.names;
    if (t.all) {
        auto images = engine::list_images(ctx.store, "");
        if (!images.ok()) return fail(images.error());
        for (auto& i : *images) names.push_back(i.id);
    }
    if (names.size() == 1 && !t.all && o.format.empty())
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
    const TargetFlags& t = o.targets;
    if (t.all && !t.names.empty()) return fail(make_error("cannot mix --all with images"));
    std::vector<std::string> names = t.names;
    if (t.all) {
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
    add_target_flags(sub, o->targets, kMountTargets);
    sub->add_option("--format", o->format, "Print the mounted containers in specified format (json)");
    sub->add_flag("--no-trunc,--notruncate", o->no_trunc, "Do not truncate output");
    sub->callback([o, &ctx] { ctx.exit_code = run_mount(ctx, *o); });
}

void add_unmount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("unmount", "Unmount working container's root filesystem");
    sub->alias("umount");
    set_usage(sub, "skiff unmount [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<UnmountCliOptions>();
    add_target_flags(sub, o->targets, kUnmountTargets);
    sub->add_flag("-f,--force", o->force, "Force the complete unmount of the specified mounted containers");
    sub->callback([o, &ctx] { ctx.exit_code = run_unmount(ctx, *o); });
}

void add_image_mount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("mount", "Mount an image's root filesystem");
    set_usage(sub, "skiff image mount [options] [IMAGE...]");
    auto o = std::make_shared<MountCliOptions>();
    sub->add_flag("-a,--all", o->targets.all, "Mount all images");
    sub->add_option("--format", o->format, "Print the mounted images in specified format (json)");
    sub->add_option("args", o->targets.names)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_image_mount(ctx, *o); });
}

void add_image_unmount(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("unmount", "Unmount an image's root filesystem");
    sub->alias("umount");
    set_usage(sub, "skiff image unmount [options] IMAGE [IMAGE...]");
    auto o = std::make_shared<UnmountCliOptions>();
    sub->add_flag("-a,--all", o->targets.all, "Unmount all of the currently mounted images");
    sub->add_flag("-f,--force", o->force, "Force the complete unmount of the specified mounted images");
    sub->add_option("args", o->targets.names)->group("");
    sub->callback([o, &ctx] { ctx.exit_code = run_image_unmount(ctx, *o); });
}

}  // namespace skiff::cli
