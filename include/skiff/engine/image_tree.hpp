// image tree: the layers of the store's images as one graph, the way containers/storage names and
// links them, so that `image tree` shows podman's layer ids. A layer's id is its diff id's hex for
// an image's first layer, and sha256("PARENT+DIFFHEX") for each one above, so images that share
// their lower layers share those nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct LayerNode {
    std::string id;                   // 64 hex digits
    uint64_t size = 0;                // bytes of the layer's tar stream
    std::optional<size_t> parent;     // index in LayerGraph::nodes
    std::vector<size_t> children;     // in the order the images are stored
    std::vector<std::string> top_of;  // the tagged names of the images whose top layer this is
};

struct LayerGraph {
    storage::ImageRecord image;  // the image asked about
    std::vector<std::string> tags;  // its tagged names (no digest references)
    std::vector<LayerNode> nodes;   // every image's layers
    std::optional<size_t> top;      // the image's top layer; none for an image without layers
};

// The graph of every stored image's layers, and `image`'s place in it.
Result<LayerGraph> layer_graph(const storage::StoreConfig& store, const std::string& image);

}  // namespace skiff::engine
