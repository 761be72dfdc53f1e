// skiff update [options] CONTAINER: a container's cgroup limits (and restart policy) changed,
// live when it runs, and stored for its next start.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/container_cgroup.hpp"

namespace skiff::cli {

namespace {

struct UpdateArgs {
    std::string memory, memory_swap, cpus, cpuset_cpus, restart;
    uint64_t cpu_shares = 0;
    int64_t pids_limit = 0;
    std::vector<std::string> names;
};

}  // namespace

void add_update(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("update", "Update an existing container");
    set_usage(sub, "skiff update [options] CONTAINER");
    auto a = std::make_shared<UpdateArgs>();
    auto* memory = sub->add_option("-m,--memory", a->memory, "Memory limit (format: <number>[<unit>], where unit = b, k, m or g)");
    auto* swap = sub->add_option("--memory-swap", a->memory_swap, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    auto* cpus = sub->add_option("--cpus", a->cpus, "Number of CPUs. The default is 0.000 which means no limit");
    auto* shares = sub->add_option("-c,--cpu-shares", a->cpu_shares, "CPU shares (relative weight)");
    auto* cpuset = sub->add_option("--cpuset-cpus", a->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
    auto* pids = sub->add_option("--pids-limit", a->pids_limit, "Tune container pids limit (set -1 for unlimited)");
    auto* restart = sub->add_option("--restart", a->restart, "Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)");
    sub->add_option("container", a->names)->group("");
    sub->callback([=, &ctx] {
        if (a->names.size() != 1)
            return (void)(ctx.exit_code = fail(make_error("`skiff update` requires exactly 1 container, received " +
                                                          std::to_string(a->names.size()))));
        engine::UpdateOptions u;
        if (memory->count()) u.memory = a->memory;
        if (swap->count()) u.memory_swap = a->memory_swap;
        if (cpus->count()) u.cpus = a->cpus;
        if (shares->count()) u.cpu_shares = a->cpu_shares;
        if (cpuset->count()) u.cpuset_cpus = a->cpuset_cpus;
        if (pids->count()) u.pids_limit = a->pids_limit;
        if (restart->count()) u.restart = a->restart;
        auto r = engine::update(ctx.store, a->names[0], u);
        if (!r.ok()) return (void)(ctx.exit_code = fail(r.error()));
        std::cout << a->names[0] << std::endl;
    });
}

}  // namespace skiff::cli
