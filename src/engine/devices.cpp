// --device and --device-cgroup-rule: podman's syntax, and the host's nodes found for a --device.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <climits>
#include <optional>
#include <cstdlib>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/engine/spec.hpp"

namespace skiff::engine {

namespace {

constexpr int kMaxDepth = 8;  // how deep a --device directory is searched for nodes

// `path`'s node, if it is one, as the container gets it at `dest`.
std::optional<runtime::Device> node_of(const std::string& path, const struct stat& st, const std::string& dest) {
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) return std::nullopt;
    runtime::Device d;
    d.path = dest;
    d.host_path = path;
    d.type = S_ISBLK(st.st_mode) ? 'b' : 'c';
    d.major = ::major(st.st_rdev);
    d.minor = ::minor(st.st_rdev);
    d.mode = st.st_mode & 07777;
    d.uid = st.st_uid;
    d.gid = st.st_gid;
    return d;
}

// Every node beneath `dir` (links not followed), at the same place beneath `dest`.
void nodes_beneath(const std::string& dir, const std::string& dest, int depth, std::vector<runtime::Device>& out) {
    if (depth > kMaxDepth) return;
    auto names = fs::list_dir(dir);
    if (!names.ok()) return;
    for (const std::string& n : *names) {
        std::string path = fs::join(dir, n);
        struct stat st;
        if (::lstat(path.c_str(), &st) < 0) continue;
        if (S_ISDIR(st.st_mode))
            nodes_beneath(path, fs::join(dest, n), depth + 1, out);
        else if (auto d = node_of(path, st, fs::join(dest, n)))
            out.push_back(*d);
    }
}

}  // namespace

Result<DeviceOption> parse_device_option(std::string_view text) {
    std::string s(text);
    std::vector<std::string> parts = str::split(s, ':');
    DeviceOption d;
    d.access = "rwm";
    auto bad_mode = [&](const std::string& m) { return make_error("invalid device mode: " + m); };
    switch (parts.size()) {
        case 3:
            if (!runtime::valid_device_access(parts[2])) return bad_mode(parts[2]);
            d.access = parts[2];
            [[fallthrough]];
        case 2:
            if (runtime::valid_device_access(parts[1])) {
                d.access = parts[1];
            } else {
                if (parts[1].empty() || parts[1][0] != '/') return bad_mode(parts[1]);
                d.container_path = parts[1];
            }
            [[fallthrough]];
        case 1: d.host_path = parts[0]; break;
        default: return make_error("invalid device specification: " + s);
    }
    if (d.host_path.empty() || d.host_path[0] != '/')
        return make_error("invalid device specification: " + s + ": the host device must be an absolute path");
    if (d.container_path.empty()) d.container_path = d.host_path;
    d.container_path = runtime::clean_path(d.container_path);
    return d;
}

Result<std::vector<HostDevice>> find_devices(const std::vector<DeviceOption>& options) {
    std::vector<HostDevice> out;
    for (const DeviceOption& opt : options) {
        const std::string& o = opt.host_path;
        char resolved[PATH_MAX];
        if (!::realpath(opt.host_path.c_str(), resolved)) return sys_error("stat " + opt.host_path);
        struct stat st;
        if (::stat(resolved, &st) < 0) return sys_error("stat " + opt.host_path);
        std::vector<runtime::Device> found;
        if (S_ISDIR(st.st_mode)) {
            nodes_beneath(resolved, opt.container_path, 0, found);
            if (found.empty()) return make_error("no devices found in " + opt.host_path);
        } else if (auto d = node_of(resolved, st, opt.container_path)) {
            found.push_back(*d);
        } else {
            return make_error("--device " + o + ": " + opt.host_path + " is not a device node or a directory");
        }
        for (runtime::Device& d : found) out.push_back(HostDevice{std::move(d), opt.access});
    }
    return out;
}

Result<void> device_rules_of(const ContainerConfig& opts, const std::vector<HostDevice>& devices, runtime::Spec& spec) {
    std::vector<runtime::DeviceRule> added;
    for (const HostDevice& d : devices) {
        spec.devices.push_back(d.device);
        added.push_back(runtime::rule_for(d.device, d.access));
    }
    for (const std::string& r : opts.device_cgroup_rules) added.push_back(TRY(runtime::parse_device_rule(r)));
    if (opts.privileged)
        spec.device_rules = runtime::allow_all_device_rules();
    else
        spec.device_rules.insert(spec.device_rules.end(), added.begin(), added.end());
    return {};
}

}  // namespace skiff::engine
