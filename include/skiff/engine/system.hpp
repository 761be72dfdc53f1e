// `system prune`: podman's — stopped containers, then unused volumes (when asked), then unused
// images (dangling ones, or every unused one with `all`), then every layer no image lists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct SystemPruneOptions {
    bool all = false;      // every image no container uses, not only dangling ones
    bool volumes = false;  // unused volumes too
};

struct SystemPruneReport {
    std::vector<std::string> containers;  // ids
    std::vector<std::string> volumes;     // names
    std::vector<std::string> images;      // ids
    uint64_t reclaimed = 0;               // bytes: the removed images' sizes
};

Result<SystemPruneReport> prune_system(const storage::StoreConfig& store, const SystemPruneOptions& opts);

}  // namespace skiff::engine
