// Cgroup::apply(): each limit checked, then written to the hierarchy that holds its controller, in
// that hierarchy's own file format.
#include <cmath>
#include <string>

#include "cgroup_files.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/runtime/cgroups.hpp"

namespace skiff::runtime {

namespace {

constexpr int64_t kCpuPeriod = 100000;  // µs, as podman

// Rejects what no hierarchy would take, before anything is written.
Result<void> validate(const Resources& r) {
    using std::to_string;
    if (r.memory && *r.memory != -1 && *r.memory <= 0)
        return make_error("--memory " + to_string(*r.memory) + ": must be positive, or -1 for no limit");
    if (r.memory_swap && *r.memory_swap != -1) {
        if (!r.memory || *r.memory == -1)
            return make_error("--memory-swap needs --memory: it limits memory and swap together");
        if (*r.memory_swap < *r.memory)
            return make_error("--memory-swap " + to_string(*r.memory_swap) + " is less than --memory " +
                              to_string(*r.memory) + ": it limits memory and swap together");
    }
    if (r.cpus && (!std::isfinite(*r.cpus) || *r.cpus < 0 || (*r.cpus > 0 && *r.cpus < 0.01)))
        return make_error("--cpus " + to_string(*r.cpus) + ": must be 0 (no limit) or at least 0.01");
    if (r.cpuset_cpus &&
        (r.cpuset_cpus->empty() || r.cpuset_cpus->find_first_not_of("0123456789,-") != std::string::npos))
        return make_error("--cpuset-cpus \"" + *r.cpuset_cpus + "\": expected CPU numbers and ranges such as 0-2,4");
    if (r.io_weight && (*r.io_weight < 10 || *r.io_weight > 1000))
        return make_error("--blkio-weight " + to_string(*r.io_weight) + ": must be 10 to 1000");
    return {};
}

// Where a limit goes: a v1 controller's directory, or the cgroup2 one.
struct Target {
    std::string dir;
    bool v1 = false;
};

bool has(const std::vector<std::string>& words, std::string_view w) {
    for (const std::string& x : words)
        if (x == w) return true;
    return false;
}

Result<Target> target(const CgroupPaths& p, std::string_view v1_controller, std::string_view v2_controller,
                      const std::string& what) {
    if (std::string dir = cgfile::v1_dir(p, v1_controller); !dir.empty()) return Target{dir, true};
    std::string v1c(v1_controller), v2c(v2_controller);
    if (p.unified.empty())
        return make_error(what + " needs the " + v1c + " controller, which this host does not mount as cgroup v1");
    if (has(cgfile::words(p.unified, "cgroup.controllers"), v2_controller)) return Target{p.unified, false};
    if (!p.v1.empty())
        return make_error(what + " needs the " + v1c + " controller, which this host neither mounts as cgroup v1 " +
                          "nor delegates in its cgroup2");
    std::string parent = fs::dirname(p.unified);
    if (has(cgfile::words(parent, "cgroup.controllers"), v2_controller))
        return make_error(what + " needs the " + v2c + " controller, which " + parent +
                          " has but could not enable for its children (a cgroup holding processes cannot)");
    return make_error(what + " needs the " + v2c + " controller, which this host's cgroup2 does not delegate");
}

std::string number_or(int64_t v, const char* unlimited) { return v < 0 ? unlimited : std::to_string(v); }

Result<void> apply_memory(const CgroupPaths& p, const Resources& r) {
    Target t = TRY(target(p, "memory", "memory", r.memory ? "memory limit" : "memory+swap limit"));
    if (!t.v1) {
        if (r.memory) TRY(cgfile::write(t.dir, "memory.max", number_or(*r.memory, "max")));
        if (!r.memory_swap) return {};
        if (!cgfile::exists(t.dir, "memory.swap.max"))
            return make_error("--memory-swap needs memory.swap.max, which " + t.dir + " lacks (swap accounting is off)");
        int64_t swap = *r.memory_swap < 0 ? -1 : *r.memory_swap - *r.memory;
        return cgfile::write(t.dir, "memory.swap.max", number_or(swap, "max"));
    }
    if (!r.memory_swap) return r.memory ? cgfile::write(t.dir, "memory.limit_in_bytes", number_or(*r.memory, "-1"))
                                        : Result<void>();
    if (!cgfile::exists(t.dir, "memory.memsw.limit_in_bytes"))
        return make_error("--memory-swap needs memory.memsw.limit_in_bytes, which " + t.dir +
                          " lacks (swap accounting is off)");
    std::string memsw = number_or(*r.memory_swap, "-1");
    // The kernel keeps memsw >= limit at every step: when the new limit is above the old memsw,
    // memsw goes first.
    if (r.memory && !cgfile::write(t.dir, "memory.limit_in_bytes", number_or(*r.memory, "-1")).ok()) {
        TRY(cgfile::write(t.dir, "memory.memsw.limit_in_bytes", memsw));
        return cgfile::write(t.dir, "memory.limit_in_bytes", number_or(*r.memory, "-1"));
    }
    return cgfile::write(t.dir, "memory.memsw.limit_in_bytes", memsw);
}

Result<void> apply_cpu(const CgroupPaths& p, const Resources& r) {
    bool shares = r.cpu_shares && *r.cpu_shares > 0;
    if (!r.cpus && !shares) return {};
    Target t = TRY(target(p, "cpu", "cpu", r.cpus ? "cpu quota" : "cpu shares"));
    int64_t quota = r.cpus && *r.cpus > 0 ? std::llround(*r.cpus * kCpuPeriod) : -1;
    if (t.v1) {
        if (r.cpus) {
            TRY(cgfile::write(t.dir, "cpu.cfs_period_us", std::to_string(kCpuPeriod)));
            TRY(cgfile::write(t.dir, "cpu.cfs_quota_us", std::to_string(quota)));
        }
        if (shares) TRY(cgfile::write(t.dir, "cpu.shares", std::to_string(*r.cpu_shares)));
        return {};
    }
    if (r.cpus) TRY(cgfile::write(t.dir, "cpu.max", number_or(quota, "max") + " " + std::to_string(kCpuPeriod)));
    if (shares) TRY(cgfile::write(t.dir, "cpu.weight", std::to_string(cpu_shares_to_weight(*r.cpu_shares))));
    return {};
}

Result<void> apply_io(const CgroupPaths& p, uint16_t weight) {
    Target t = TRY(target(p, "blkio", "io", "io weight"));
    if (t.v1) {
        for (const char* file : {"blkio.weight", "blkio.bfq.weight"})
            if (cgfile::exists(t.dir, file)) return cgfile::write(t.dir, file, std::to_string(weight));
        return make_error("--blkio-weight needs blkio.weight or blkio.bfq.weight, which " + t.dir +
                          " lacks (no proportional-weight I/O scheduler)");
    }
    if (cgfile::exists(t.dir, "io.weight"))
        return cgfile::write(t.dir, "io.weight", "default " + std::to_string(blkio_to_io_weight(weight)));
    if (cgfile::exists(t.dir, "io.bfq.weight"))  // BFQ takes blkio's own range
        return cgfile::write(t.dir, "io.bfq.weight", "default " + std::to_string(weight));
    return make_error("--blkio-weight needs io.weight or io.bfq.weight, which " + t.dir + " lacks");
}

std::string device_numbers(const ThrottleDevice& d) { return std::to_string(d.major) + ":" + std::to_string(d.minor); }

// v1 blkio takes one "MAJOR:MINOR RATE" line per device and file; cgroup2's io.max one line per
// device with the keys that are set.
Result<void> apply_throttle(const CgroupPaths& p, const Resources& r) {
    Target t = TRY(target(p, "blkio", "io", "device I/O throttling"));
    const std::pair<const std::vector<ThrottleDevice>*, std::pair<const char*, const char*>> kinds[] = {
        {&r.read_bps, {"blkio.throttle.read_bps_device", "rbps"}},
        {&r.write_bps, {"blkio.throttle.write_bps_device", "wbps"}},
        {&r.read_iops, {"blkio.throttle.read_iops_device", "riops"}},
        {&r.write_iops, {"blkio.throttle.write_iops_device", "wiops"}},
    };
    for (auto& [devices, files] : kinds)
        for (const ThrottleDevice& d : *devices) {
            std::string line = device_numbers(d) + (t.v1 ? " " : std::string(" ") + files.second + "=") + std::to_string(d.rate);
            // A device the kernel does not throttle (not a block device) fails the start, as the
            // runtime's write fails podman's: 126.
            auto written = cgfile::write(t.dir, t.v1 ? files.first : "io.max", line);
            if (!written.ok()) return written.take_error().with_exit(kExitCannotInvoke);
        }
    return {};
}

}  // namespace

Result<void> Cgroup::apply(const Resources& r) {
    TRY(validate(r));
    if (r.cpuset_cpus) {
        Target t = TRY(target(paths_, "cpuset", "cpuset", "cpuset"));
        TRY(cgfile::write(t.dir, "cpuset.cpus", *r.cpuset_cpus));
    }
    if (r.memory || r.memory_swap) TRY(apply_memory(paths_, r));
    TRY(apply_cpu(paths_, r));
    if (r.pids_limit) {
        Target t = TRY(target(paths_, "pids", "pids", "pids limit"));
        TRY(cgfile::write(t.dir, "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max"));
    }
    if (r.io_weight) TRY(apply_io(paths_, *r.io_weight));
    if (!r.read_bps.empty() || !r.write_bps.empty() || !r.read_iops.empty() || !r.write_iops.empty())
        TRY(apply_throttle(paths_, r));
    return {};
}

}  // namespace skiff::runtime
