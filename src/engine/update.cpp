// `update`: new limits checked against the stored configuration, written to the running container's
// cgroup, then stored so that the next start uses them too.
#include <cstdlib>

#include "run_internal.hpp"
#include "skiff/engine/container_cgroup.hpp"

namespace skiff::engine {

Result<ContainerConfig> with_updates(ContainerConfig c, const UpdateOptions& u) {
    runtime::Resources& r = c.resources;
    if (u.memory) r.memory = TRY_CTX(parse_size(*u.memory, true), "--memory");
    if (u.memory_swap) r.memory_swap = TRY_CTX(parse_size(*u.memory_swap, true), "--memory-swap");
    if (u.memory || u.memory_swap) {
        if (r.memory_swap && !r.memory && *r.memory_swap != -1) return make_error("--memory-swap needs --memory");
        if (r.memory && r.memory_swap && *r.memory_swap != -1 && *r.memory_swap < *r.memory)
            return make_error("--memory-swap must be at least --memory (memory plus swap)");
    }
    if (u.cpus) {
        char* end = nullptr;
        double n = std::strtod(u.cpus->c_str(), &end);
        if (u.cpus->empty() || *end || n < 0)
            return make_error("invalid --cpus \"" + *u.cpus + "\": want a number of CPUs such as 1.5");
        r.cpus = n;
    }
    if (u.cpuset_cpus) r.cpuset_cpus = *u.cpuset_cpus;
    if (u.cpu_shares) r.cpu_shares = *u.cpu_shares;
    if (u.pids_limit) r.pids_limit = *u.pids_limit;
    if (u.restart) {
        c.restart = TRY(parse_restart_policy(*u.restart));
        if (c.restart.kind != RestartPolicy::Kind::kNo && c.remove)
            return make_error("the --rm option conflicts with --restart when the restart policy is not \"no\"");
    }
    return c;
}

namespace {

// Only what the update changes, to write to a running cgroup. Memory and memory+swap go together
// when both are set: the kernel keeps one at most the other.
runtime::Resources changed(const runtime::Resources& all, const UpdateOptions& u) {
    runtime::Resources r;
    if (u.memory || u.memory_swap) {
        r.memory = all.memory;
        r.memory_swap = all.memory_swap;
    }
    if (u.cpus) r.cpus = all.cpus.value_or(0);
    if (u.cpu_shares) r.cpu_shares = all.cpu_shares;
    if (u.cpuset_cpus) r.cpuset_cpus = all.cpuset_cpus;
    if (u.pids_limit) r.pids_limit = all.pids_limit;
    return r;
}

bool limits(const UpdateOptions& u) {
    return u.memory || u.memory_swap || u.cpus || u.cpuset_cpus || u.cpu_shares || u.pids_limit;
}

}  // namespace

Result<void> update(const storage::StoreConfig& store, const std::string& name_or_id, const UpdateOptions& u) {
    if (!limits(u) && !u.restart) return make_error("must provide at least one flag to update the container");
    auto found = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));
    ContainerConfig next = TRY(with_updates(TRY(config_of(c)), u));
    const runtime::Resources& resources = next.resources;
    if (limits(u) && !next.cgroups)
        return make_error("container " + c.name + " has no cgroup of its own (--cgroups disabled): it cannot be limited");
    if (limits(u)) (void)TRY(own_cgroup_possible(next));
    if (limits(u) && c.state == storage::ContainerState::kRunning && alive(c)) {
        auto cg = TRY(open_cgroup(c));
        TRY_CTX(cg.apply(changed(resources, u)), "update " + c.name);
    }
    storage::ContainerDefinition def = c;
    def.config = serialize_config(next);
    return storage::save_definition(store, def);
}

}  // namespace skiff::engine
