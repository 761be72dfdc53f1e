// probe_cgroups() and describe(): the host's cgroup layout, and the file helpers the cgroup code
// shares.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>

#include "cgroup_files.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/runtime/cgroups.hpp"

namespace skiff::runtime {

namespace cgfile {

Result<void> write(const std::string& dir, std::string_view name, std::string_view value) {
    std::string path = fs::join(dir, name);
    std::string what = "write " + std::string(value) + " to " + path;
    auto fd = sys::open(path, O_WRONLY | O_TRUNC);
    if (!fd.ok()) return sys_error(what, fd.error().code);
    auto w = sys::write_all(fd->get(), value);
    if (!w.ok()) return sys_error(what, w.error().code);
    return {};
}

Result<std::string> read(const std::string& dir, std::string_view name) {
    std::string text = TRY(fs::read_file(fs::join(dir, name)));
    return std::string(str::trim(text));
}

bool exists(const std::string& dir, std::string_view name) { return sys::exists(fs::join(dir, name)); }

std::vector<std::string> words(const std::string& dir, std::string_view name) {
    std::vector<std::string> out;
    auto text = read(dir, name);
    if (!text.ok()) return out;
    for (std::string& w : str::split(*text, ' '))
        if (!w.empty()) out.push_back(std::move(w));
    return out;
}

std::optional<uint64_t> to_u64(std::string_view text) {
    text = str::trim(text);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> keyed(std::string_view text, std::string_view key) {
    for (const std::string& line : str::split(text, '\n')) {
        std::string_view l = line;
        if (l.size() > key.size() && l.substr(0, key.size()) == key && l[key.size()] == ' ')
            return to_u64(l.substr(key.size() + 1));
    }
    return std::nullopt;
}

std::string v1_dir(const CgroupPaths& paths, std::string_view controller) {
    for (const auto& [hierarchy, dir] : paths.v1) {
        auto names = str::split(hierarchy, ',');
        if (std::find(names.begin(), names.end(), controller) != names.end()) return dir;
    }
    return {};
}

}  // namespace cgfile

namespace {

bool is_dir(const std::string& path) {
    auto st = sys::stat(path);
    return st.ok() && S_ISDIR(st->st_mode);
}

// "/" + "/a/b" → "/sys/fs/cgroup/memory/a/b" without a doubled or trailing slash.
std::string under(const std::string& mount, const std::string& path) {
    return path == "/" ? mount : fs::join(mount, path);
}

// Where a v1 hierarchy is mounted: sys_root/"cpu,cpuacct", else sys_root/"cpu" or /"cpuacct".
std::string v1_mount(const std::string& sys_root, const std::string& hierarchy,
                     const std::vector<std::string>& controllers) {
    std::vector<std::string> names{hierarchy};
    names.insert(names.end(), controllers.begin(), controllers.end());
    for (const std::string& name : names) {
        std::string dir = fs::join(sys_root, name);
        if (cgfile::exists(dir, "cgroup.procs") && !cgfile::exists(dir, "cgroup.controllers")) return dir;
    }
    return {};
}

}  // namespace

Result<CgroupHost> probe_cgroups(const std::string& sys_root, const std::string& proc_self_cgroup) {
    std::string text = TRY_CTX(fs::read_file(proc_self_cgroup), "read this process's cgroups");
    return probe_cgroups_from(text, sys_root);
}

CgroupHost probe_cgroups_from(std::string_view self_cgroup, const std::string& sys_root) {
    CgroupHost host;
    if (cgfile::exists(sys_root, "cgroup.controllers")) {
        host.mode = CgroupMode::kUnified;
        host.cgroup2_mount = sys_root;
    } else if (std::string unified = fs::join(sys_root, "unified"); cgfile::exists(unified, "cgroup.controllers")) {
        host.mode = CgroupMode::kHybrid;
        host.cgroup2_mount = unified;
    }
    bool v1_mounted = false;
    for (const std::string& line : str::split(self_cgroup, '\n')) {
        // "hierarchy-id:controller,list:/path"
        size_t a = line.find(':');
        size_t b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string list = line.substr(a + 1, b - a - 1);
        if (!list.empty()) host.v1_hierarchies.push_back(list);
        std::string path = line.substr(b + 1);
        if (path.empty() || path[0] != '/') continue;
        if (list.empty()) {
            if (!host.cgroup2_mount.empty() && is_dir(under(host.cgroup2_mount, path))) {
                host.unified = host.cgroup2_mount;
                host.unified_own = path;
            }
            continue;
        }
        if (host.mode == CgroupMode::kUnified || str::starts_with(list, "name=")) continue;
        CgroupHost::V1 h{list, str::split(list, ','), {}, path};
        h.mount = v1_mount(sys_root, list, h.controllers);
        v1_mounted = v1_mounted || !h.mount.empty();
        if (!h.mount.empty() && is_dir(under(h.mount, path))) host.v1.push_back(std::move(h));
    }
    if (host.mode == CgroupMode::kNone && v1_mounted) host.mode = CgroupMode::kLegacy;
    return host;
}

const char* cgroup_mode_name(CgroupMode m) {
    switch (m) {
        case CgroupMode::kUnified: return "v2";
        case CgroupMode::kHybrid: return "hybrid";
        case CgroupMode::kLegacy: return "v1";
        case CgroupMode::kNone: break;
    }
    return "none";
}

std::string describe(const CgroupHost& host) {
    std::string v1;
    for (const CgroupHost::V1& h : host.v1) v1 += (v1.empty() ? "" : " ") + h.hierarchy;
    std::string v2;
    if (!host.unified.empty()) {
        std::string own = under(host.unified, host.unified_own);
        std::string ctrls = str::join(cgfile::words(own, "cgroup.controllers"), " ");
        v2 = "cgroup2 at " + host.unified + ", own cgroup " + host.unified_own +
             " (controllers: " + (ctrls.empty() ? "none" : ctrls) + ")";
    }
    if (host.unified.empty() && v1.empty()) return "no cgroups";
    if (v1.empty()) return "v2: " + v2;
    if (v2.empty()) return "v1: controllers " + v1;
    return "v1 (hybrid): controllers " + v1 + "; " + v2;
}

uint64_t cpu_shares_to_weight(uint64_t shares) {
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + ((weight - 10) * 9999) / 990;
}

}  // namespace skiff::runtime
