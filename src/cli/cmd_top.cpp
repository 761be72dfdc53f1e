// skiff top CONTAINER [DESCRIPTOR...]: the processes of a running container, as podman lists them
// (pids as the container sees them, users from its own /etc/passwd).
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/top.hpp"
#include "table.hpp"

namespace skiff::cli {

namespace {

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9gs", s);
    return buf;
}

Result<void> run_top(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return make_error("you must provide the name or ID of a running container");
    auto procs = TRY(engine::container_processes(ctx.store, args[0]));
    std::vector<std::string> desc(args.begin() + 1, args.end());
    if (desc.size() == 1 && desc[0].find(',') != std::string::npos) desc = str::split(desc[0], ',');
    if (desc.empty()) desc = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
    static const std::map<std::string, std::string> kHeaders = {
        {"user", "USER"}, {"pid", "PID"},   {"ppid", "PPID"}, {"pcpu", "%CPU"},      {"etime", "ELAPSED"},
        {"tty", "TTY"},   {"time", "TIME"}, {"args", "COMMAND"}, {"comm", "COMMAND"}};
    for (auto& d : desc)
        if (!kHeaders.count(d)) return make_error("unknown descriptor: " + d + " (want user, pid, ppid, pcpu, etime, tty, time, args, comm)");
    std::vector<std::string> header;
    for (auto& d : desc) header.push_back(kHeaders.at(d));
    Table t(header);
    for (auto& p : procs) {
        std::vector<std::string> row;
        for (auto& d : desc) {
            char cpu[16];
            std::snprintf(cpu, sizeof cpu, "%.3f", p.cpu);
            row.push_back(d == "user" ? p.user : d == "pid" ? p.pid : d == "ppid" ? p.ppid : d == "pcpu" ? cpu
                          : d == "etime" ? seconds(p.elapsed) : d == "tty" ? p.tty : d == "time" ? seconds(p.time)
                          : d == "comm" ? p.comm : p.args);
        }
        t.add(row);
    }
    std::cout << t.render();
    return {};
}

}  // namespace

void add_top(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("top", "Display the running processes of a container");
    set_usage(sub, "skiff top CONTAINER [FORMAT-DESCRIPTORS]");
    auto args = std::make_shared<std::vector<std::string>>();
    sub->add_option("args", *args)->group("");
    sub->callback([args, &ctx] { finish(ctx, run_top(ctx, *args)); });
}

}  // namespace skiff::cli
