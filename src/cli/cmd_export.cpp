// skiff export [-o FILE] CONTAINER: a container's root file system as a tar archive.
#include <unistd.h>

#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/copy.hpp"

namespace skiff::cli {

namespace {

struct ExportCliOptions {
    std::string output;
    std::vector<std::string> args;
};

Result<void> run_export(Context& ctx, const ExportCliOptions& o) {
    TRY(check_arg_count("export", o.args.size(), 1, 1));
    if (o.output.empty() && ::isatty(STDOUT_FILENO))
        return make_error("refusing to export to terminal. Use -o flag or redirect");
    return engine::export_container(ctx.store, o.args[0], o.output);
}

}  // namespace

void add_export(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("export", "Export container's filesystem contents as a tar archive");
    set_usage(sub, "skiff export [options] CONTAINER");
    auto o = std::make_shared<ExportCliOptions>();
    sub->add_option("-o,--output", o->output, "Write to a specified file (default: stdout, which must be redirected)");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_export(ctx, *o)); });
}

}  // namespace skiff::cli
