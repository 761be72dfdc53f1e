// Named volumes for containers: made when a container that mounts them is created, filled once from
// the image, kept from removal while a container uses them, and `skiff volume`'s operations.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/store.hpp"
#include "skiff/storage/volumes.hpp"

namespace skiff::engine {

// The host path a mount's source is: a volume's data directory, or the bind mount's own path.
std::string mount_host_path(const storage::StoreConfig& store, const MountConfig& m);
// Create the volumes the container mounts that do not exist yet (its anonymous ones anonymous).
Result<void> make_volumes(const storage::StoreConfig& store, const ContainerConfig& config);
// Remove the anonymous volumes the container mounts (rm -v, --rm); best effort, as podman.
void remove_anonymous_volumes(const storage::StoreConfig& store, const ContainerConfig& config);
// Before a container starts: a volume not filled yet gets what the image has at its mount point
// (files, owners, modes, and the directory's own owner and mode) when the volume is empty and the
// image has files there, as podman's copy-up; on its first mount, an empty directory there still
// gives it its owner and mode.
// `spec.root` must be set.
// A volume with driver options (type, device, o) gets its device mounted on its data directory
// instead, as podman's local driver, and keeps it while a container that uses it runs.
Result<void> populate_volumes(const storage::StoreConfig& store, const runtime::Spec& spec);
// After the container exits: each of its volumes with a device mounted is unmounted when no
// running container uses it any more. Best effort.
void release_volumes(const storage::StoreConfig& store, const ContainerConfig& config);

// `volume create`: a volume NAME (a random one when empty) with `labels` and the local driver's
// `options` (checked as podman: keys type, device, o; a bind's device must exist), under the
// volumes' lock; with `ignore`, one that exists already is no error. Returns its name.
Result<std::string> create_volume(const storage::StoreConfig& store, const std::string& name,
                                  const std::map<std::string, std::string>& labels,
                                  const std::map<std::string, std::string>& options, bool ignore);
// `volume export`: the volume's files as a tar stream, into `output` ("" or "-": standard output).
Result<void> export_volume(const storage::StoreConfig& store, const std::string& name, const std::string& output);
// `volume import`: a tar stream ("-": standard input) unpacked into the volume.
Result<void> import_volume(const storage::StoreConfig& store, const std::string& name, const std::string& source);
// `volume exists`: whether it does; an error other than its absence is an error.
Result<bool> volume_exists(const storage::StoreConfig& store, const std::string& name);
// `volume inspect`: each volume named, in order.
Result<storage::Volume> find_volume(const storage::StoreConfig& store, const std::string& name);
// Every volume, unfiltered (`volume inspect --all`, `volume rm --all`).
Result<std::vector<storage::Volume>> all_volumes(const storage::StoreConfig& store);

// The ids of the containers whose options mount volume `name`.
Result<std::vector<std::string>> volume_users(const storage::StoreConfig& store, const std::string& name);
// `volume rm`: refused while a container uses it (code EBUSY), unless `force`, which removes those
// containers (a running one stopped as `stop -t stop_timeout`; unset: killed at once).
Result<void> remove_volume(const storage::StoreConfig& store, const std::string& name, bool force,
                           std::optional<int> stop_timeout = std::nullopt);
// `volume ls --filter`: podman's keys name= (a regular expression found in the name), label=KEY[=VALUE],
// dangling=true|false (no container uses it), driver=local; OR within a key, AND across keys.
Result<std::vector<storage::Volume>> list_volumes(const storage::StoreConfig& store, const std::vector<std::string>& filters);
// What `volume prune` would remove now (its confirmation lists them).
Result<std::vector<std::string>> prunable_volumes(const storage::StoreConfig& store, const std::vector<std::string>& labels);
// `volume prune`: every volume no container uses, removed (those matching `labels`, if any: label
// KEY or KEY=VALUE). Returns their names.
Result<std::vector<std::string>> prune_volumes(const storage::StoreConfig& store, const std::vector<std::string>& labels);

}  // namespace skiff::engine
