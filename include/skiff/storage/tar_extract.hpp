// A plain tar stream (not a layer) unpacked under a directory, as `cp - CONTAINER:DIR` does: every
// name is resolved beneath the directory with *at() calls, never through a symbolic link, so an
// entry cannot land outside it. `.wh.` names are ordinary files here.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>

#include "skiff/base/idmap.hpp"
#include "skiff/base/result.hpp"

namespace skiff::storage {

struct ExtractOptions {
    // Owner of every entry (host ids); when unset, each entry's own, mapped through `ids`.
    std::optional<std::pair<uid_t, gid_t>> owner;
    IdMap ids = IdMap::identity();
    bool overwrite = false;  // let a directory and a non-directory replace each other
};

// Read a tar stream (gzip, zstd, xz or bzip2 compressed, or not) from `in_fd` and write its entries
// under `dirfd`. `shown` names the destination in errors; a stream that is no (compressed) tar
// archive is an error with code EILSEQ.
Result<void> extract_tar(int in_fd, int dirfd, const std::string& shown, const ExtractOptions& opts);

}  // namespace skiff::storage
