// A container's root file system: an overlay of the image's layers with a per-container upper
// directory, or (driver vfs) a private copy. The mount itself is made by the runtime, inside the
// container's mount namespace, from the description returned here.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/lock.hpp"
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

// A root file system given as a directory (--rootfs PATH): PATH itself, bound; or with `overlay`
// (PATH:O) an overlay whose one lower layer is PATH and whose upper and work directories are under
// `container_dir`: made empty here when `fresh` (each start: what a run wrote is gone at the next,
// and PATH never changes), else kept as the last start left them (made if missing).
Result<RootfsMount> directory_rootfs(const std::string& path, bool overlay, const std::string& container_dir, bool fresh);

// An image's layers as one read-only tree: an overlay of its layers without an upper directory, or
// a read-only bind of its one layer (overlay wants two lower directories when it has no upper one).
// An image without layers gets `empty_dir`, made here.
Result<RootfsMount> image_rootfs(const StoreConfig& store, const ImageRecord& image, const std::string& empty_dir);

// Whether `path` is the root of a mount.
bool mounted_at(const std::string& path);
// Where a container whose ipc namespace others may join has its /dev/shm: a tmpfs mounted on the
// host in its run directory (podman's userdata/shm), which the containers joining it bind too.
std::string container_shm_dir(const StoreConfig& store, const std::string& id);

// A root file system mounted on the host for its users (`skiff mount`, `skiff image mount`) at
// DIR/merged, with the number of mounts not yet undone in DIR/mounts. DIR is under --runroot, which
// dies with the boot as the mount does. The caller holds the owner's lock (a container's, or
// lock_image_mount) around a count's read and its update.
struct HostMount {
    std::string dir;
    std::string path() const { return dir + "/merged"; }
};
HostMount container_host_mount(const StoreConfig& store, const std::string& id);  // in its run directory
HostMount image_host_mount(const StoreConfig& store, const std::string& id);      // --runroot/images/<id>
Result<FileLock> lock_image_mount(const StoreConfig& store, const std::string& id);
// The ids of the images with a host mount directory (mounted or left from one).
Result<std::vector<std::string>> image_host_mount_ids(const StoreConfig& store);
// How many mounts are not undone; 0 when nothing is mounted at path() (whatever the file says).
int host_mount_count(const HostMount& m);
Result<void> set_host_mount_count(const HostMount& m, int count);
// Unmount path() (lazily: a process still in it keeps its view) and forget the count; nothing
// mounted is no error.
Result<void> unmount_host(const HostMount& m);

}  // namespace skiff::storage
