// Image archives read into the store in one pass: an oci-archive (as `skopeo copy … oci-archive:` and
// `podman save --format oci-archive` write it) or a docker-archive (as `podman save` and `docker save`
// write it, several images included), plain or compressed. Layers are unpacked as they stream past;
// configs, manifests and indexes are verified against their digests, layers against the configs'
// diff ids. A failure leaves no image and no layer that it created.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

struct LoadedImage {
    std::string id;
    std::vector<std::string> names;  // normalised; empty when the archive named none
};

// Told what a load copies, image by image, as a pull's progress is: each layer (its digest, and
// whether the store had it already), the config's digest, then the image's record written.
struct ArchiveProgress {
    std::function<void(const std::string& digest, bool already_stored)> blob;
    std::function<void(const std::string& digest)> config;
    std::function<void()> manifest;
};

// `label` names the archive in errors (a file name, or "stdin").
Result<std::vector<LoadedImage>> load_image_archive(const StoreConfig& store, ByteSource& src, const std::string& label,
                                                    const ArchiveProgress& progress = {});

}  // namespace skiff::storage
