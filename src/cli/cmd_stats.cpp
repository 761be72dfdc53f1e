// skiff stats [options] [CONTAINER...]: resource use of running containers, read from their cgroups
// (and network counters from their network namespace), as podman prints it.
#include <time.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/storage/containers.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPU}}\t{{.AVGCPU}}";

struct StatsOptions {
    bool all = false, no_stream = false, no_reset = false;
    std::string format;
    std::vector<std::string> names;
};

std::string percent(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", p);
    return buf;
}

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

struct Sample {
    uint64_t cpu_ns = 0;
    int64_t at_ns = 0;
};

Result<Value> stats_of(const storage::Container& c, std::map<std::string, Sample>& last) {
    auto cg = TRY(engine::open_cgroup(c));
    auto s = TRY(cg.stats());
    int64_t now = storage::now_ns();
    uint64_t cpu = s.cpu_usage_ns.value_or(0);
    double since_start = now > c.started_ns ? static_cast<double>(now - c.started_ns) : 1;
    double avg = 100.0 * static_cast<double>(cpu) / since_start;
    double cur = avg;
    if (auto it = last.find(c.id); it != last.end() && now > it->second.at_ns)
        cur = 100.0 * static_cast<double>(cpu - it->second.cpu_ns) / static_cast<double>(now - it->second.at_ns);
    last[c.id] = {cpu, now};
    uint64_t limit = s.memory_limit.value_or(host_memory());
    uint64_t used = s.memory_usage.value_or(0);
    auto [rx, tx] = net_io(c.pid);
    auto [br, bw] = block_io(engine::cgroup_paths(c));
    char cpu_time[32];
    std::snprintf(cpu_time, sizeof cpu_time, "%.6gs", static_cast<double>(cpu) / 1e9);
    return Value::record({
        {"ID", c.id.substr(0, 12)},
        {"Name", c.name},
        {"CPUPerc", percent(cur)},
        {"MemUsage", str::human_size(used) + " / " + str::human_size(limit)},
        {"MemPerc", percent(limit ? 100.0 * static_cast<double>(used) / static_cast<double>(limit) : 0)},
        {"NetIO", str::human_size(rx) + " / " + str::human_size(tx)},
        {"BlockIO", str::human_size(br) + " / " + str::human_size(bw)},
        {"PIDs", std::to_string(s.pids_current.value_or(0))},
        {"CPU", std::string(cpu_time)},
        {"AVGCPU", percent(avg)},
    });
}

Result<void> run_stats(Context& ctx, const StatsOptions& o) {
    if (o.all && !o.names.empty()) return make_error("--all and containers cannot be given together");
    std::string format = o.format.empty() || o.format == "table" ? kDefaultFormat : o.format;
    std::optional<Template> check;
    if (format != "json") check = TRY(Template::parse(format));
    std::map<std::string, Sample> last;
    for (bool first = true;; first = false) {
        std::vector<storage::Container> targets;
        if (o.names.empty()) {
            for (auto& c : TRY(storage::list_containers(ctx.store)))
                if (c.state == storage::ContainerState::kRunning) targets.push_back(c);
        } else {
            for (auto& n : o.names) {
                auto c = TRY(storage::find_container(ctx.store, n));
                if (c.state != storage::ContainerState::kRunning)
                    return make_error("container " + c.name + " is not running: stats need a running container");
                targets.push_back(c);
            }
        }
        std::vector<Value> rows;
        for (auto& c : targets) {
            rows.push_back(TRY(stats_of(c, last)));
        }
        if (format == "json") std::cout << Value::list(std::move(rows)).json(4) << "\n";
        else std::cout << TRY(render_rows(format, rows, {{"ID", "ID"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
                                                         {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
                                                         {"NetIO", "NET IO"}, {"BlockIO", "BLOCK IO"}, {"PIDs", "PIDS"},
                                                         {"CPU", "CPU TIME"}, {"AVGCPU", "AVG CPU %"}}));
        std::cout.flush();
        if (o.no_stream) return {};
        (void)first;
        struct timespec ts = {1, 0};
        ::nanosleep(&ts, nullptr);
    }
}

}  // namespace

void add_stats(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("stats", "Display a live stream of container resource usage statistics");
    set_usage(sub, "skiff stats [options] [CONTAINER...]");
    auto o = std::make_shared<StatsOptions>();
    sub->add_flag("-a,--all", o->all, "Show all containers (only running ones have statistics)");
    sub->add_option("--format", o->format, "Pretty-print container statistics to JSON or using a Go template");
    sub->add_flag("--no-stream", o->no_stream, "Disable streaming stats and only pull the first result");
    sub->add_option("containers", o->names)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_stats(ctx, *o)); });
}

}  // namespace skiff::cli
