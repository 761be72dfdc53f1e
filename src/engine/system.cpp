#include "skiff/engine/system.hpp"

#include <map>
#include <tuple>

#include "skiff/engine/containers.hpp"
#include "skiff/engine/image_filter.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

namespace {

// "host/repo:tag" → {"host/repo", "tag"}; a digest reference keeps its digest as the tag's place.
std::pair<std::string, std::string> split_name(const std::string& name) {
    auto at = name.find('@');
    if (at != std::string::npos) return {name.substr(0, at), "<none>"};
    auto colon = name.rfind(':');
    if (colon == std::string::npos || name.find('/', colon) != std::string::npos) return {name, "latest"};
    return {name.substr(0, colon), name.substr(colon + 1)};
}

Result<std::vector<DiskUsage::Image>> image_usage(const storage::StoreConfig& store) {
    auto images = TRY(storage::list_images(store));
    std::map<std::string, int> layer_users;
    for (auto& img : images)
        for (auto& d : img.config.diff_ids) ++layer_users[d];
    std::vector<DiskUsage::Image> out;
    for (auto& img : images) {
        DiskUsage::Image row{"", "", img.id, img.created_ns, img.size, 0, containers_using(store, img.id)};
        for (auto& d : img.config.diff_ids) {
            auto info = storage::layer_info(store, d);
            if (layer_users[d] > 1 && info.ok()) row.shared += info->size;
        }
        if (img.names.empty()) out.push_back(row);
        for (auto& name : img.names) {
            std::tie(row.repository, row.tag) = split_name(name);
            out.push_back(row);
        }
    }
    return out;
}

}  // namespace

Result<DiskUsage> disk_usage(const storage::StoreConfig& store) {
    DiskUsage du;
    du.images = TRY(image_usage(store));
    std::map<std::string, size_t> links;
    for (auto& c : TRY(list_containers(store, true))) {
        DiskUsage::Container row;
        row.id = c.id;
        row.image_id = c.image_id;
        row.name = c.name;
        row.status = storage::state_name(c.state);
        row.running = c.state == storage::ContainerState::kRunning;
        row.command = c.command;
        row.created_ns = c.created_ns;
        if (!c.config.empty()) {
            auto names = volume_names(TRY(config_of(c)));
            row.volumes = names.size();
            for (auto& n : names) ++links[n];
        }
        auto size = container_size(store, c);
        if (size.ok()) row.rw = size->rw;
        du.containers.push_back(std::move(row));
    }
    for (auto& v : TRY(all_volumes(store))) {
        du.volumes.push_back({v.name, links[v.name], TRY(tree_size(v.mountpoint))});
    }
    return du;
}

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
