// Copying a stored image out: its layers (reused where the destination has a known blob of them,
// else exported, compressed and written), its config (rewritten when an export's diff id differs
// from the layer's own) and a manifest. Destinations: a registry (push.cpp), directories that become
// archives (save.cpp). Private to the engine.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/push.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/registry.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

// A blob on its way to a destination: bytes go in as a sink; commit names them once the digest is
// known. Destroying an uncommitted upload abandons it.
class BlobUpload : public storage::ByteSink {
public:
    virtual Result<void> commit(const std::string& digest, uint64_t size) = 0;
};

enum class BlobKind { kLayer, kConfig };

class ImageDestination {
public:
    virtual ~ImageDestination() = default;
    // Makes a known blob present if the destination already has it, or can get it without its
    // bytes (a cross-repository mount). False: it must be written.
    virtual Result<bool> reuse(const storage::LayerBlob& blob) = 0;
    // True when a blob with this digest is there already.
    virtual Result<bool> has(const std::string& digest, BlobKind kind) = 0;
    virtual Result<std::unique_ptr<BlobUpload>> upload(BlobKind kind) = 0;
    // "host/repository" for a registry (recorded with exported blobs); empty otherwise.
    virtual std::string repository() const { return {}; }
    // Whether a layer may stay in `c` when the caller did not force a compression.
    virtual bool accepts(storage::Compression c) const = 0;
};

enum class ManifestFormat { kOci, kDocker };

struct CopyOptions {
    // Unset: the stored manifest's kind (OCI when there is none). The stored manifest's bytes are
    // kept whenever they still describe the blobs copied, so its digest stays the same.
    std::optional<ManifestFormat> format;
    storage::Compression compression = storage::Compression::kGzip;
    int compression_level = -1;
    bool force_compression = false;     // reuse only blobs in exactly `compression`
    int jobs = 6;
};

struct CopiedImage {
    std::string config;               // bytes (rewritten when diff ids changed)
    std::string config_digest;
    std::string manifest;             // bytes
    std::string manifest_media_type;
    std::string manifest_digest;
    std::vector<oci::Descriptor> layers;
    std::vector<std::string> diff_ids;  // of the layers as written (the config's)
};

// Copy every layer and the config of `image` to `dest` and build the manifest (not written: the
// caller's destination decides where it goes).
Result<CopiedImage> copy_image(const storage::StoreConfig& store, const storage::ImageRecord& image,
                               ImageDestination& dest, const CopyOptions& opts, PushProgress& progress);

// Counts what it passes on.
class Counting : public PushProgress {
public:
    explicit Counting(PushProgress& next) : next_(next) {}
    void blob_skipped(const std::string& d) override {
        skipped++;
        next_.blob_skipped(d);
    }
    void blob_written(const std::string& d) override {
        written++;
        next_.blob_written(d);
    }
    void config(const std::string& d) override { next_.config(d); }
    void writing_manifest() override { next_.writing_manifest(); }
    std::atomic<size_t> written{0}, skipped{0};

private:
    PushProgress& next_;
};

// push to "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]", "docker-archive:FILE[:REF]" or "dir:DIR" (save.cpp).
Result<PushedImage> push_to_transport(const storage::StoreConfig& store, const storage::ImageRecord& image,
                                      const std::string& destination, const PushOptions& opts, PushProgress& progress);

// A manifest list pushed to a registry: each of `images` is pushed to `destination`'s repository
// under its manifest's digest, each of `remote` (registry references by digest) copied there from
// its registry as it is unless the repository has it, then the list `make_list` returns (bytes and
// media type, built from what each push of `images` wrote, in their order) under the
// destination's tag. Returns the list's digest.
using ListBuilder = std::function<Result<std::pair<std::string, std::string>>(const std::vector<CopiedImage>&)>;
Result<std::string> push_list_to_registry(const storage::StoreConfig& store, const std::vector<storage::ImageRecord>& images,
                                          const std::vector<oci::Reference>& remote,
                                          const std::string& destination, const CopyOptions& copy,
                                          const oci::RegistryAccess& access, PushProgress& progress,
                                          const ListBuilder& make_list);

// "oci", "v2s2" (or "docker"), or empty for none; v2s1 is refused.
Result<std::optional<ManifestFormat>> parse_manifest_format(const std::string& s);

// The compression a layer media type names (gzip, zstd, or none for a plain tar).
storage::Compression media_type_compression(std::string_view media_type);

}  // namespace skiff::engine
