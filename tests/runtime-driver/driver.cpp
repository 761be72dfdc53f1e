// A privileged test driver for the runtime: fills a Spec from its flags, starting from
// default_spec(), and runs it in the foreground. Not installed; the integration tests use it to
// exercise the runtime without the engine.
//
//   runtime-driver --rootfs DIR (--bind SRC | --overlay LOWER[:LOWER…] [--upper U --work W])
//                  [-t] [-i] [--hostname H] [--user U] [-w DIR] [-e K=V]… [--network host]
//                  [--read-only] [--privileged] [--no-new-privileges] [--cgroup PATH]
//                  [--device-cgroup-rule "TYPE MAJOR:MINOR ACCESS"]…
//                  [--seccomp default|unconfined|PROFILE.json] [--cache-dir DIR]
//                  [--cap-add CAP]… [--cap-drop CAP]…
//                  [--mount TYPE,SOURCE,DEST[,OPTION…]]… -- COMMAND [ARG…]
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "skiff/base/strings.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/spec.hpp"

using namespace skiff;

int main(int argc, char** argv) {
    CLI::App app{"skiff runtime test driver"};
    runtime::Spec spec = runtime::default_spec();
    std::string bind, overlay, upper, work, network, cgroup;
    std::vector<std::string> mounts, cap_add, cap_drop, device_rules;
    std::string seccomp = "default";
    app.add_option("--rootfs", spec.rootfs)->required();
    app.add_option("--bind", bind);
    app.add_option("--overlay", overlay);
    app.add_option("--upper", upper);
    app.add_option("--work", work);
    app.add_flag("-t,--tty", spec.terminal);
    app.add_flag("-i,--interactive", spec.interactive);
    app.add_option("--hostname", spec.hostname);
    app.add_option("-u,--user", spec.user);
    app.add_option("-w,--workdir", spec.cwd);
    app.add_option("-e,--env", spec.env)->allow_extra_args(false);
    app.add_option("--network", network);
    app.add_flag("--read-only", spec.readonly_rootfs);
    app.add_flag("--privileged", spec.privileged);
    app.add_flag("--no-new-privileges", spec.no_new_privileges);
    app.add_option("--cgroup", spec.cgroup_path);
    app.add_option("--device-cgroup-rule", device_rules)->allow_extra_args(false);
    app.add_option("--mount", mounts)->allow_extra_args(false);
    app.add_option("--seccomp", seccomp);
    app.add_option("--cache-dir", spec.cache_dir);
    app.add_option("--cap-add", cap_add)->allow_extra_args(false);
    app.add_option("--cap-drop", cap_drop)->allow_extra_args(false);
    app.add_option("command", spec.args)->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!bind.empty()) {
        spec.root = {"/", "bind", bind, {"rbind"}};
    } else {
        spec.root = {"/", "overlay", "overlay", {"lowerdir=" + overlay}};
        if (!upper.empty()) spec.root.options.insert(spec.root.options.end(), {"upperdir=" + upper, "workdir=" + work});
    }
    if (network == "host") spec.namespaces.net.kind = runtime::Namespace::Kind::kHost;
    if (seccomp == "unconfined") {
        spec.seccomp = runtime::SeccompMode::kUnconfined;
    } else if (seccomp != "default") {
        spec.seccomp = runtime::SeccompMode::kProfile;
        spec.seccomp_profile = seccomp;
    }
    auto caps = runtime::caps::resolve(spec.capabilities, cap_add, cap_drop);
    if (!caps.ok()) {
        std::fputs(("Error: " + caps.error().message + "\n").c_str(), stderr);
        return caps.error().exit_code;
    }
    spec.capabilities = caps.take();
    // As the engine: --privileged allows every device, a rule adds to the defaults.
    if (spec.privileged) spec.device_rules = runtime::allow_all_device_rules();
    for (const std::string& text : device_rules) {
        auto rule = runtime::parse_device_rule(text);
        if (!rule.ok()) {
            std::fputs(("Error: " + rule.error().message + "\n").c_str(), stderr);
            return 125;
        }
        spec.device_rules.push_back(rule.take());
    }
    for (const std::string& m : mounts) {
        auto parts = str::split(m, ',');
        if (parts.size() < 3) {
            std::fputs("Error: --mount wants TYPE,SOURCE,DEST[,OPTION…]\n", stderr);
            return 125;
        }
        spec.mounts.push_back({parts[2], parts[0], parts[1], {parts.begin() + 3, parts.end()}});
    }
    if (spec.env.empty()) spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    auto r = runtime::run_foreground(spec);
    if (!r.ok()) {
        std::fflush(stdout);
        std::fputs(("Error: " + r.error().message + "\n").c_str(), stderr);
        return r.error().exit_code;
    }
    return *r;
}
