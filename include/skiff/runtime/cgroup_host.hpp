// The host's cgroups as this process sees them: the one probe of them, read once per process where
// it is needed, and used by the mount plan (the container's /sys/fs/cgroup), the container's own
// cgroup (Cgroup::create), `skiff info`, and the search for what a removed container left behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::runtime {

// unified: cgroup2 at /sys/fs/cgroup; hybrid: a tmpfs of v1 controllers there with cgroup2 at
// unified/; legacy: the v1 controllers alone; none: no cgroup file system there.
enum class CgroupMode { kUnified, kHybrid, kLegacy, kNone };
const char* cgroup_mode_name(CgroupMode m);  // podman's cgroupVersion words: "v2", "hybrid", "v1", "none"

struct CgroupHost {
    CgroupMode mode = CgroupMode::kNone;
    std::string cgroup2_mount;  // where cgroup2 is mounted: /sys/fs/cgroup, …/unified, or empty: none
    std::string unified;        // cgroup2_mount when this process's own cgroup2 path is found there
    std::string unified_own;    // this process's cgroup2 path ("/" or "/user.slice/…"), from "0::"
    struct V1 {
        std::string hierarchy;                 // as /proc/self/cgroup names it: "cpu,cpuacct"
        std::vector<std::string> controllers;  // {"cpu", "cpuacct"}
        std::string mount;                     // "/sys/fs/cgroup/cpu,cpuacct"
        std::string own;                       // this process's path in it: "/", "/x/y"
    };
    // The controller hierarchies where a cgroup can be made beneath this process's own: mounted,
    // and holding its own cgroup (named ones such as name=systemd are left out).
    std::vector<V1> v1;
    // Every v1 hierarchy /proc/self/cgroup names, named ones too, in its order, whether mounted here
    // or not: what a container's cgroup mount holds on a legacy or hybrid host.
    std::vector<std::string> v1_hierarchies;

    bool pure_v2() const { return !unified.empty() && v1.empty(); }
};

// Reads the layout from the files themselves, so tests can point it at fixture directories:
// `sys_root` holding cgroup.controllers is a unified host; `sys_root`/unified holding it is the
// cgroup2 half of a hybrid host; v1 hierarchies are `sys_root`/<hierarchy> or `sys_root`/<controller>,
// and a host with any of them mounted and no cgroup2 there is legacy. A hierarchy whose own cgroup
// is not found there is left out of `v1`.
Result<CgroupHost> probe_cgroups(const std::string& sys_root = "/sys/fs/cgroup",
                                 const std::string& proc_self_cgroup = "/proc/self/cgroup");
// The same from the text of /proc/self/cgroup already read (run reads it once for this and the plan).
CgroupHost probe_cgroups_from(std::string_view self_cgroup, const std::string& sys_root = "/sys/fs/cgroup");

// "v1 (hybrid): controllers memory pids …; cgroup2 at …, own cgroup / (controllers: hugetlb)".
std::string describe(const CgroupHost& host);

}  // namespace skiff::runtime
