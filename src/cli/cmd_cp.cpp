// skiff cp [options] SRC DEST: files between a container and the host (or a tar stream).
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/copy.hpp"

namespace skiff::cli {

namespace {

struct CpCliOptions {
    engine::CopyOptions copy;
    bool pause = true;  // podman's deprecated --pause: accepted, and as in podman it changes nothing
    std::vector<std::string> args;
};

}  // namespace

void add_cp(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("cp", "Copy files/folders between a container and the local filesystem");
    set_usage(sub, "skiff cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH");
    auto o = std::make_shared<CpCliOptions>();
    sub->add_flag("-a,--archive", o->copy.archive,
                  "Chown copied files to the primary uid/gid of the destination container (default true)");
    sub->add_flag("--overwrite", o->copy.overwrite, "Allow to overwrite directories with non-directories and vice versa");
    sub->add_flag("--pause", o->pause, "Deprecated")->group("");
    sub->add_option("args", o->args)->group("");
    sub->callback([o, &ctx] {
        auto counted = check_arg_count("cp", o->args.size(), 2, 2);
        if (!counted) return finish(ctx, counted);
        finish(ctx, engine::copy(ctx.store, o->args[0], o->args[1], o->copy));
    });
}

}  // namespace skiff::cli
