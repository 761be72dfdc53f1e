// Push and save: a stored image out to a registry or into an archive or directory.
//
// Layers are exported from their unpacked trees (storage/layer_export.hpp) unless the destination
// already has, or can mount, a blob recorded for them (the one they were pulled in, or one an
// earlier push made): a second push of the same image uploads nothing. The manifest goes last.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/registry.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

// What the caller hears, in podman's order. Calls may come from several threads.
class PushProgress {
public:
    virtual ~PushProgress() = default;
    virtual void blob_skipped(const std::string& /*digest*/) {}  // the destination has it
    virtual void blob_written(const std::string& /*digest*/) {}
    virtual void config(const std::string& /*digest*/) {}
    virtual void writing_manifest() {}
    // A manifest list's push: `count` of its `entries` images are copied, each announced, then the list.
    virtual void list_start(size_t /*count*/, size_t /*entries*/) {}
    virtual void image_start(const std::string& /*digest*/, size_t /*n*/, size_t /*count*/) {}
    virtual void image_done() {}
    virtual void writing_list() {}
};

struct PushOptions {
    std::optional<storage::Compression> compression;  // --compression-format; unset: gzip for new blobs
    int compression_level = -1;                       // --compression-level; -1: the format's default
    bool force_compression = false;                   // --force-compression
    std::string format;                               // --format: "", "oci" or "v2s2"
    int jobs = 6;
    std::string digestfile;                           // --digestfile: where the manifest digest goes
};

struct PushedImage {
    std::string manifest_digest;
    size_t blobs_written = 0;
    size_t blobs_skipped = 0;
};

// Push the stored image `image` (name or id) to `destination`: "docker://REF", a reference
// ("host/repo:tag"), "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]", "docker-archive:FILE[:REF]" or
// "dir:DIR". An empty destination pushes to the image's own name.
Result<PushedImage> push(const storage::StoreConfig& store, const std::string& image, const std::string& destination,
                         const PushOptions& opts, const oci::RegistryAccess& access, PushProgress& progress);

enum class SaveFormat { kDockerArchive, kOciArchive, kOciDir, kDockerDir };

// "docker-archive", "oci-archive", "oci-dir", "docker-dir".
Result<SaveFormat> parse_save_format(std::string_view s);

struct SaveOptions {
    SaveFormat format = SaveFormat::kDockerArchive;
    bool multi_image = false;  // -m: every name an image (docker-archive only); else extra names are tags
    bool compress = false;     // --compress: gzip layers in docker-dir
    bool uncompressed = false; // --uncompressed: plain tar layers in oci-archive and oci-dir
};

// Write the images `names` to `output`: a file (archives; written beside it and renamed into place),
// a directory (the -dir formats; created, must be empty or absent), or, when `output` is empty,
// standard output (archives only).
Result<void> save(const storage::StoreConfig& store, const std::vector<std::string>& names, const std::string& output,
                  const SaveOptions& opts, PushProgress& progress);

}  // namespace skiff::engine
