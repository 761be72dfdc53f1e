// A container's root file system: an overlay of the image's layers with a per-container upper
// directory, or (driver vfs) a private copy. The mount itself is made by the runtime, inside the
// container's mount namespace, from the description returned here.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::storage {

struct RootfsMount {
    std::string type;                  // "overlay" or "bind"
    std::string source;
    std::vector<std::string> options;  // e.g. {"lowerdir=…", "upperdir=…", "workdir=…"} or {"rbind"}
    std::string target;                // an empty directory to mount on (container_dir + "/merged")
};

// Create the container's upper/work (or copy) under `container_dir` and describe the mount. With
// `disposable` (a container removed when it exits, --rm), overlay's upper layer is volatile, as
// podman mounts it: its unmount syncs nothing.
Result<RootfsMount> prepare_rootfs(const StoreConfig& store, const ImageRecord& image,
                                   const std::string& container_dir, bool disposable = false);

// The same description for a container whose directories prepare_rootfs already made, creating
// nothing; fails with ENOENT when they are missing (a container that never started). Never volatile;
// for a `disposable` container, the mark of its last (volatile) mount is cleared, which overlay
// would otherwise refuse.
Result<RootfsMount> existing_rootfs(const StoreConfig& store, const ImageRecord& image,
                                    const std::string& container_dir, bool disposable = false);

}  // namespace skiff::storage
