// Sweeping what a killed create, remove or rename left in the container store: each piece is
// found where a command already looks (the containers directories that `ps -a` lists, the name a
// command is given, the id it resolves), never by a walk of the whole store.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "container_paths.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::storage::paths {

bool is_id(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string name_owner(const StoreConfig& s, const std::string& name) {
    char target[128];
    ssize_t n = ::readlink(fs::join(names_dir(s), name).c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

std::vector<std::string> names_of(const StoreConfig& s, const std::string& id) {
    std::vector<std::string> out;
    auto names = fs::list_dir(names_dir(s));
    if (!names.ok()) return out;
    for (auto& n : *names)
        if (name_owner(s, n) == id) out.push_back(n);
    return out;
}

Result<std::string> tmp_file(const std::string& root) {
    static const unsigned long long self_start = process_start_time(::getpid());
    static std::atomic<unsigned> counter{0};
    std::string dir = tmp_dir(root);
    TRY(fs::mkdir_p(dir, 0700));
    return fs::join(dir, std::to_string(::getpid()) + "-" + std::to_string(self_start) + "-" +
                             std::to_string(counter++));
}

void sweep_tmp(const std::string& root) {
    auto names = fs::list_dir(tmp_dir(root));
    if (!names.ok()) return;
    for (auto& n : *names) {
        // "<pid>-<start>-<n>": the writer is gone when that pid is no longer that process.
        auto parts = str::split(n, '-');
        if (parts.size() != 3) continue;
        pid_t pid = static_cast<pid_t>(std::strtol(parts[0].c_str(), nullptr, 10));
        unsigned long long start = std::strtoull(parts[1].c_str(), nullptr, 10);
        if (!same_process(pid, start)) ::unlink(fs::join(tmp_dir(root), n).c_str());
    }
}

namespace {

// The cgroups a state record names: empty once the container's processes are gone (rmdir fails
// on any that still holds one, and it is left alone).
void remove_recorded_cgroups(const std::string& state_file) {
    auto text = fs::read_file(state_file);
    if (!text.ok()) return;
    auto st = parse_status(*text);
    if (!st.ok()) return;
    for (auto& [hierarchy, dir] : st->cgroups) (void)::rmdir(dir.c_str());
}

// Under `id`'s lock, with no container directory: everything else of it goes.
bool sweep_locked(const StoreConfig& s, const std::string& id) {
    std::string run_dir = fs::join(run_root(s), id);
    remove_recorded_cgroups(fs::join(run_dir, "state.json"));
    remove_recorded_cgroups(fs::join(trash(run_root(s), id), "state.json"));
    bool ok = true;
    for (auto& dir : {staging(defs_root(s), id), trash(defs_root(s), id), run_dir, trash(run_root(s), id)})
        ok = fs::remove_all(dir).ok() && ok;
    return ok;
}

}  // namespace

bool sweep_if_stale(const StoreConfig& s, const std::string& id) {
    if (!is_id(id)) return false;
    std::string def_dir = fs::join(defs_root(s), id);
    if (sys::exists(def_dir)) return false;
    if (!fs::mkdir_p(fs::join(s.runroot, "locks"), 0700).ok()) return false;
    auto lock = FileLock::try_acquire(lock_path(s, id));
    if (!lock.ok()) return false;  // its creator or remover is at work
    if (sys::exists(def_dir)) return false;  // published meanwhile
    bool ok = sweep_locked(s, id);
    // Last: a name pointing at `id` is swept under this lock by whoever meets it.
    ::unlink(lock_path(s, id).c_str());
    return ok;
}

bool take_stale_name(const StoreConfig& s, const std::string& name, const std::string& owner) {
    if (!is_id(owner)) return false;
    if (!fs::mkdir_p(fs::join(s.runroot, "locks"), 0700).ok()) return false;
    auto lock = FileLock::try_acquire(lock_path(s, owner));
    if (!lock.ok()) return false;
    if (name_owner(s, name) != owner) return true;  // released or taken meanwhile: look again
    std::string link = fs::join(names_dir(s), name);
    std::string def_dir = fs::join(defs_root(s), owner);
    if (sys::exists(def_dir)) {
        // A rename cut short leaves the container two names: the one its definition does not
        // hold is stale. A definition that cannot be read keeps every name it has.
        auto text = fs::read_file(fs::join(def_dir, "config.json"));
        if (!text.ok()) text = fs::read_file(fs::join(fs::join(run_root(s), owner), "config.json"));
        if (!text.ok()) return false;
        auto def = parse_definition(*text);
        if (!def.ok() || def->name == name) return false;
        ::unlink(link.c_str());
        return true;
    }
    (void)sweep_locked(s, owner);
    ::unlink(link.c_str());
    ::unlink(lock_path(s, owner).c_str());  // last, as in sweep_if_stale
    return true;
}

}  // namespace skiff::storage::paths
