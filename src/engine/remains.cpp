#include "remains.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/runtime/cgroups.hpp"

namespace skiff::engine {

namespace {

using Pids = std::vector<std::pair<pid_t, unsigned long long>>;

void add_pid(Pids& out, pid_t pid, unsigned long long start) {
    if (pid <= 0 || start == 0 || pid == ::getpid()) return;
    if (std::find(out.begin(), out.end(), std::make_pair(pid, start)) == out.end()) out.emplace_back(pid, start);
}

void add_cgroup(Remains& r, const std::string& hierarchy, const std::string& dir) {
    auto entry = std::make_pair(hierarchy, dir);
    if (std::find(r.cgroups.begin(), r.cgroups.end(), entry) == r.cgroups.end()) r.cgroups.push_back(entry);
}

// "skiff __monitor ID …": argv[1] and argv[2] of /proc/PID/cmdline.
bool is_monitor_of(const std::string& cmdline, const std::string& id) {
    auto args = str::split(cmdline, '\0');
    return args.size() > 2 && args[1] == kMonitorCommand && args[2] == id;
}

// The host directory of a /proc/PID/cgroup line's path in its hierarchy ("" when not mounted here).
std::string host_dir(const runtime::CgroupHost& host, const std::string& hierarchy, const std::string& path) {
    if (hierarchy.empty()) return host.unified.empty() ? std::string() : fs::join(host.unified, path);
    for (auto& h : host.v1)
        if (h.hierarchy == hierarchy) return fs::join(h.mount, path);
    return {};
}

// Every process whose cgroup is the container's, in any hierarchy, and every monitor of it.
void scan_processes(const runtime::CgroupHost& host, const std::string& id, Remains& r) {
    const std::string leaf = "/skiff-" + id;
    auto entries = fs::list_dir("/proc");
    if (!entries.ok()) return;
    for (auto& e : *entries) {
        if (e.empty() || !std::all_of(e.begin(), e.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) continue;
        pid_t pid = static_cast<pid_t>(std::strtol(e.c_str(), nullptr, 10));
        auto cmdline = fs::read_file("/proc/" + e + "/cmdline");
        if (cmdline.ok() && is_monitor_of(*cmdline, id)) add_pid(r.monitors, pid, storage::process_start_time(pid));
        auto cgroup = fs::read_file("/proc/" + e + "/cgroup");
        if (!cgroup.ok() || cgroup->find(leaf) == std::string::npos) continue;
        bool member = false;
        for (auto& line : str::split(*cgroup, '\n')) {
            // "N:controllers:/path"; the container's cgroup or one beneath it.
            auto first = line.find(':'), second = line.find(':', first + 1);
            if (first == std::string::npos || second == std::string::npos) continue;
            std::string path = line.substr(second + 1);
            auto at = path.find(leaf);
            if (at == std::string::npos) continue;
            size_t end = at + leaf.size();
            if (end != path.size() && path[end] != '/') continue;
            member = true;
            std::string dir = host_dir(host, line.substr(first + 1, second - first - 1), path.substr(0, end));
            if (!dir.empty()) add_cgroup(r, line.substr(first + 1, second - first - 1), dir);
        }
        if (member) add_pid(r.processes, pid, storage::process_start_time(pid));
    }
}

// SIGKILL through a pidfd, to the process that was found and no other.
void kill_process(pid_t pid, unsigned long long start) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return;
    unique_fd pidfd(fd);
    if (storage::same_process(pid, start)) (void)::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
}

bool all_gone(const Pids& pids) {
    return std::none_of(pids.begin(), pids.end(), [](auto& p) { return storage::same_process(p.first, p.second); });
}

}  // namespace

Remains find_remains(const storage::Container& c) {
    Remains r;
    add_pid(r.monitors, c.monitor_pid, storage::same_process(c.monitor_pid, c.monitor_start) ? c.monitor_start : 0);
    add_pid(r.processes, c.pid, storage::same_process(c.pid, c.pid_start) ? c.pid_start : 0);
    for (auto& [hierarchy, dir] : c.cgroups) add_cgroup(r, hierarchy, dir);
    auto host = runtime::probe_cgroups();
    if (!host.ok()) return r;
    scan_processes(*host, c.id, r);
    // An empty cgroup of it where skiff makes them by default (beneath this process's own).
    const std::string leaf = "skiff-" + c.id;
    struct stat st;
    for (auto& h : host->v1) {
        std::string dir = fs::join(fs::join(h.mount, h.own), leaf);
        if (::stat(dir.c_str(), &st) == 0) add_cgroup(r, h.hierarchy, dir);
    }
    if (!host->unified.empty()) {
        std::string dir = fs::join(fs::join(host->unified, host->unified_own), leaf);
        if (::stat(dir.c_str(), &st) == 0) add_cgroup(r, "", dir);
    }
    return r;
}

Result<void> end_remains(const std::string& id, const Remains& r) {
    for (auto& [pid, start] : r.monitors) kill_process(pid, start);
    runtime::CgroupPaths paths;
    for (auto& [hierarchy, dir] : r.cgroups) {
        if (hierarchy.empty()) paths.unified = dir;
        else paths.v1.emplace_back(hierarchy, dir);
    }
    // Frozen (paused) processes die of SIGKILL only once thawed: the cgroup's own kill thaws them.
    if (!r.cgroups.empty()) {
        auto cg = runtime::Cgroup::open(paths);
        if (cg.ok()) (void)cg->kill_all(SIGKILL);
    }
    for (auto& [pid, start] : r.processes) kill_process(pid, start);
    for (int waited = 0; !(all_gone(r.monitors) && all_gone(r.processes)); waited += 10) {
        if (waited >= 10000) return make_error("container " + id + " did not exit after SIGKILL");
        sleep_ms(10);
    }
    // Empty now; the kernel may take a moment to let go of the last exited process.
    for (auto& [hierarchy, dir] : r.cgroups) {
        for (int tries = 0; ::rmdir(dir.c_str()) < 0 && errno == EBUSY && tries < 100; ++tries) sleep_ms(10);
    }
    return {};
}

}  // namespace skiff::engine
