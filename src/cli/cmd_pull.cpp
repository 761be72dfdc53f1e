// skiff pull [options] IMAGE
#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "registry_flags.hpp"
#include "skiff/engine/pull.hpp"

namespace skiff::cli {

namespace {

struct PullCliOptions {
    bool quiet = false;
    std::string platform, arch, os, variant;
    int jobs = engine::kDefaultPullJobs;
    RegistryFlags registry;
    std::string image;
};

Result<engine::PlatformChoice> platform_of(const PullCliOptions& o) {
    engine::PlatformChoice p;
    if (!o.platform.empty()) p = TRY(engine::parse_platform(o.platform));
    if (!o.os.empty()) p.os = o.os;
    if (!o.arch.empty()) p.architecture = o.arch;
    if (!o.variant.empty()) p.variant = o.variant;
    return p;
}

Result<void> run_pull(Context& ctx, const PullCliOptions& o) {
    if (!o.platform.empty() && (!o.os.empty() || !o.arch.empty()))
        return make_error("--platform option can not be specified with --arch or --os");
    if (o.jobs < 1) return make_error("--jobs must be at least 1, not " + std::to_string(o.jobs));
    engine::PullOptions opts;
    opts.platform = TRY(platform_of(o));
    opts.jobs = o.jobs;
    auto access = TRY(registry_access(o.registry));
    PullDisplay display(stderr, progress_mode_for(stderr, o.quiet));
    auto pulled = TRY(engine::pull(ctx.store, o.image, opts, access, display));
    std::cout << pulled.id << "\n";
    return {};
}

}  // namespace

void add_pull(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("pull", "Pull an image from a registry");
    set_usage(sub, "skiff pull [options] IMAGE");
    auto o = std::make_shared<PullCliOptions>();
    sub->add_option("--arch", o->arch, "use ARCH instead of the architecture of the machine for choosing images");
    add_registry_flags(sub, o->registry);
    sub->add_option("--jobs", o->jobs, "number of layers fetched at once (default 6)");
    sub->add_option("--os", o->os, "use OS instead of the running OS for choosing images");
    sub->add_option("--platform", o->platform, "Specify the platform for selecting the image.  (Conflicts with arch and os)");
    sub->add_flag("-q,--quiet", o->quiet, "Suppress output information when pulling images");
    sub->add_option("--variant", o->variant, "Use VARIANT instead of the running architecture variant for choosing images");
    sub->add_option("image", o->image, "Image to pull")->required();
    sub->callback([o, &ctx] { finish(ctx, run_pull(ctx, *o)); });
}

}  // namespace skiff::cli
