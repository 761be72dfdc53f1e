#include "skiff/engine/system.hpp"

#include <map>

#include "skiff/engine/containers.hpp"
#include "skiff/engine/image_filter.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

Result<SystemPruneReport> prune_system(const storage::StoreConfig& store, const SystemPruneOptions& opts) {
    SystemPruneReport report;
    // Containers first: the images and volumes they used become unused.
    report.containers = TRY(prune_containers(store));
    if (opts.volumes) report.volumes = TRY(prune_volumes(store, {}));
    std::map<std::string, uint64_t> sizes;
    for (auto& img : TRY(storage::list_images(store))) sizes[img.id] = img.size;
    auto filter = TRY(ImageFilter::parse(store, {}));
    // prune_images also removes every layer no image lists (a killed pull's, say).
    report.images = TRY(prune_images(store, opts.all, filter));
    for (auto& id : report.images) report.reclaimed += sizes[id];
    return report;
}

}  // namespace skiff::engine
