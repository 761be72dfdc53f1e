// A container's own cgroup as its record names it: opened again for stats, pause/unpause and
// update. Freezing and live limits act on the running container; update also stores the new
// limits with the container so that its next start uses them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "skiff/base/result.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

// The record's cgroup directories by hierarchy, back into the runtime's terms.
runtime::CgroupPaths cgroup_paths(const storage::Container& c);
// The other way: what the runtime made, into the record (its directories by hierarchy).
void record_cgroup(storage::Container& c, const runtime::CgroupPaths& paths);
// The container's cgroup; an error naming the container when it has none of its own.
Result<runtime::Cgroup> open_cgroup(const storage::Container& c);

// `pause`: the running container's cgroup frozen, and the record says paused. `unpause` thaws it.
Result<void> pause(const storage::StoreConfig& store, const std::string& name_or_id);
Result<void> unpause(const storage::StoreConfig& store, const std::string& name_or_id);
// Thaws a paused container's cgroup (after a signal was sent to it, so that it is delivered).
Result<void> thaw(const storage::Container& c);

// `update`: limits as podman spells them; an unset field is left as it is.
struct UpdateOptions {
    std::optional<std::string> memory, memory_swap, cpus, cpuset_cpus, restart;
    std::optional<uint64_t> cpu_shares;
    std::optional<int64_t> pids_limit;
};
// Checks the new limits against the container's stored ones, writes them to its cgroup when it
// runs, then stores them. Nothing is stored when the cgroup refused a value.
Result<void> update(const storage::StoreConfig& store, const std::string& name_or_id, const UpdateOptions& o);

}  // namespace skiff::engine
