// skiff attach [options] CONTAINER
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/attach.hpp"

namespace skiff::cli {

void add_attach(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("attach", "Attach to a running container");
    set_usage(sub, "skiff attach [options] CONTAINER");
    auto o = std::make_shared<engine::AttachOptions>();
    auto no_stdin = std::make_shared<bool>(false);
    auto name = std::make_shared<std::string>();
    sub->add_option("--detach-keys", o->detach_keys,
                    "Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> "
                    "where <value> is one of: a-z, @, ^, [, , or _");
    sub->add_flag("--no-stdin", *no_stdin, "Do not attach STDIN. The default is false");
    sub->add_flag("--sig-proxy", o->sig_proxy, "Proxy received signals to the process (default true)");
    // In a group of its own only so that a missing name is reported by name.
    sub->add_option("container", *name, "The container to attach to")->group("Arguments")->required();
    sub->callback([o, no_stdin, name, &ctx] {
        o->stdin = !*no_stdin;
        auto code = engine::attach(ctx.store, *name, *o);
        ctx.exit_code = code.ok() ? *code : fail(code.error());
    });
}

}  // namespace skiff::cli
