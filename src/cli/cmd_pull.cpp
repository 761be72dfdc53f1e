// skiff pull [options] IMAGE
#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/reference.hpp"

namespace skiff::cli {

namespace {

struct PullCliOptions {
    bool quiet = false;
    std::string platform, arch, os, variant;
    int jobs = engine::kDefaultPullJobs;
    std::string image;
};

struct SourceChoice {
    std::unique_ptr<engine::ImageSource> source;
    std::string tag_or_digest;
    std::string display;             // what "Trying to pull" names
    std::vector<std::string> names;  // what the image is called once stored
};

// oci:DIR[:REF] — an OCI layout directory, named localhost/DIR[:REF] as podman names it.
Result<SourceChoice> oci_layout_source(std::string_view spec) {
    std::string dir(spec), ref;
    if (auto colon = dir.find(':'); colon != std::string::npos) {
        ref = dir.substr(colon + 1);
        dir.resize(colon);
    }
    if (dir.empty()) return make_error("invalid reference oci:" + std::string(spec) + ": no directory");
    SourceChoice c;
    c.source = TRY(engine::open_oci_layout(dir));
    c.tag_or_digest = ref;
    c.display = "oci:" + std::string(spec);
    std::string base = dir;
    while (!base.empty() && base.front() == '/') base.erase(0, 1);
    while (!base.empty() && base.back() == '/') base.pop_back();
    bool digest_ref = ref.rfind("sha256:", 0) == 0;
    auto name = oci::normalize_local_name(base + (ref.empty() || digest_ref ? "" : ":" + ref));
    if (name.ok() && name->rfind("localhost/", 0) == 0) c.names.push_back(name.take());
    return c;
}

Result<SourceChoice> choose_source(const std::string& image) {
    constexpr std::string_view kOci = "oci:";
    if (image.rfind(kOci, 0) == 0) return oci_layout_source(std::string_view(image).substr(kOci.size()));
    auto ref = TRY(oci::normalize_reference(image));
    return make_error("pull " + ref.str() + ": no registry client in this build yet; use oci:DIR[:REF]");
}

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
    auto src = TRY(choose_source(o.image));
    opts.names = src.names;
    PullDisplay display(stderr, progress_mode_for(stderr, o.quiet));
    display.resolved(src.display);
    auto pulled = TRY(engine::pull_image(ctx.store, *src.source, src.tag_or_digest, opts, display));
    std::cout << pulled.id << "\n";
    return {};
}

}  // namespace

void add_pull(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("pull", "Pull an image from a registry");
    set_usage(sub, "skiff pull [options] IMAGE");
    auto o = std::make_shared<PullCliOptions>();
    sub->add_option("--arch", o->arch, "use ARCH instead of the architecture of the machine for choosing images");
    sub->add_option("--jobs", o->jobs, "number of layers fetched at once (default 6)");
    sub->add_option("--os", o->os, "use OS instead of the running OS for choosing images");
    sub->add_option("--platform", o->platform, "Specify the platform for selecting the image.  (Conflicts with arch and os)");
    sub->add_flag("-q,--quiet", o->quiet, "Suppress output information when pulling images");
    sub->add_option("--variant", o->variant, "Use VARIANT instead of the running architecture variant for choosing images");
    sub->add_option("image", o->image, "Image to pull")->required();
    sub->callback([o, &ctx] { finish(ctx, run_pull(ctx, *o)); });
}

}  // namespace skiff::cli
