// validate(): everything that can be known wrong about a spec before a namespace exists.
#include <set>

#include "skiff/base/strings.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/user.hpp"

namespace skiff::runtime {

namespace {

constexpr size_t kMaxHostname = 64;  // HOST_NAME_MAX

bool absolute(std::string_view p) { return !p.empty() && p.front() == '/'; }

Result<void> check_absolute(std::string_view what, std::string_view p) {
    if (!absolute(p))
        return make_error(std::string(what) + " \"" + std::string(p) + "\" is not an absolute path");
    return {};
}

bool has_option_prefix(const std::vector<std::string>& options, std::string_view prefix) {
    for (const std::string& o : options)
        if (str::starts_with(o, prefix)) return true;
    return false;
}

// Entries of overlay's "lowerdir=a:b" (a backslash escapes a colon).
size_t lower_count(const std::vector<std::string>& options) {
    size_t n = 0;
    for (const std::string& o : options) {
        if (!str::starts_with(o, "lowerdir=")) continue;
        n = 1;
        for (size_t i = 9; i < o.size(); ++i) {
            if (o[i] == '\\')
                ++i;
            else if (o[i] == ':')
                ++n;
        }
    }
    return n;
}

Result<void> check_root(const Spec& spec) {
    TRY(check_absolute("rootfs", spec.rootfs));
    const Mount& r = spec.root;
    if (r.type == "overlay") {
        if (!has_option_prefix(r.options, "lowerdir="))
            return make_error("root overlay on " + spec.rootfs + " has no lowerdir");
        bool upper = has_option_prefix(r.options, "upperdir="), work = has_option_prefix(r.options, "workdir=");
        if (upper != work) return make_error("root overlay on " + spec.rootfs + " needs both upperdir and workdir");
        if (!upper && lower_count(r.options) < 2)
            return make_error("root overlay on " + spec.rootfs +
                              " has no upperdir and one lower directory: overlay needs two lower directories then");
    } else if (r.type == "bind") {
        TRY(check_absolute("root bind source", r.source));
    } else {
        return make_error("root mount type \"" + r.type + "\" is not supported (want overlay or bind)");
    }
    TRY_CTX(parse_mount_options(r.options, r.type == "bind"), "root mount");
    return {};
}

Result<void> check_mounts(const Spec& spec) {
    std::set<std::string> seen;
    for (const Mount& m : spec.mounts) {
        TRY(check_absolute("mount destination", m.destination));
        std::string dest = clean_path(m.destination);
        if (dest == "/") return make_error("mount destination / is the root: mount the root with Spec::root");
        if (!seen.insert(dest).second) return make_error(dest + ": duplicate mount destination");
        if (m.type.empty()) return make_error("mount on " + dest + " has no type");
        auto opts = parse_mount_options(m.options, m.type == "bind");
        if (!opts.ok()) return opts.take_error().context("mount on " + dest);
        if (opts->bind) TRY(check_absolute("bind source for " + dest, m.source));
        if (opts->copy_up && m.type != "tmpfs") return make_error("mount on " + dest + ": tmpcopyup can be used only with tmpfs");
    }
    return {};
}

Result<void> check_process(const Spec& spec) {
    if (spec.args.empty()) return make_error("no command to run: the process arguments are empty");
    if (spec.args.front().empty()) return make_error("the command to run is an empty string");
    TRY(check_absolute("working directory", spec.cwd));
    for (const std::string& e : spec.env) {
        size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0)
            return make_error("environment entry \"" + e + "\" is not KEY=VALUE");
    }
    TRY(check_user_spec(spec.user));
    return {};
}

Result<void> check_security(const Spec& spec) {
    for (const std::string& p : spec.masked_paths) TRY(check_absolute("masked path", p));
    for (const std::string& p : spec.readonly_paths) TRY(check_absolute("read-only path", p));
    for (const std::string& c : spec.capabilities)
        if (!str::starts_with(c, "CAP_")) return make_error("capability \"" + c + "\" is not a CAP_ name");
    if (spec.seccomp == SeccompMode::kProfile && spec.seccomp_profile.empty())
        return make_error("a seccomp profile was asked for without a profile path");
    return {};
}

Result<void> check_devices(const Spec& spec) {
    std::set<std::string> seen;
    for (const Device& d : spec.devices) {
        TRY(check_absolute("device path", d.path));
        std::string path = clean_path(d.path);
        if (path == "/") return make_error("device path / is the root");
        if (!seen.insert(path).second) return make_error(path + ": duplicate device path");
        if (d.type != 'c' && d.type != 'b') return make_error("device " + path + ": type must be c or b");
        TRY(check_absolute("host device for " + path, d.host_path));
    }
    for (const DeviceRule& r : spec.device_rules) {
        bool ok_type = r.type == 'a' || r.type == 'c' || r.type == 'b';
        if (!ok_type || !valid_device_access(r.access))
            return make_error("invalid device rule \"" + to_string(r) + "\"");
    }
    return {};
}

}  // namespace

Result<void> validate(const Spec& spec) {
    TRY(check_root(spec));
    TRY(check_process(spec));
    TRY(check_mounts(spec));
    TRY(check_security(spec));
    TRY(check_devices(spec));
    if (spec.hostname.size() > kMaxHostname)
        return make_error("hostname \"" + spec.hostname + "\" is longer than 64 characters");
    if (spec.hostname.find('\0') != std::string::npos) return make_error("hostname contains a NUL byte");
    if (!spec.cgroup_path.empty()) TRY(check_absolute("cgroup path", spec.cgroup_path));
    return {};
}

}  // namespace skiff::runtime
