// `system df`: what images, containers and volumes hold on disk, as podman counts it.
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

struct DiskUsage {
    struct Image {  // one per name an image has (an unnamed image: empty repository and tag)
        std::string repository, tag, id;
        int64_t created_ns = 0;
        uint64_t size = 0;
        uint64_t shared = 0;  // bytes of its layers that another image lists too
        size_t containers = 0;
    };
    struct Container {
        std::string id, image_id, name, status;
        std::vector<std::string> command;
        size_t volumes = 0;  // named and anonymous volumes it mounts
        uint64_t rw = 0;     // bytes it wrote
        int64_t created_ns = 0;
        bool running = false;
    };
    struct Volume {
        std::string name;
        size_t links = 0;  // containers that mount it
        uint64_t size = 0;
    };
    std::vector<Image> images;
    std::vector<Container> containers;
    std::vector<Volume> volumes;
};

Result<DiskUsage> disk_usage(const storage::StoreConfig& store);

Result<SystemPruneReport> prune_system(const storage::StoreConfig& store, const SystemPruneOptions& opts);

}  // namespace skiff::engine
