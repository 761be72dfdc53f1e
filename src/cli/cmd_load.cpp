// skiff load [options]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "skiff/engine/images.hpp"

namespace skiff::cli {

namespace {

struct LoadOptions {
    std::string input;
    bool quiet = false;
    std::vector<std::string> args;
};

Result<void> run_load(Context& ctx, const LoadOptions& o) {
    TRY(check_arg_count("load", o.args.size(), 0, 0));
    // As podman's: what is copied goes to stderr, as a pull's, unless -q; the loaded names to stdout.
    PullDisplay progress(stderr, o.quiet ? ProgressMode::kQuiet : ProgressMode::kLines);
    auto loaded = TRY(engine::load_images(ctx.store, o.input, &progress));
    for (auto& img : loaded) {
        if (img.names.empty()) std::cout << "Loaded image: sha256:" << img.id << "\n";
        for (auto& name : img.names) std::cout << "Loaded image: " << name << "\n";
    }
    return {};
}

}  // namespace

void add_load(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("load", "Load image(s) from a tar archive");
    set_usage(sub, "skiff load [options]");
    auto o = std::make_shared<LoadOptions>();
    sub->add_option("-i,--input", o->input, "Read from specified archive file or http(s) URL (default: stdin)");
    sub->add_flag("-q,--quiet", o->quiet, "Suppress the output");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_load(ctx, *o)); });
}

}  // namespace skiff::cli
