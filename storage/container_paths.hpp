// Where the container store keeps each container's files, and the sweeping of what a killed
// create, remove or rename left behind (private to storage/).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/fs.hpp"
#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage::paths {

inline std::string defs_root(const StoreConfig& s) { return fs::join(s.root, "containers"); }
inline std::string run_root(const StoreConfig& s) { return fs::join(s.runroot, "containers"); }
inline std::string names_dir(const StoreConfig& s) { return fs::join(defs_root(s), "names"); }
inline std::string lock_path(const StoreConfig& s, const std::string& id) {
    return fs::join(s.runroot, "locks/container-" + id);
}
// A container being built (renamed to its id when whole) and one being removed (renamed aside).
inline std::string staging(const std::string& root, const std::string& id) { return fs::join(root, ".creating-" + id); }
inline std::string trash(const std::string& root, const std::string& id) { return fs::join(root, ".removing-" + id); }
// Temporary files of record rewrites, one directory per root: "<pid>-<start>-<n>".
inline std::string tmp_dir(const std::string& root) { return fs::join(root, ".tmp"); }

bool is_id(std::string_view s);
// The id a name reservation points at (empty when there is none or it is not a link).
std::string name_owner(const StoreConfig& s, const std::string& name);
// Every name reserved for `id` (a walk of the names directory: for damaged records only).
std::vector<std::string> names_of(const StoreConfig& s, const std::string& id);

// A fresh temporary file name in `root`'s temporary directory, which is made if missing.
Result<std::string> tmp_file(const std::string& root);
// Unlinks the temporary files in `root`'s temporary directory whose writer is gone.
void sweep_tmp(const std::string& root);

// If the container `id` has no directory and nobody holds its lock, what its killed creator or
// remover left (staging, trash and run-time directories, cgroups it recorded, the lock file) is
// removed. True when `id` is no container now (swept, or nothing was there).
bool sweep_if_stale(const StoreConfig& s, const std::string& id);
// The reservation of `name` points at `owner`: if that is stale (no container and nobody at work
// on it, or a container of another name whose rename was cut short), it is removed and true is
// returned; false while it is held for real.
bool take_stale_name(const StoreConfig& s, const std::string& name, const std::string& owner);

}  // namespace skiff::storage::paths
