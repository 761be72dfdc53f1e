// Reading a file of a tree not to be trusted (a container's root, seen from the host) without
// following it out: the one way skiff reads container files from the host.
#pragma once

#include <cstddef>
#include <string>

#include "skiff/base/result.hpp"

namespace skiff::fs {

// The bound for a container's account files (/etc/passwd, /etc/group) read that way: 16 MiB.
inline constexpr size_t kMaxAccountFile = 16 << 20;

// The file `path` read whole, resolved beneath `rootfd` as if that were "/" (openat2 with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so no link leads out of it), opened O_NONBLOCK (a FIFO
// cannot hang the open); only a regular file of at most `max` bytes is read. Errors: the open's
// (ENOENT when missing); EINVAL for a file of another kind; EFBIG for a larger one.
Result<std::string> read_file_beneath(int rootfd, const std::string& path, size_t max);

}  // namespace skiff::fs
