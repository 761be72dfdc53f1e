#include "skiff/engine/stats.hpp"

#include <cstdlib>
#include <tuple>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

uint64_t host_memory() {
    auto text = fs::read_file("/proc/meminfo");
    if (!text.ok()) return 0;
    for (auto& line : str::split(*text, '\n'))
        if (line.starts_with("MemTotal:")) return std::strtoull(line.c_str() + 9, nullptr, 10) * 1024;
    return 0;
}

// Bytes received and sent on the container's interfaces other than lo.
std::pair<uint64_t, uint64_t> net_io(pid_t pid) {
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/net/dev");
    uint64_t rx = 0, tx = 0;
    if (!text.ok()) return {0, 0};
    for (auto& line : str::split(*text, '\n')) {
        auto colon = line.find(':');
        if (colon == std::string::npos || str::trim(line.substr(0, colon)) == "lo") continue;
        std::vector<std::string> f;
        for (auto& w : str::split(line.substr(colon + 1), ' '))
            if (!w.empty()) f.push_back(w);
        if (f.size() > 8) {
            rx += std::strtoull(f[0].c_str(), nullptr, 10);
            tx += std::strtoull(f[8].c_str(), nullptr, 10);
        }
    }
    return {rx, tx};
}

// Bytes read and written by the cgroup's block I/O (v1 blkio, or cgroup2 io.stat).
std::pair<uint64_t, uint64_t> block_io(const runtime::CgroupPaths& p) {
    uint64_t r = 0, w = 0;
    for (auto& [hierarchy, dir] : p.v1) {
        if (hierarchy.find("blkio") == std::string::npos) continue;
        auto text = fs::read_file(dir + "/blkio.throttle.io_service_bytes");
        if (!text.ok()) continue;
        for (auto& line : str::split(*text, '\n')) {
            auto f = str::split(line, ' ');
            if (f.size() == 3 && f[1] == "Read") r += std::strtoull(f[2].c_str(), nullptr, 10);
            if (f.size() == 3 && f[1] == "Write") w += std::strtoull(f[2].c_str(), nullptr, 10);
        }
        return {r, w};
    }
    if (p.unified.empty()) return {0, 0};
    auto text = fs::read_file(p.unified + "/io.stat");
    if (!text.ok()) return {0, 0};
    for (auto& word : str::split(*text, ' ')) {
        if (word.starts_with("rbytes=")) r += std::strtoull(word.c_str() + 7, nullptr, 10);
        if (word.starts_with("wbytes=")) w += std::strtoull(word.c_str() + 7, nullptr, 10);
    }
    return {r, w};
}

}  // namespace

Result<std::vector<ContainerStats>> StatsSampler::sample(const std::vector<std::string>& names) {
    std::vector<storage::Container> targets;
    if (names.empty()) {
        for (auto& c : TRY(storage::list_containers(store_)))
            if (c.state == storage::ContainerState::kRunning) targets.push_back(c);
    } else {
        for (auto& n : names) {
            auto c = TRY(storage::find_container(store_, n));
            if (c.state != storage::ContainerState::kRunning)
                return make_error("container " + c.name + " is not running: stats need a running container");
            targets.push_back(c);
        }
    }
    std::vector<ContainerStats> out;
    for (auto& c : targets) {
        auto cg = TRY(open_cgroup(c));
        auto s = TRY(cg.stats());
        int64_t now = now_ns();
        ContainerStats st;
        st.id = c.id;
        st.name = c.name;
        st.cpu_ns = s.cpu_usage_ns.value_or(0);
        double since_start = now > c.started_ns ? static_cast<double>(now - c.started_ns) : 1;
        st.avg_cpu_percent = 100.0 * static_cast<double>(st.cpu_ns) / since_start;
        st.cpu_percent = st.avg_cpu_percent;
        if (auto it = last_.find(c.id); it != last_.end() && now > it->second.at_ns)
            st.cpu_percent = 100.0 * static_cast<double>(st.cpu_ns - it->second.cpu_ns) / static_cast<double>(now - it->second.at_ns);
        last_[c.id] = {st.cpu_ns, now};
        st.memory_limit = s.memory_limit.value_or(host_memory());
        st.memory_used = s.memory_usage.value_or(0);
        std::tie(st.net_rx, st.net_tx) = net_io(c.pid);
        std::tie(st.block_read, st.block_write) = block_io(cgroup_paths(c));
        st.pids = s.pids_current.value_or(0);
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace skiff::engine
