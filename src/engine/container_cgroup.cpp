// A container's cgroup from its record, and pause/unpause: freezing it under the container's lock.
#include "skiff/engine/container_cgroup.hpp"

#include "run_internal.hpp"
#include "skiff/base/idmap.hpp"

namespace skiff::engine {

namespace {

Error improper(const std::string& what) { return make_error(what + ": container state improper"); }

}  // namespace

runtime::CgroupPaths cgroup_paths(const storage::Container& c) {
    runtime::CgroupPaths p;
    for (auto& [hierarchy, dir] : c.cgroups) {
        if (hierarchy.empty()) p.unified = dir;
        else p.v1.emplace_back(hierarchy, dir);
    }
    return p;
}

void record_cgroup(storage::Container& c, const runtime::CgroupPaths& paths) {
    c.cgroups.clear();
    for (auto& [hierarchy, dir] : paths.v1) c.cgroups[hierarchy] = dir;
    if (!paths.unified.empty()) c.cgroups[""] = paths.unified;
}

Result<runtime::Cgroup> open_cgroup(const storage::Container& c) {
    if (c.cgroups.empty())
        return make_error("container " + c.name + " has no cgroup of its own (" +
                          (rootless_process() ? "rootless, without a delegated cgroup v2 subtree" : "--cgroups disabled") + ")");
    return runtime::Cgroup::open(cgroup_paths(c));
}

Result<void> thaw(const storage::Container& c) {
    auto cg = TRY(open_cgroup(c));
    return cg.freeze(false);
}

Result<void> pause(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto found = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));
    if (c.paused) return improper("\"" + c.id + "\" is already paused");
    if (c.state != storage::ContainerState::kRunning || !alive(c))
        return improper("\"" + std::string(storage::state_name(c.state)) + "\" is not running, can't pause");
    auto cg = TRY(open_cgroup(c));
    TRY_CTX(cg.freeze(true), "pause " + c.name);
    c.paused = true;
    auto saved = storage::save_status(store, c);
    if (!saved.ok()) {
        (void)cg.freeze(false);
        return saved.take_error();
    }
    return {};
}

Result<void> unpause(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto found = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));
    if (!c.paused) return improper("\"" + c.id + "\" is not paused, can't unpause");
    TRY_CTX(thaw(c), "unpause " + c.name);
    c.paused = false;
    return storage::save_status(store, c);
}

}  // namespace skiff::engine
