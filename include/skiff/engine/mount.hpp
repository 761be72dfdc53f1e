// `skiff mount`/`unmount` and `skiff image mount`/`unmount`: a container's or an image's root file
// system mounted on the host for its users, counted as podman's storage counts it: as many
// unmounts as mounts take it away, or one forced unmount. A container started while mounted uses
// the same mount (storage/rootfs.hpp has where it lives and its count).
#pragma once

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct MountedRoot {
    std::string id;
    std::vector<std::string> names;  // an image's names (a container's is its name)
    std::string path;
};

// Mount (or count one more mount of) a container's root file system; returns where it is.
Result<std::string> mount_container(const storage::StoreConfig& store, const std::string& name_or_id);
// Undo one mount (every one with `force`). Returns the container's id.
Result<std::string> unmount_container(const storage::StoreConfig& store, const std::string& name_or_id, bool force);
// The containers mounted now, newest first.
Result<std::vector<MountedRoot>> mounted_containers(const storage::StoreConfig& store);
// Where the container's root is mounted on the host, or "" when it is not.
std::string container_host_root(const storage::StoreConfig& store, const std::string& id);

// The same for images: their layers, read-only.
Result<std::string> mount_image(const storage::StoreConfig& store, const std::string& name_or_id);
// Returns the image's id, or "" when it was not mounted (nothing to do, as podman).
Result<std::string> unmount_image(const storage::StoreConfig& store, const std::string& name_or_id, bool force);
Result<std::vector<MountedRoot>> mounted_images(const storage::StoreConfig& store);

// At a start, for `--mount type=image`: each image mounted as `image mount` mounts it (one more
// mount counted, as podman's), and the spec's mount of it (type "image", see runtime_mounts) made
// a bind of that, or with rw an overlay on it whose upper directory is the container's own.
Result<void> mount_container_images(const storage::StoreConfig& store, const std::string& container_id,
                                    runtime::Spec& spec);
// After the container exits: one mount of each of its images undone. Best effort.
void release_container_images(const storage::StoreConfig& store, const ContainerConfig& config);

}  // namespace skiff::engine
