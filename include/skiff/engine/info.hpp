// What `skiff info` reports: the host, the store, and how this invocation would run containers.
#pragma once

#include <cstdint>
#include <string>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct HostInfo {
    std::string version;
    std::string hostname;
    std::string kernel;
    std::string os;
    std::string arch;
    std::string distribution;  // PRETTY_NAME from /etc/os-release
    std::string distribution_id;        // ID ("debian"), VERSION_ID ("12"), VERSION_CODENAME ("bookworm")
    std::string distribution_version;
    std::string distribution_codename;
    // What watches containers (skiff's own binary, podman's conmon) and what runs them (the
    // --runtime: by default skiff's own binary again).
    std::string monitor_path;
    std::string runtime_name = "skiff";
    std::string runtime_path;
    std::string runtime_version;
    std::string cgroup_manager = "cgroupfs";  // skiff writes the cgroup tree itself; no systemd
    std::string log_driver;                   // what a container logs with unless --log-driver says
    std::string event_logger = "none";        // skiff records no events
    std::string network_backend = "skiff";    // none and host, and ports forwarded by skiff itself
    std::string cgroup_version = "none";  // "v2", "v1" (also a hybrid host) or "none"
    std::string cgroup_v2_mount;          // where the cgroup2 hierarchy is mounted, if any
    bool rootless = false;
    long cpus = 0;
    uint64_t mem_total = 0;
    uint64_t mem_free = 0;
    uint64_t swap_total = 0;
    uint64_t swap_free = 0;
    uint64_t uptime_seconds = 0;
    std::string graph_root;
    std::string run_root;
    std::string graph_driver;
    std::string volume_path;
    size_t images = 0;
    size_t containers = 0;
    size_t containers_running = 0;
    size_t containers_stopped = 0;
};

Result<HostInfo> host_info(const storage::StoreConfig& store, const std::string& version);

}  // namespace skiff::engine
