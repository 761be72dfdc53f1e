// Reading and writing cgroup interface files. Writes use O_WRONLY|O_TRUNC without O_CREAT: a
// cgroupfs file is never created by writing, and a plain file in a test fixture behaves the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/runtime/cgroups.hpp"

namespace skiff::runtime::cgfile {

// Writes `value` to `dir`/`name`: "write 20 to /sys/fs/cgroup/pids/x/pids.max: Invalid argument".
Result<void> write(const std::string& dir, std::string_view name, std::string_view value);
// The file's content without surrounding white space.
Result<std::string> read(const std::string& dir, std::string_view name);
bool exists(const std::string& dir, std::string_view name);
// The words of a space-separated list file (cgroup.controllers); missing file: none.
std::vector<std::string> words(const std::string& dir, std::string_view name);
// "key value" lines (memory.events, cpu.stat, memory.oom_control): the value of `key`.
std::optional<uint64_t> keyed(std::string_view text, std::string_view key);
std::optional<uint64_t> to_u64(std::string_view text);
// The directory of the v1 hierarchy holding `controller`; empty when it is not a v1 controller here.
std::string v1_dir(const CgroupPaths& paths, std::string_view controller);

}  // namespace skiff::runtime::cgfile
