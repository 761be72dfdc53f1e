// The full copy the vfs driver makes of image layers, relative to directory descriptors and never
// following symbolic links. Private to the storage module.
#pragma once

#include <string>

#include "skiff/base/result.hpp"

namespace skiff::storage {

// Copy the layer tree `src` over the tree `dst` as overlay would show it: the source's whiteouts
// (char device 0/0) remove what they name from `dst`, an opaque source directory first empties its
// counterpart, and everything else is copied preserving owners, modes (set-id bits included),
// extended attributes, times and hard links (within this source). Regular file data is copied
// byte by byte (no reflinks): the copy shares nothing with the layer.
Result<void> apply_layer_copy(int src, int dst, const std::string& shown_src);

}  // namespace skiff::storage
