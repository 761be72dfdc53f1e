// Container operations that need no runtime: list, and remove (with force, stopping first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

// Running containers only, unless `all`.
Result<std::vector<storage::Container>> list_containers(const storage::StoreConfig& store, bool all);

struct RemoveResult {
    std::string input;  // what the user named
    std::string id;
    Error error;        // error.message empty on success
    bool not_found = false;
    bool running = false;
};

// `rm`: each name or id; with `force`, running containers are killed first; with `all`, every
// container (names then ignored); with `volumes`, the anonymous volumes of each removed container
// too. One result per container, in order.
std::vector<RemoveResult> remove_containers(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                            bool force, bool all, bool ignore_missing, bool volumes = false);

// `rename`: the container named by `name_or_id` gets `new_name`, under its lock.
Result<void> rename_container(const storage::StoreConfig& store, const std::string& name_or_id, const std::string& new_name);

// `ps --size`: the bytes the container wrote (its overlay upper directory; its whole copy with
// vfs) and that plus its image's size, as podman's SizeRw and SizeRootFs.
struct ContainerSize {
    uint64_t rw = 0;
    uint64_t root_fs = 0;
};
Result<ContainerSize> container_size(const storage::StoreConfig& store, const storage::Container& c);

// `container prune`: every container that is not running, removed. Returns their ids.
Result<std::vector<std::string>> prune_containers(const storage::StoreConfig& store);

}  // namespace skiff::engine
