// skiff unshare [COMMAND [ARG...]]: a command in the rootless user's own namespaces, as podman's.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <CLI/App.hpp>

#include "commands.hpp"

namespace skiff::cli {

void add_unshare(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("unshare", "Run a command in a modified user namespace");
    set_usage(sub, "skiff unshare [options] [COMMAND [ARG...]]");
    sub->prefix_command();  // cli::run() hands COMMAND and what follows over in ctx.trailing
    sub->callback([&ctx] {
        // By now the command has joined the user's namespaces, as every rootless command does.
        if (!ctx.rootless) return (void)(ctx.exit_code = fail(make_error("please use unshare with rootless")));
        std::vector<std::string> args = ctx.trailing;
        if (args.empty()) {
            const char* shell = std::getenv("SHELL");
            args.push_back(shell && *shell ? shell : "/bin/sh");
        }
        ::setenv("CONTAINERS_GRAPHROOT", ctx.store.root.c_str(), 1);
        ::setenv("CONTAINERS_RUNROOT", ctx.store.runroot.c_str(), 1);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        int err = errno;
        if (err == ENOENT)
            return (void)(ctx.exit_code = fail(make_error("exec: \"" + args[0] + "\": executable file not found in $PATH", 127)));
        ctx.exit_code = fail(make_error("exec: \"" + args[0] + "\": " + std::strerror(err), 126));
    });
}

}  // namespace skiff::cli
