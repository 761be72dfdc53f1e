// `update`: new limits checked against the stored options, written to the running container's
// cgroup, then stored so that the next start uses them too.
#include "run_internal.hpp"
#include "skiff/engine/container_cgroup.hpp"

namespace skiff::engine {

namespace {

// The options with the update laid over them.
RunOptions updated(RunOptions o, const UpdateOptions& u) {
    if (u.memory) o.memory = *u.memory;
    if (u.memory_swap) o.memory_swap = *u.memory_swap;
    if (u.cpus) o.cpus = *u.cpus;
    if (u.cpuset_cpus) o.cpuset_cpus = *u.cpuset_cpus;
    if (u.cpu_shares) o.cpu_shares = *u.cpu_shares;
    if (u.pids_limit) o.pids_limit = *u.pids_limit;
    if (u.restart) o.restart = *u.restart;
    return o;
}

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
    RunOptions next = updated(TRY(options_of(c)), u);
    if (u.restart) {
        auto policy = TRY(parse_restart_policy(next.restart));
        if (policy.kind != RestartPolicy::Kind::kNo && next.remove)
            return make_error("the --rm option conflicts with --restart when the restart policy is not \"no\"");
    }
    auto resources = TRY(resources_of(next));
    if (limits(u) && next.cgroups != "enabled")
        return make_error("container " + c.name + " has no cgroup of its own (--cgroups disabled): it cannot be limited");
    if (limits(u) && c.state == storage::ContainerState::kRunning && alive(c)) {
        auto cg = TRY(open_cgroup(c));
        TRY_CTX(cg.apply(changed(resources, u)), "update " + c.name);
    }
    storage::ContainerDefinition def = c;
    def.run_options = serialize_run_options(next);
    return storage::save_definition(store, def);
}

}  // namespace skiff::engine
