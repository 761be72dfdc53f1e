// The store's images as one layer graph with containers/storage's layer ids.
#include "skiff/engine/image_tree.hpp"

#include <algorithm>
#include <map>

#include "skiff/engine/images.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

Result<LayerGraph> layer_graph(const storage::StoreConfig& store, const std::string& image) {
    LayerGraph g;
    g.image = TRY(storage::find_image(store, image));
    g.tags = repo_tags(g.image);
    auto images = TRY(storage::list_images(store));
    // Oldest first, as containers/storage lists its layers and images.
    std::reverse(images.begin(), images.end());
    std::map<std::string, size_t> index;  // layer id → node
    std::map<std::string, uint64_t> sizes;  // diff id → size, read once
    for (const storage::ImageRecord& img : images) {
        std::optional<size_t> parent;
        for (const std::string& diff_id : img.config.diff_ids) {
            std::string hex = TRY(oci::parse_digest(diff_id)).hex;
            std::string id = parent ? oci::sha256_of(g.nodes[*parent].id + "+" + hex).hex : hex;
            auto [it, added] = index.emplace(id, g.nodes.size());
            if (added) {
                auto size = sizes.find(diff_id);
                if (size == sizes.end()) {
                    auto info = storage::layer_info(store, diff_id);
                    size = sizes.emplace(diff_id, info ? info->size : 0).first;
                }
                g.nodes.push_back(LayerNode{id, size->second, parent, {}, {}});
                if (parent) g.nodes[*parent].children.push_back(it->second);
            }
            parent = it->second;
        }
        if (!parent) continue;
        auto& top_of = g.nodes[*parent].top_of;
        for (std::string& n : repo_tags(img))
            if (std::find(top_of.begin(), top_of.end(), n) == top_of.end()) top_of.push_back(std::move(n));
        if (img.id == g.image.id) g.top = parent;
    }
    return g;
}

}  // namespace skiff::engine
