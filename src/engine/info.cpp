#include "skiff/engine/info.hpp"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

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
    auto self_cgroup = fs::read_file("/proc/self/cgroup");
    runtime::CgroupHost cgroups = runtime::probe_cgroups_from(self_cgroup.ok() ? *self_cgroup : "");
    h.cgroup_version = runtime::cgroup_mode_name(cgroups.mode);
    h.cgroup_v2_mount = cgroups.cgroup2_mount;
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
