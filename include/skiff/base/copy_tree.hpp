// cp's copy of one entry (a whole tree when it is a directory) from under one directory descriptor
// to under another, with *at() calls only and never through a symbolic link: whatever either tree
// does while the copy runs (a directory swapped for a link to "/"), every step stays beneath the
// descriptors it started from.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>

#include "skiff/base/result.hpp"

namespace skiff::fs {

struct TreeCopyOptions {
    // Owner of every copy (ids as the destination's file system stores them); unset: the source's.
    std::optional<std::pair<uid_t, gid_t>> owner;
    // A directory and a non-directory replace each other (otherwise an error).
    bool overwrite = false;
    // How errors show the destination directory (dst_dir): "/tmp" shows dst_dir/foo as "/tmp/foo".
    // Empty: as "/" (the destination directory as the root, as podman shows a host's).
    std::string dest_shown;
};

// Copy src_dir/src_name to dst_dir/dst_name. `src_name` "." copies the directory src_dir itself.
// A directory already at the destination receives the source's entries (its own owner, mode and
// times are kept); a non-directory there is replaced. `shown` names the source in errors.
// Modes are given exactly (the umask is 0 while it runs, and restored).
Result<void> copy_tree(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                       const TreeCopyOptions& opts, const std::string& shown);

// Copy the opened regular file `src` (as `st` describes it) to dst_dir/dst_name.
Result<void> copy_open_file(int src, const struct stat& st, int dst_dir, const std::string& dst_name,
                            const TreeCopyOptions& opts, const std::string& shown);

}  // namespace skiff::fs
