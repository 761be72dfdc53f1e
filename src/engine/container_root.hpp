// A descriptor of a container's root file system for the host's own use (cp, export). Private to
// the engine.
#pragma once

#include <memory>

#include "skiff/base/fd.hpp"
#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

struct ContainerRoot {
    unique_fd fd;                  // O_PATH, the root directory
    bool running = false;          // fd is the running process's root (its mounts included)
    std::unique_ptr<FileLock> lock;  // held while a stopped container's root is mounted here
};

// The image a container was made from; a --rootfs container has none (an empty record: no layers,
// an empty configuration).
Result<storage::ImageRecord> image_of(const storage::StoreConfig& store, const storage::Container& c);

// The container's root file system as it stands (made if it never started), for the host's use:
// its image's layers under its own upper directory, or its --rootfs directory.
Result<storage::RootfsMount> container_rootfs(const storage::StoreConfig& store, const storage::Container& c,
                                              const ContainerConfig& config);

// A running container: its process's root (/proc/PID/root, checked to be that process's). Any other:
// its root file system mounted detached (see runtime/detached_root.hpp) under the container's lock,
// so that it cannot start meanwhile; a container that never started gets its directories first.
Result<ContainerRoot> open_container_root(const storage::StoreConfig& store, const std::string& name_or_id,
                                          storage::Container* found = nullptr);

}  // namespace skiff::engine
