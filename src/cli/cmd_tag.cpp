// skiff tag IMAGE TARGET_NAME [TARGET_NAME...] and skiff untag IMAGE [NAME...]
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/images.hpp"

namespace skiff::cli {

namespace {

Result<void> tag(Context& ctx, const std::vector<std::string>& args) {
    if (args.size() < 2) return make_error("`skiff tag` requires at least 2 args: an image and a new name");
    return engine::tag_image(ctx.store, args[0], {args.begin() + 1, args.end()});
}

Result<void> untag(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return make_error("`skiff untag` requires at least 1 arg: an image");
    return engine::untag_image(ctx.store, args[0], {args.begin() + 1, args.end()});
}

}  // namespace

void add_tag(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("tag", "Add an additional name to a local image");
    set_usage(sub, "skiff tag IMAGE TARGET_NAME [TARGET_NAME...]");
    auto args = std::make_shared<std::vector<std::string>>();
    sub->add_option("args", *args, "An image, then the names to give it");
    sub->callback([args, &ctx] { finish(ctx, tag(ctx, *args)); });
}

void add_untag(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("untag", "Remove names from a local image");
    set_usage(sub, "skiff untag IMAGE [IMAGE_NAME...]");
    auto args = std::make_shared<std::vector<std::string>>();
    sub->add_option("args", *args, "An image, then the names to remove (all when none)");
    sub->callback([args, &ctx] { finish(ctx, untag(ctx, *args)); });
}

}  // namespace skiff::cli
