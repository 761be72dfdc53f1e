// skiff exec [options] CONTAINER COMMAND [ARG...]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/exec.hpp"
#include "skiff/engine/sealed_binary.hpp"

namespace skiff::cli {

void add_exec(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("exec", "Run a process in a running container");
    set_usage(sub, "skiff exec [options] CONTAINER COMMAND [ARG...]");
    auto o = std::make_shared<engine::ExecOptions>();
    auto detach_keys = std::make_shared<std::string>();
    sub->prefix_command();  // cli::run() hands CONTAINER and what follows over in ctx.trailing
    sub->add_flag("-d,--detach", o->detach, "Run the exec session in detached mode (backgrounded)");
    sub->add_option("--detach-keys", *detach_keys, "Select the key sequence for detaching a container (accepted, not used)");
    sub->add_option("-e,--env", o->env, "Set environment variables")->allow_extra_args(false);
    sub->add_option("--env-file", o->env_files, "Read in a file of environment variables")->allow_extra_args(false);
    sub->add_flag("-i,--interactive", o->interactive, "Make STDIN available to the contained process");
    sub->add_flag("--privileged", o->privileged, "Give the process extended Linux capabilities");
    sub->add_flag("-t,--tty", o->tty, "Allocate a pseudo-TTY");
    sub->add_option("-u,--user", o->user, "Sets the username or UID used and optionally the groupname or GID for the specified command");
    sub->add_option("-w,--workdir", o->workdir, "Working directory inside the container");
    sub->callback([o, detach_keys, &ctx] {  // holds detach_keys alive: the option writes to it
        const auto& rest = ctx.trailing;
        if (rest.size() < 2) {
            ctx.exit_code = fail(make_error(rest.empty() ? "exec requires the name or ID of a container"
                                                         : "must provide a non-empty command to start an exec session"));
            return;
        }
        // CVE-2019-5736: from here on skiff runs from a sealed copy of its binary.
        auto cloned = engine::ensure_sealed_binary(ctx.store);
        if (!cloned) return (void)(ctx.exit_code = fail(cloned.error()));
        o->container = rest.front();
        o->command.assign(rest.begin() + 1, rest.end());
        std::string session;
        auto status = engine::exec(ctx.store, *o, &session);
        if (status.ok() && o->detach) std::cout << session << std::endl;  // as podman: the exec session's id
        ctx.exit_code = status.ok() ? *status : fail(status.error());
    });
}

}  // namespace skiff::cli
