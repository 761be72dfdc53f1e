// skiff image SUBCOMMAND: podman's `podman image …` — the image commands under one parent (see
// add_parent), plus `image prune` and `image exists`.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/image_filter.hpp"
#include "skiff/engine/images.hpp"

namespace skiff::cli {

namespace {

const SubcommandEntry kImageSubcommands[] = {
    {add_image_diff, "diff", "diff", nullptr},
    {add_history, "history", "history", nullptr},
    {add_import, "import", "import", nullptr},
    {add_inspect, "inspect", "inspect", nullptr},
    {add_images, "images", "list", "ls"},
    {add_load, "load", "load", nullptr},
    {add_image_mount, "mount", "mount", nullptr},
    {add_pull, "pull", "pull", nullptr},
    {add_push, "push", "push", nullptr},
    {add_rmi, "rmi", "rm", nullptr},
    {add_save, "save", "save", nullptr},
    {add_search, "search", "search", nullptr},
    {add_tag, "tag", "tag", nullptr},
    {add_image_unmount, "unmount", "unmount", nullptr},
    {add_untag, "untag", "untag", nullptr},
};

// Exit 0 when the image is stored, 1 when it is not, 125 when the store cannot tell.
int image_exists(Context& ctx, const std::string& image) {
    auto found = engine::image_exists(ctx.store, image);
    if (!found) return fail(found.error());
    return *found ? 0 : 1;
}

struct PruneOptions {
    bool all = false, force = false;
    std::vector<std::string> filters;
};

Result<void> prune(Context& ctx, const PruneOptions& o) {
    auto filter = TRY(engine::ImageFilter::parse(ctx.store, o.filters));
    if (!o.force && !confirmed(o.all ? "WARNING! This command removes all images without at least one container associated with them."
                                     : "WARNING! This command removes all dangling images."))
        return {};
    for (auto& id : TRY(engine::prune_images(ctx.store, o.all, filter))) std::cout << id << "\n";
    return {};
}

void add_prune(CLI::App& img, Context& ctx) {
    auto* sub = img.add_subcommand("prune", "Remove unused images");
    set_usage(sub, "skiff image prune [options]");
    auto o = std::make_shared<PruneOptions>();
    sub->add_flag("-a,--all", o->all, "Remove all images not in use by containers, not just dangling ones");
    sub->add_option("--filter", o->filters, "Provide filter values (e.g. 'label=<key>=<value>')")->allow_extra_args(false);
    sub->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
    sub->callback([o, &ctx] { finish(ctx, prune(ctx, *o)); });
}

}  // namespace

void add_image(CLI::App& parent, Context& ctx) {
    auto* img = add_parent(parent, ctx, "image", "Manage images", kImageSubcommands);
    add_prune(*img, ctx);
    add_image_tree(*img, ctx);
    auto* exists = img->add_subcommand("exists", "Check if an image exists in local storage");
    set_usage(exists, "skiff image exists IMAGE");
    auto name = std::make_shared<std::string>();
    exists->add_option("image", *name, "Image to look for")->required();
    exists->callback([name, &ctx] { ctx.exit_code = image_exists(ctx, *name); });
}

}  // namespace skiff::cli
