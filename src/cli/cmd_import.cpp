// skiff import [options] PATH [REFERENCE]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "skiff/engine/images.hpp"

namespace skiff::cli {

namespace {

struct ImportArgs {
    engine::ImportOptions opts;
    bool quiet = false;
    std::vector<std::string> args;
};

Result<void> run_import(Context& ctx, ImportArgs& a) {
    TRY(check_arg_count("import", a.args.size(), 1, 2));
    a.opts.source = a.args[0];
    if (a.args.size() > 1) a.opts.reference = a.args[1];
    // podman's steps as lines on stderr, the same on a terminal: the layer is read before it is named.
    PullDisplay progress(stderr, a.quiet ? ProgressMode::kQuiet : ProgressMode::kLines);
    a.opts.progress = &progress;
    auto img = TRY(engine::import_image(ctx.store, a.opts));
    std::cout << "sha256:" << img.id << "\n";
    return {};
}

}  // namespace

void add_change_option(CLI::App& sub, std::vector<std::string>& changes) {
    sub.add_option("-c,--change", changes,
                   "Apply the following possible instructions to the created image (default []): "
                   "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR")
        ->allow_extra_args(false);
}

void add_import(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("import", "Import a tarball to create a filesystem image");
    set_usage(sub, "skiff import [options] PATH [REFERENCE]");
    auto a = std::make_shared<ImportArgs>();
    add_change_option(*sub, a->opts.changes);
    sub->add_option("-m,--message", a->opts.message, "Set commit message for imported image");
    sub->add_flag("-q,--quiet", a->quiet, "Suppress output");
    sub->add_option("args", a->args, "PATH (a file, an http(s) URL, or - for stdin) and REFERENCE");
    sub->callback([a, &ctx] { finish(ctx, run_import(ctx, *a)); });
}

}  // namespace skiff::cli
