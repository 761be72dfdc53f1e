// A container's cgroup: one cgroup made beneath this process's own, wherever the host keeps them
// (cgroup_host.hpp: cgroup2, v1 controllers, or both on a hybrid host), its limits, the process skiff
// started put into it, freezing, killing, usage, and its removal. Each limit goes to the hierarchy that
// holds its controller: a v1 mount when there is one, else the cgroup2 tree. Nothing here moves a
// process skiff did not start, mounts anything, or touches a cgroup outside this process's own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/runtime/devices.hpp"

namespace skiff::runtime {

// One device's I/O limit (--device-read-bps /dev/sda:1m): the device as given, its numbers (found
// when the container is created, as podman), and the rate in bytes or operations per second.
struct ThrottleDevice {
    std::string path;
    uint32_t major = 0, minor = 0;
    uint64_t rate = 0;

    bool operator==(const ThrottleDevice&) const = default;
};

// Limits in podman's units. Every field is optional: unset leaves the cgroup's value alone.
struct Resources {
    std::optional<int64_t> memory;        // bytes (--memory); -1: unlimited
    std::optional<int64_t> memory_swap;   // bytes of memory + swap (--memory-swap); -1: unlimited swap
    std::optional<double> cpus;           // --cpus 1.5 → a quota of 150000 per 100000 µs; 0: no quota
    std::optional<uint64_t> cpu_shares;   // --cpu-shares (v1 shares; cgroup2 weight converted); 0: unset
    std::optional<std::string> cpuset_cpus;  // --cpuset-cpus "0-2,4"
    std::optional<int64_t> pids_limit;    // --pids-limit; -1 or 0: unlimited
    std::optional<uint16_t> io_weight;    // --blkio-weight, 10 to 1000 (cgroup2 io.weight converted)
    // --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops: v1 blkio's
    // throttle files, or cgroup2's io.max.
    std::vector<ThrottleDevice> read_bps, write_bps, read_iops, write_iops;
};

// What a container's cgroup is made of: recorded in the container's state to open it again.
struct CgroupPaths {
    std::string unified;                                    // cgroup2 directory, or empty
    std::vector<std::pair<std::string, std::string>> v1;    // hierarchy ("memory") → directory
    std::vector<std::string> created_parents;  // --cgroup-parent directories made here, deepest first

    bool operator==(const CgroupPaths&) const = default;
};

struct CgroupStats {
    std::optional<uint64_t> memory_usage;  // bytes
    std::optional<uint64_t> memory_limit;  // bytes; unset: unlimited
    std::optional<uint64_t> cpu_usage_ns;
    std::optional<uint64_t> pids_current;
};

// The `tasks` files through which a process skiff starts moves itself into its v1 cgroups, opened
// by skiff before the clone. The kernel moves a thread that writes 0 there without taking
// cgroup_threadgroup_rwsem for writing; moving another process by its pid takes it, and that waits
// out an RCU grace period (10-15 ms measured here) whenever no move happened in the last one. The
// cgroup2 part needs no move: clone3 puts the child there (CLONE_INTO_CGROUP).
class CgroupSelfJoin {
public:
    CgroupSelfJoin() = default;
    // The `tasks` file of each v1 cgroup directory, opened for writing. `skip_missing`: a cgroup
    // that has no such file is left out rather than an error.
    static Result<CgroupSelfJoin> open(const std::vector<std::string>& dirs, bool skip_missing = false);
    // Moves the calling thread into every cgroup. Its process must have no other thread (a cloned
    // child before it execs), so the process moves with it.
    Result<void> join() const;

private:
    std::vector<std::pair<std::string, unique_fd>> tasks_;  // the file's path (for messages), opened
};

class Cgroup {
public:
    // Makes `name` ("skiff-<id>") beneath `parent` (--cgroup-parent: relative to this process's own
    // cgroup, or absolute and at or beneath it) in the cgroup2 tree and in every v1 controller
    // hierarchy; on cgroup2, enables the available controllers (memory pids cpu cpuset io) in each
    // parent's cgroup.subtree_control. An existing empty cgroup of that name is reused; one with
    // processes is an error. On failure nothing made here is left behind.
    static Result<Cgroup> create(const CgroupHost& host, const std::string& name,
                                 const std::string& parent = {});
    // An existing cgroup, by the paths recorded when it was made.
    static Result<Cgroup> open(const CgroupPaths& paths);

    Cgroup(Cgroup&&) noexcept = default;
    Cgroup& operator=(Cgroup&&) noexcept = default;

    // Writes the limits that are set; a limit whose controller the host lacks is an error naming it.
    Result<void> apply(const Resources& r);
    // Restricts the devices its processes may open or make to `rules`, in order: written to the
    // v1 devices controller where the host has one, else a device program on the cgroup2 directory.
    Result<void> restrict_devices(const std::vector<DeviceRule>& rules);
    // The cgroup2 directory (O_PATH) for clone3's CLONE_INTO_CGROUP; -1 without one.
    int unified_fd() const { return unified_fd_.get(); }
    // Puts a process skiff started into every hierarchy, cgroup2 too. Each write waits for the
    // kernel's threadgroup lock (see CgroupSelfJoin): a child cloned into the cgroup2 directory
    // joins the v1 hierarchies faster through self_join().
    Result<void> add(pid_t pid);
    // For a child cloned into unified_fd() to join the v1 hierarchies itself, before it runs anything.
    Result<CgroupSelfJoin> self_join() const;
    Result<std::vector<pid_t>> pids() const;
    // cgroup.freeze on cgroup2 or freezer.state on v1 (v1 when the freezer is a v1 controller);
    // freezing waits until the kernel reports the cgroup frozen.
    Result<void> freeze(bool frozen);
    // cgroup.kill for SIGKILL where the kernel has it; otherwise signals every process listed (for
    // SIGKILL inside a freeze, so nothing forks past it).
    Result<void> kill_all(int sig);
    Result<CgroupStats> stats() const;
    // Whether the kernel's OOM killer killed a process here: memory.events (cgroup2) or
    // memory.oom_control (v1). False where there is no memory accounting.
    Result<bool> oom_killed() const;
    // Removes every directory, retrying briefly while exiting processes keep it busy; then the
    // parents made here, unless another container is using them. Removing twice is no error.
    Result<void> remove();

    const CgroupPaths& paths() const { return paths_; }

private:
    Cgroup() = default;

    CgroupPaths paths_;
    unique_fd unified_fd_;
};

// cgroup2 weights from podman's units, as crun and runc convert them.
uint64_t cpu_shares_to_weight(uint64_t shares);  // 2…262144 → 1…10000
uint64_t blkio_to_io_weight(uint64_t weight);    // 10…1000 → 1…10000

}  // namespace skiff::runtime
