// skiff tag IMAGE TARGET_NAME [TARGET_NAME...] and skiff untag IMAGE [NAME...]
#include <algorithm>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::cli {

namespace {

// A name as the store keeps it ("demo" → "localhost/demo:latest"); digests cannot be tags.
Result<std::string> tag_name(const std::string& input) {
    auto ref = TRY_CTX(oci::parse_reference(input), "normalizing name \"" + input + "\"");
    if (!ref.digest.empty()) return make_error("normalizing name \"" + input + "\": tag by digest not supported");
    return TRY_CTX(oci::normalize_local_name(input), "normalizing name \"" + input + "\"");
}

Result<void> tag(Context& ctx, const std::vector<std::string>& args) {
    if (args.size() < 2) return make_error("`skiff tag` requires at least 2 args: an image and a new name");
    // Every name is checked before any is added: a bad one changes nothing.
    std::vector<std::string> names;
    for (size_t i = 1; i < args.size(); i++) names.push_back(TRY(tag_name(args[i])));
    auto image = TRY(storage::find_image(ctx.store, args[0]));
    for (auto& n : names) TRY(storage::tag_image(ctx.store, image.id, n));
    return {};
}

Result<void> untag(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return make_error("`skiff untag` requires at least 1 arg: an image");
    auto image = TRY(storage::find_image(ctx.store, args[0]));
    std::vector<std::string> names;
    if (args.size() == 1) names = image.names;  // no names: all of them
    for (size_t i = 1; i < args.size(); i++) {
        std::string n = TRY(tag_name(args[i]));
        if (std::find(image.names.begin(), image.names.end(), n) == image.names.end())
            return make_error(n + ": tag not known");
        names.push_back(n);
    }
    for (auto& n : names) TRY(storage::untag_image(ctx.store, image.id, n));
    return {};
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
