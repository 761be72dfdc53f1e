// skiff stats [options] [CONTAINER...]: resource use of running containers, read from their cgroups
// (and network counters from their network namespace), as podman prints it.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/stats.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPU}}\t{{.AVGCPU}}";

struct StatsOptions {
    bool all = false, no_stream = false, no_reset = false;
    int interval = 5;
    std::string format;
    std::vector<std::string> names;
};

std::string percent(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", p);
    return buf;
}

Value stats_value(const engine::ContainerStats& st) {
    char cpu_time[32];
    std::snprintf(cpu_time, sizeof cpu_time, "%.6gs", static_cast<double>(st.cpu_ns) / 1e9);
    double mem = st.memory_limit ? 100.0 * static_cast<double>(st.memory_used) / static_cast<double>(st.memory_limit) : 0;
    return Value::record({
        {"ID", st.id.substr(0, 12)},
        {"Name", st.name},
        {"CPUPerc", percent(st.cpu_percent)},
        {"MemUsage", str::human_size(st.memory_used) + " / " + str::human_size(st.memory_limit)},
        {"MemPerc", percent(mem)},
        {"NetIO", str::human_size(st.net_rx) + " / " + str::human_size(st.net_tx)},
        {"BlockIO", str::human_size(st.block_read) + " / " + str::human_size(st.block_write)},
        {"PIDs", std::to_string(st.pids)},
        {"CPU", std::string(cpu_time)},
        {"AVGCPU", percent(st.avg_cpu_percent)},
    });
}

Result<void> run_stats(Context& ctx, const StatsOptions& o) {
    if (o.all && !o.names.empty()) return make_error("--all and containers cannot be given together");
    if (o.interval < 1) return make_error("invalid interval, must be a positive number greater zero");
    // As podman: each report starts on a cleared screen, when the output is a terminal.
    bool reset = !o.no_reset && ::isatty(STDOUT_FILENO);
    std::string format = o.format.empty() || o.format == "table" ? kDefaultFormat : o.format;
    std::optional<Template> check;
    if (format != "json") check = TRY(Template::parse(format));
    engine::StatsSampler sampler(ctx.store);
    for (;;) {
        std::vector<Value> rows;
        for (auto& st : TRY(sampler.sample(o.names))) rows.push_back(stats_value(st));
        if (reset) std::cout << "\033[2J\033[1;1H";
        if (format == "json") std::cout << Value::list(std::move(rows)).json(4) << "\n";
        else std::cout << TRY(render_rows(format, rows, {{"ID", "ID"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
                                                         {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
                                                         {"NetIO", "NET IO"}, {"BlockIO", "BLOCK IO"}, {"PIDs", "PIDS"},
                                                         {"CPU", "CPU TIME"}, {"AVGCPU", "AVG CPU %"}}));
        std::cout.flush();
        if (o.no_stream) return {};
        struct timespec ts = {o.interval, 0};
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
    sub->add_option("-i,--interval", o->interval, "Time in seconds between stats reports")->capture_default_str();
    sub->add_flag("--no-reset", o->no_reset, "Disable resetting the screen between intervals");
    sub->add_flag("--no-stream", o->no_stream, "Disable streaming stats and only pull the first result");
    sub->add_option("containers", o->names)->group("");
    sub->callback([o, &ctx] { finish(ctx, run_stats(ctx, *o)); });
}

}  // namespace skiff::cli
