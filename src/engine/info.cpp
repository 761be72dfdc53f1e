#include "skiff/engine/info.hpp"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/volumes.hpp"

namespace skiff::engine {

// KEY=VALUE lines of /etc/os-release, the value unquoted.
static std::map<std::string, std::string> os_release() {
    std::map<std::string, std::string> out;
    auto text = fs::read_file("/etc/os-release");
    if (!text.ok()) return out;
    for (auto& line : str::split(*text, '\n')) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string v = line.substr(eq + 1);
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        out[line.substr(0, eq)] = v;
    }
    return out;
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
    auto release = os_release();
    h.distribution = release["PRETTY_NAME"];
    h.distribution_id = release["ID"];
    h.distribution_version = release["VERSION_ID"];
    h.distribution_codename = release["VERSION_CODENAME"];
    log::trace("/etc/os-release: distribution {} {} ({})", h.distribution_id, h.distribution_version, h.distribution_codename);
    // The monitor (podman's conmon) is this binary; the runtime is the one --runtime chose.
    std::error_code ec;
    h.monitor_path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    auto rt = TRY(resolve_runtime(chosen_runtime()));
    h.runtime_name = rt.name;
    h.runtime_path = rt.path;
    h.runtime_version = rt.version;
    h.log_driver = LogConfig{}.driver;
    auto self_cgroup = fs::read_file("/proc/self/cgroup");
    runtime::CgroupHost cgroups = runtime::probe_cgroups_from(self_cgroup.ok() ? *self_cgroup : "");
    // podman's two values: v2 only when the unified hierarchy is the whole of it; a hybrid host,
    // whose limits live in its v1 controllers, is v1 (cgroupV2Mount says where its cgroup2 is).
    h.cgroup_version = cgroups.mode == runtime::CgroupMode::kHybrid ? "v1" : runtime::cgroup_mode_name(cgroups.mode);
    h.cgroup_v2_mount = cgroups.cgroup2_mount;
    log::trace("/proc/self/cgroup: cgroup mode {}", runtime::cgroup_mode_name(cgroups.mode));
    h.rootless = rootless_process();
    h.cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    struct sysinfo si;
    if (::sysinfo(&si) == 0) {
        h.mem_total = static_cast<uint64_t>(si.totalram) * si.mem_unit;
        h.mem_free = static_cast<uint64_t>(si.freeram) * si.mem_unit;
        h.swap_total = static_cast<uint64_t>(si.totalswap) * si.mem_unit;
        h.swap_free = static_cast<uint64_t>(si.freeswap) * si.mem_unit;
        h.uptime_seconds = static_cast<uint64_t>(si.uptime);
    }
    h.graph_root = store.root;
    h.run_root = store.runroot;
    h.graph_driver = storage::driver_name(store.driver);
    h.volume_path = storage::volumes_dir(store);
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
    log::debug("Store {}: {} images, {} containers", store.root, h.images, h.containers);
    return h;
}

}  // namespace skiff::engine
