// Named volumes: directories under --root that outlive containers, as podman's "local" driver has
// them. volumes/<name>/_data is what a container mounts; volumes/<name>/volume.json describes it.
// A volume is made whole in volumes/.staging-* and published by rename, removed by renaming it aside
// first: a killed skiff never leaves a half volume under its name.
// Lock: locks/volumes (under --runroot), held while volumes are made, filled or removed. It may be
// taken while a container's lock is held (a start fills its volumes), never the other way round.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

struct Volume {
    std::string name;
    std::string mountpoint;  // volumes/<name>/_data
    int64_t created_ns = 0;
    bool anonymous = false;  // made for one container's `-v /path`; removed with it by rm -v and --rm
    bool populated = false;  // the image's files at a mount point were copied in (once; podman's !NeedsCopyUp)
    bool mounted = false;    // a container has mounted it (podman's !NeedsChown); records without it: populated
    std::map<std::string, std::string> labels;
    // The local driver's options (`volume create -o KEY=VALUE`): type, device and o say what is
    // mounted on the data directory while containers use it (volume_mounts_device).
    std::map<std::string, std::string> options;
};

// Whether the volume's data directory is a mount of its own (options type, device or o).
bool volume_mounts_device(const Volume& v);

bool valid_volume_name(std::string_view name);  // [a-zA-Z0-9][a-zA-Z0-9_.-]*, as podman
std::string volumes_dir(const StoreConfig& s);  // --volumepath, else --root/volumes
std::string volume_data_dir(const StoreConfig& s, const std::string& name);
// The volume whose data directory `path` is, or "" (a host path).
std::string volume_named_by(const StoreConfig& s, std::string_view path);

Result<FileLock> lock_volumes(const StoreConfig& s);
// Make a volume; an existing one of that name is an error (`missing` false, code EEXIST). Hold
// lock_volumes() around create and remove.
Result<Volume> create_volume(const StoreConfig& s, const std::string& name, bool anonymous,
                             const std::map<std::string, std::string>& labels,
                             const std::map<std::string, std::string>& options = {});
Result<Volume> find_volume(const StoreConfig& s, const std::string& name);  // `missing` when absent
Result<std::vector<Volume>> list_volumes(const StoreConfig& s);             // by name
// Unmounts what is mounted on its data directory first.
Result<void> remove_volume(const StoreConfig& s, const std::string& name);
Result<void> mark_volume_populated(const StoreConfig& s, const Volume& v);  // populated and mounted
Result<void> mark_volume_mounted(const StoreConfig& s, const Volume& v);

}  // namespace skiff::storage
