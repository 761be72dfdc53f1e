#include "skiff/engine/info.hpp"

#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/magic.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

const char* cgroup_mode_name(CgroupMode m) {
    switch (m) {
        case CgroupMode::kV2: return "v2";
        case CgroupMode::kHybrid: return "hybrid";
        case CgroupMode::kV1: return "v1";
        case CgroupMode::kNone: break;
    }
    return "none";
}

static bool is_fs(const std::string& path, long magic) {
    struct statfs st;
    return ::statfs(path.c_str(), &st) == 0 && st.f_type == magic;
}

CgroupMode detect_cgroup_mode(const std::string& root) {
    if (is_fs(root, CGROUP2_SUPER_MAGIC)) return CgroupMode::kV2;
    if (!is_fs(root, TMPFS_MAGIC)) return CgroupMode::kNone;
    if (is_fs(root + "/unified", CGROUP2_SUPER_MAGIC)) return CgroupMode::kHybrid;
    return CgroupMode::kV1;
}

static std::string os_release_name() {
    auto text = fs::read_file("/etc/os-release");
    if (!text.ok()) return "";
    for (auto& line : str::split(*text, '\n')) {
        if (str::starts_with(line, "PRETTY_NAME=")) {
            std::string v = line.substr(12);
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            return v;
        }
    }
    return "";
}

Result<HostInfo> host_info(const storage::StoreConfig& store, const std::string& version) {
    HostInfo h;
    h.version = version;
    struct utsname u;
    if (::uname(&u) == 0) {
        h.hostname = u.nodename;
        h.kernel = u.release;
        h.os = "linux";
        std::string m = u.machine;
        h.arch = m == "x86_64" ? "amd64" : m == "aarch64" ? "arm64" : m;
    }
    h.distribution = os_release_name();
    h.cgroup_mode = detect_cgroup_mode();
    if (h.cgroup_mode == CgroupMode::kV2) h.cgroup_v2_mount = "/sys/fs/cgroup";
    if (h.cgroup_mode == CgroupMode::kHybrid) h.cgroup_v2_mount = "/sys/fs/cgroup/unified";
    h.rootless = ::geteuid() != 0;
    h.cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    struct sysinfo si;
    if (::sysinfo(&si) == 0) {
        h.mem_total = static_cast<uint64_t>(si.totalram) * si.mem_unit;
        h.mem_free = static_cast<uint64_t>(si.freeram) * si.mem_unit;
        h.uptime_seconds = static_cast<uint64_t>(si.uptime);
    }
    h.graph_root = store.root;
    h.run_root = store.runroot;
    h.graph_driver = storage::driver_name(store.driver);
    auto images = storage::list_images(store);
    if (images.ok()) h.images = images->size();
    auto containers = storage::list_containers(store);
    if (containers.ok()) {
        h.containers = containers->size();
        for (auto& c : *containers) {
            if (c.state == storage::ContainerState::kRunning)
                ++h.containers_running;
            else
                ++h.containers_stopped;
        }
    }
    return h;
}

}  // namespace skiff::engine
