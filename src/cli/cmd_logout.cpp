// skiff logout [options] [REGISTRY]
#include <iostream>
#include <memory>
#include <string>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/login.hpp"

namespace skiff::cli {

namespace {

struct LogoutFlags {
    std::string authfile;
    bool all = false;
    std::vector<std::string> args;
};

Result<void> run_logout(const LogoutFlags& f) {
    if (f.args.size() > 1) return make_error("logout accepts only one registry to logout from");
    if (f.all && !f.args.empty()) return make_error("--all takes no registry");
    if (!f.all && f.args.empty()) return make_error("please provide a registry to logout from");
    TRY(engine::logout(f.all ? "" : f.args[0], f.all, f.authfile));
    if (f.all) std::cout << "Removed login credentials for all registries\n";
    else std::cout << "Removed login credentials for " << engine::login_key(f.args[0]) << "\n";
    return {};
}

}  // namespace

void add_logout(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("logout", "Log out of a container registry");
    set_usage(sub, "skiff logout [options] [REGISTRY]");
    auto f = std::make_shared<LogoutFlags>();
    sub->add_option("--authfile", f->authfile, "path of the authentication file");
    sub->add_flag("-a,--all", f->all, "Remove the cached credentials for all registries in the auth file");
    sub->add_option("registry", f->args, "Registry");
    sub->callback([f, &ctx] { finish(ctx, run_logout(*f)); });
}

}  // namespace skiff::cli
