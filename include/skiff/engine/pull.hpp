// Pull: an image from a source (a registry, an OCI layout directory) into the store. The flow is
// manifest or index (platform chosen) → config → every missing layer streamed straight into
// storage::unpack_layer, several at once → image record written last. Everything fetched is checked
// against its digest; a failure leaves no image and no layer that it created.
//
// The engine prints nothing: progress goes to a PullProgress the caller supplies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/oci/registry.hpp"
#include "skiff/storage/image_archive.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

inline constexpr int kDefaultPullJobs = 6;

// Where images come from. Implementations: a registry repository (the oci registry client), an OCI
// layout directory. Streams returned by open_blob must do no I/O before their first read, so that a
// layer another process is already unpacking is never fetched twice.
class ImageSource {
public:
    virtual ~ImageSource() = default;
    // The manifest or index named by `tag_or_digest` ("latest", "sha256:…"). At most
    // oci::kMaxManifestBytes bytes: a source refuses larger ones.
    virtual Result<oci::ManifestBytes> get_manifest(const std::string& tag_or_digest) = 0;
    // A small blob (a config) whole.
    virtual Result<std::string> get_blob(const oci::Descriptor& d) = 0;
    // A blob as a lazy stream.
    virtual Result<std::unique_ptr<storage::ByteSource>> open_blob(const oci::Descriptor& d) = 0;
    // "host/repository" of a registry source (recorded with its layers, so a push to the same
    // registry can mount them); empty for other sources.
    virtual std::string repository() const { return {}; }
};

// What the caller hears about a pull, in podman's order. Calls may come from several threads.
class PullProgress {
public:
    virtual ~PullProgress() = default;
    virtual void resolved(const std::string& /*reference*/) {}
    virtual void blob_start(const oci::Descriptor& /*layer*/, bool /*already_stored*/) {}
    virtual void blob_bytes(const std::string& /*digest*/, uint64_t /*n*/) {}
    virtual void blob_done(const std::string& /*digest*/) {}
    virtual void config(const std::string& /*digest*/) {}
    virtual void writing_manifest() {}
    virtual void storing_signatures() {}
};

// A load from an archive told as a pull's progress, image by image: each layer started and done at
// once, the config, the manifest written and the signatures stored.
storage::ArchiveProgress archive_progress(PullProgress& progress);

// The platform to pull and its --platform syntax are oci's; the CLI names them through the engine.
using PlatformChoice = oci::PlatformChoice;
using oci::parse_platform;

struct PullOptions {
    PlatformChoice platform;
    int jobs = kDefaultPullJobs;
    std::vector<std::string> names;  // names the image gets ("docker.io/library/x:latest")
};

struct PulledImage {
    std::string id;
    std::string manifest_digest;
    size_t layers_fetched = 0;
    size_t layers_reused = 0;
};

// Pull `tag_or_digest` from `src` into `store`.
Result<PulledImage> pull_image(const storage::StoreConfig& store, ImageSource& src, const std::string& tag_or_digest,
                               const PullOptions& opts, PullProgress& progress);

// An OCI image layout directory (as `skopeo copy … oci:DIR` and umoci write it) as a source.
// `tag_or_digest` names an index.json entry by its ref.name annotation, or a manifest by digest; an
// empty tag takes the only entry.
Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& dir);

// A repository of a registry as a source. Manifests and configs are read on the caller's thread;
// each layer stream makes its own connection on its first read, on a thread of its own feeding a
// storage::ByteQueue, so that layers download in parallel and a layer another process is unpacking is
// never fetched.
Result<std::unique_ptr<ImageSource>> open_registry(const oci::RegistryTarget& target, const oci::Reference& ref);

// Pull an image as the user names it: "oci:DIR[:REF]", "docker://REF", or a reference (short names
// resolved through registries.conf; each candidate, mirrors first, tried in turn until one works).
// opts.names is filled from the reference.
Result<PulledImage> pull(const storage::StoreConfig& store, const std::string& image, PullOptions opts,
                         const oci::RegistryAccess& access, PullProgress& progress);

enum class PullPolicy { kMissing, kAlways, kNever, kNewer };
// "missing", "always", "never", "newer" (podman also takes "ifmissing", "ifnewer", "true", "false").
Result<PullPolicy> parse_pull_policy(std::string_view s);

// The stored image `image` names, pulled first as `policy` says: missing → only when not stored;
// always → every time; newer → every time, but a stored image is used when the registry cannot be
// reached; never → never.
Result<storage::ImageRecord> ensure_image(const storage::StoreConfig& store, const std::string& image, PullPolicy policy,
                                          const PullOptions& opts, const oci::RegistryAccess& access,
                                          PullProgress& progress);

}  // namespace skiff::engine
