// The image store: image records, their names, and the operations that create and remove them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

struct ImageRecord {
    std::string id;                  // hex of the config digest (64 chars)
    std::vector<std::string> names;  // fully qualified: "localhost/demo:latest"
    std::string digest;              // manifest digest "sha256:…", empty if none
    std::string created;             // RFC 3339, from the config
    uint64_t size = 0;               // bytes of the unpacked layers
    oci::ImageConfig config;         // parsed config; config.diff_ids are the layers, bottom first
};

// Look an image up by name ("demo", "demo:tag", "localhost/demo:tag"), full id or unique id prefix.
// Not found: an error "IMAGE: image not known" with exit code 125.
Result<ImageRecord> find_image(const StoreConfig& store, std::string_view name_or_id);

// All images, newest first.
Result<std::vector<ImageRecord>> list_images(const StoreConfig& store);

// Host directories of an image's unpacked layers, topmost first (overlay lowerdir order).
Result<std::vector<std::string>> layer_dirs(const StoreConfig& store, const ImageRecord& image);

}  // namespace skiff::storage
