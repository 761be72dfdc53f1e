// Tree operations relative to directory descriptors, never following symbolic links: removal, and the
// full copy the vfs driver makes of image layers. Private to the storage module.
#pragma once

#include <string>

#include "skiff/base/result.hpp"

namespace skiff::storage {

// Remove `name` under `dirfd` (a whole tree if it is a directory). Missing is success.
Result<void> remove_tree_at(int dirfd, const std::string& name);

// Copy the layer tree `src` over the tree `dst` as overlay would show it: the source's whiteouts
// (char device 0/0) remove what they name from `dst`, an opaque source directory first empties its
// counterpart, and everything else is copied preserving owners, modes (set-id bits included),
// extended attributes, times and hard links (within this source). Regular file data is copied
// byte by byte (no reflinks): the copy shares nothing with the layer.
Result<void> apply_layer_copy(int src, int dst, const std::string& shown_src);

}  // namespace skiff::storage
