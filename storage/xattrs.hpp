// Helpers for reading trees relative to directory descriptors: extended attributes, and overlay's
// own attributes (trusted.overlay.* as root, user.overlay.* rootless). Private to the storage module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::storage {

// "/proc/self/fd/N/name": a path that reaches dirfd/name without resolving dirfd's own path.
std::string proc_path(int dirfd, const std::string& name);

bool is_overlay_xattr(std::string_view name);

// The value of overlay's attribute `what` ("opaque", "whiteout") on dirfd/name; nullopt when absent.
std::optional<std::string> overlay_attr(int dirfd, const std::string& name, const char* what);

// The names of path's extended attributes, overlay's own left out.
Result<std::vector<std::string>> xattr_names(const std::string& path, const std::string& shown);

// One attribute's value; nullopt when it has gone.
std::optional<std::string> xattr_value(const std::string& path, const std::string& key);

}  // namespace skiff::storage
