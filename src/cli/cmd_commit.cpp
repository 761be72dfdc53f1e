// skiff commit [options] CONTAINER [IMAGE]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/engine/commit.hpp"

namespace skiff::cli {

namespace {

struct CommitArgs {
    engine::CommitOptions opts;
    bool pause = false, quiet = false;
    std::string iidfile;
    std::vector<std::string> args;
};

Result<void> run_commit(Context& ctx, CommitArgs& a) {
    TRY(check_arg_count("commit", a.args.size(), 1, 2));
    a.opts.container = a.args[0];
    if (a.args.size() > 1) a.opts.reference = a.args[1];
    a.opts.pause = a.pause;
    auto img = engine::commit(ctx.store, a.opts);
    if (!img.ok()) return img.take_error();
    if (!a.iidfile.empty()) TRY(fs::write_file_atomic(a.iidfile, "sha256:" + img->id));
    std::cout << img->id << "\n";
    return {};
}

}  // namespace

void add_commit(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("commit", "Create new image based on the changed container");
    set_usage(sub, "skiff commit [options] CONTAINER [IMAGE]");
    auto a = std::make_shared<CommitArgs>();
    sub->add_option("-a,--author", a->opts.author, "Set the author for the image committed");
    add_change_option(*sub, a->opts.changes);
    sub->add_option("-f,--format", a->opts.format, "Format of the image manifest and metadata (oci or docker)");
    sub->add_option("--iidfile", a->iidfile, "Write the image ID to the file");
    sub->add_flag("--include-volumes", a->opts.include_volumes,
                  "Include container volumes as image volumes");
    sub->add_option("-m,--message", a->opts.message, "Set commit message for imported image");
    sub->add_flag("-p,--pause", a->pause, "Pause container during commit");
    sub->add_flag("-q,--quiet", a->quiet, "Suppress output");
    sub->add_flag("-s,--squash", a->opts.squash, "squash newly built layers into a single new layer");
    sub->add_option("args", a->args, "CONTAINER and IMAGE")->group("");
    sub->callback([a, &ctx] { finish(ctx, run_commit(ctx, *a)); });
}

}  // namespace skiff::cli
