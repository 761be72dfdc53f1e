// skiff save [options] IMAGE [IMAGE...]
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "skiff/engine/push.hpp"

namespace skiff::cli {

namespace {

struct SaveCliOptions {
    bool quiet = false, multi_image = false, compress = false, uncompressed = false;
    std::string output, format = "docker-archive";
    std::vector<std::string> images;
};

Result<void> run_save(Context& ctx, const SaveCliOptions& o) {
    if (o.images.empty()) return make_error("need at least 1 argument");
    engine::SaveOptions opts;
    opts.format = TRY(engine::parse_save_format(o.format));
    opts.multi_image = o.multi_image;
    opts.compress = o.compress;
    opts.uncompressed = o.uncompressed;
    if (o.compress && opts.format != engine::SaveFormat::kDockerDir)
        return make_error("--compress can only be set when --format is docker-dir");
    if (o.output.empty() && ::isatty(STDOUT_FILENO)) return make_error("refusing to save to terminal. Use -o flag or redirect");
    // Progress goes to stderr, and never when the archive itself goes to stdout.
    PushDisplay display(stderr, o.quiet || o.output.empty() || !::isatty(STDERR_FILENO));
    return engine::save(ctx.store, o.images, o.output, opts, display);
}

}  // namespace

void add_save(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("save", "Save image(s) to an archive");
    set_usage(sub, "skiff save [options] IMAGE [IMAGE...]");
    auto o = std::make_shared<SaveCliOptions>();
    sub->add_flag("--compress", o->compress, "Compress tarball image layers when saving to a directory using the 'dir' transport. (default is same compression type as source)");
    sub->add_option("--format", o->format, "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)");
    sub->add_flag("-m,--multi-image-archive", o->multi_image, "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)");
    sub->add_option("-o,--output", o->output, "Write to a specified file (default: stdout, which must be redirected)");
    sub->add_flag("-q,--quiet", o->quiet, "Suppress the output");
    sub->add_flag("--uncompressed", o->uncompressed, "Accept uncompressed layers when copying OCI images");
    sub->add_option("images", o->images)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_save(ctx, *o)); });
}

}  // namespace skiff::cli
