// skiff push [options] IMAGE [DESTINATION]
#include <cstdio>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "registry_flags.hpp"
#include "skiff/engine/push.hpp"

namespace skiff::cli {

namespace {

struct PushCliOptions {
    bool quiet = false, force_compression = false, remove_signatures = false;
    std::string compression_format, format, digestfile;
    int compression_level = -1;
    CLI::Option* level_option = nullptr;
    RegistryFlags registry;
    std::vector<std::string> args;
};

Result<void> run_push(Context& ctx, const PushCliOptions& o) {
    TRY(check_arg_count("push", o.args.size(), 1, 2));
    engine::PushOptions opts;
    if (!o.compression_format.empty()) opts.compression = TRY(storage::parse_compression(o.compression_format));
    if (o.level_option->count() > 0 && o.compression_level < 0)
        return make_error("--compression-level must not be negative, not " + std::to_string(o.compression_level));
    opts.compression_level = o.compression_level;
    opts.force_compression = o.force_compression;
    opts.format = o.format;
    opts.digestfile = o.digestfile;
    auto access = TRY(registry_access(o.registry));
    PushDisplay display(stderr, o.quiet);
    TRY(engine::push(ctx.store, o.args[0], o.args.size() > 1 ? o.args[1] : "", opts, access, display));
    return {};
}

}  // namespace

void add_push(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("push", "Push an image to a specified destination");
    set_usage(sub, "skiff push [options] IMAGE [DESTINATION]");
    auto o = std::make_shared<PushCliOptions>();
    add_registry_flags(sub, o->registry);
    sub->add_option("--compression-format", o->compression_format,
                    "compression format to use for new layers (gzip, zstd or none; default gzip)");
    o->level_option = sub->add_option("--compression-level", o->compression_level, "compression level to use");
    sub->add_option("--digestfile", o->digestfile, "Write the digest of the pushed image to the specified file");
    sub->add_flag("--force-compression", o->force_compression,
                  "Use the specified compression algorithm even if the destination contains a differently-compressed variant already");
    sub->add_option("-f,--format", o->format, "Manifest type (oci or v2s2) to use in the destination (default is manifest type of source, with fallbacks)");
    sub->add_flag("-q,--quiet", o->quiet, "Suppress output information when pushing images");
    sub->add_flag("--remove-signatures", o->remove_signatures, "Discard any pre-existing signatures in the image (skiff stores none)");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_push(ctx, *o)); });
}

}  // namespace skiff::cli
