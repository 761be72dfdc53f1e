// skiff rmi [options] IMAGE [IMAGE...]
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/images.hpp"

namespace skiff::cli {

namespace {

struct RmiOptions {
    bool all = false, force = false, ignore = false, no_prune = false;
    std::vector<std::string> images;
};

}  // namespace

void add_rmi(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("rmi", "Remove one or more images from local storage");
    set_usage(sub, "skiff rmi [options] IMAGE [IMAGE...]");
    auto o = std::make_shared<RmiOptions>();
    sub->add_flag("-a,--all", o->all, "Remove all images");
    sub->add_flag("-f,--force", o->force, "Force removal of the image and any containers using the image");
    sub->add_flag("-i,--ignore", o->ignore, "Ignore errors if a specified image does not exist");
    sub->add_flag("--no-prune", o->no_prune, "Do not remove dangling images");
    sub->add_option("images", o->images, "Images to remove");
    sub->callback([o, &ctx] {
        if (o->all && !o->images.empty()) {
            ctx.exit_code = fail(make_error("when using the --all switch, you may not pass any images names or IDs"));
            return;
        }
        if (!o->all && o->images.empty()) {
            ctx.exit_code = fail(make_error("image name or ID must be specified"));
            return;
        }
        // podman's exit status: 1 an image did not exist, 2 one was in use, 125 anything else.
        int code = 0;
        for (auto& r : engine::remove_images(ctx.store, o->images, {.force = o->force, .all = o->all, .prune = !o->no_prune})) {
            for (auto& name : r.untagged) std::cout << "Untagged: " << name << "\n";
            if (!r.deleted.empty()) std::cout << "Deleted: " << r.deleted << "\n";
            if (r.error.message.empty()) continue;
            // --force, like --ignore, passes over images that do not exist, as podman's does.
            if ((o->ignore || o->force) && r.error.exit_code == 1) continue;
            code = std::max(code, fail(r.error));
        }
        std::cout.flush();
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
