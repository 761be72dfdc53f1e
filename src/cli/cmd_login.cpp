// skiff login [options] REGISTRY
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/login.hpp"

namespace skiff::cli {

namespace {

struct LoginFlags {
    std::string username, password, authfile, cert_dir, tls_verify;
    bool password_stdin = false, get_login = false, verbose = false;
    std::vector<std::string> args;
};

// A line from the terminal, echo off when `secret`; podman prompts the same way.
Result<std::string> prompt(const char* label, bool secret) {
    if (!isatty(STDIN_FILENO)) return make_error(std::string("reading ") + label + ": stdin is not a terminal");
    std::cerr << label << ": " << std::flush;
    termios saved{};
    bool restore = false;
    if (secret && tcgetattr(STDIN_FILENO, &saved) == 0) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        restore = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    std::string line;
    std::getline(std::cin, line);
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << "\n";
    }
    return line;
}

Result<void> run_login(LoginFlags& f) {
    if (f.args.size() > 1) return make_error("login accepts only one registry to login to");
    std::string registry = f.args.empty() ? "" : f.args[0];
    if (f.get_login) {
        if (registry.empty()) return make_error("please provide a registry to find the login for");
        std::string user = TRY(engine::get_login(registry, f.authfile));
        std::cout << user << "\n";
        return {};
    }
    if (registry.empty()) return make_error("please provide a registry to login to");
    if (f.password_stdin && !f.password.empty())
        return make_error("--password and --password-stdin are mutually exclusive");
    engine::LoginOptions o;
    o.registry = registry;
    o.authfile = f.authfile;
    o.cert_dir = f.cert_dir;
    if (!f.tls_verify.empty()) {
        if (f.tls_verify != "true" && f.tls_verify != "false")
            return make_error("invalid argument \"" + f.tls_verify + "\" for \"--tls-verify\" flag: invalid syntax");
        o.tls_verify = f.tls_verify == "true";
    }
    if (f.password_stdin) {
        if (f.username.empty()) return make_error("must provide --username with --password-stdin");
        std::string all, line;
        while (std::getline(std::cin, line)) all += (all.empty() ? "" : "\n") + line;
        while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
        f.password = all;
    }
    o.username = f.username.empty() ? TRY(prompt("Username", false)) : f.username;
    o.password = f.password.empty() ? TRY(prompt("Password", true)) : f.password;
    std::string file = TRY(engine::login(o));
    if (f.verbose) std::cout << "Used:  " << file << "\n";  // podman's two spaces
    std::cout << "Login Succeeded!\n";
    return {};
}

}  // namespace

void add_login(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("login", "Log in to a container registry");
    set_usage(sub, "skiff login [options] [REGISTRY]");
    auto f = std::make_shared<LoginFlags>();
    sub->add_option("-u,--username", f->username, "Username for registry");
    sub->add_option("-p,--password", f->password, "Password for registry");
    sub->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
    sub->add_option("--authfile", f->authfile, "path of the authentication file");
    sub->add_option("--cert-dir", f->cert_dir, "use certificates at the specified path to access the registry");
    sub->add_option("--tls-verify", f->tls_verify, "require HTTPS and verify certificates when contacting registries (true|false)");
    sub->add_flag("--get-login", f->get_login, "Return the current login user for the registry");
    sub->add_flag("-v,--verbose", f->verbose, "Write more detailed information to stdout");
    sub->add_option("registry", f->args, "Registry");
    sub->callback([f, &ctx] { finish(ctx, run_login(*f)); });
}

}  // namespace skiff::cli
