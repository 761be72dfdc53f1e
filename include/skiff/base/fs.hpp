// File-system helpers built on the wrappers: whole-file reads, atomic writes, trees.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::fs {

enum class Durability { kFsync, kNoSync };

Result<std::string> read_file(const std::string& path);
// Write to "<path>.tmp-<pid>", optionally fsync, rename over `path`; the directory is fsynced
// too with kFsync. Readers see the old content or the new, never a half-written file.
Result<void> write_file_atomic(const std::string& path, std::string_view data,
                               Durability d = Durability::kFsync, unsigned mode = 0644);
// The same through the temporary file `tmp` (on the same file system): for a store that keeps its
// temporary files where a crashed writer's leftovers can be found without a walk.
Result<void> write_file_atomic_via(const std::string& tmp, const std::string& path, std::string_view data,
                                   Durability d, unsigned mode);
Result<void> mkdir_p(const std::string& path, unsigned mode = 0755);
// Remove a tree without following symlinks and without crossing into other mounts.
Result<void> remove_all(const std::string& path);
Result<std::vector<std::string>> list_dir(const std::string& path);  // names, sorted; missing dir → empty
// The names in dirfd, "." and ".." left out, in byte order.
Result<std::vector<std::string>> list_names(int dirfd, const std::string& shown);
// Remove `name` under `dirfd` (a whole tree if it is a directory) with *at() calls, never following a
// link nor crossing into another mount. Missing is success.
Result<void> remove_tree_at(int dirfd, const std::string& name);
Result<void> fsync_dir(const std::string& path);
std::string join(std::string_view a, std::string_view b);
std::string dirname(std::string_view path);
std::string basename(std::string_view path);

}  // namespace skiff::fs
