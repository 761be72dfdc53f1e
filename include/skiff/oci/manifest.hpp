// Typed OCI image manifests and indexes (and docker's schema 2 equivalents, which share their shape),
// what kind of manifest a source's bytes are, plus the manifest.json of a docker-archive. Parsing
// never depends on a transport; digests are computed by callers over the bytes they received.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::oci {

// The largest manifest or index read from any source (a registry, a layout, an archive): 4 MiB.
inline constexpr size_t kMaxManifestBytes = 4 << 20;

inline constexpr std::string_view kMediaTypeImageManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeImageIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeImageConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kMediaTypeLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kMediaTypeLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kMediaTypeLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kMediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kMediaTypeDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kMediaTypeDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kMediaTypeDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kMediaTypeDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kMediaTypeDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

// A manifest or index as a source sent it (a registry, a layout directory).
struct ManifestBytes {
    std::string bytes;       // exactly as sent: digests are computed over these
    std::string media_type;  // the type the source declared (a Content-Type, an index entry's); may be empty
    std::string digest;      // "sha256:…" the bytes hash to, as the source gives it (checked by the puller)
};

struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;
    std::string os_version;                 // "os.version"
    std::vector<std::string> os_features;   // "os.features"
    std::vector<std::string> features;      // docker's manifest lists only
};

struct Descriptor {
    std::string media_type;
    std::string digest;  // "sha256:…", validated
    int64_t size = 0;
    std::map<std::string, std::string> annotations;
    Platform platform;  // only meaningful inside an index
};

struct Manifest {
    int schema_version = 2;
    std::string media_type;  // may be empty in OCI manifests
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;
};

struct Index {
    int schema_version = 2;
    std::string media_type;
    std::vector<Descriptor> manifests;
    std::map<std::string, std::string> annotations;  // OCI indexes only
};

bool is_index_media_type(std::string_view media_type);     // OCI index, docker manifest list
bool is_manifest_media_type(std::string_view media_type);  // OCI image manifest, docker schema 2
bool is_layer_media_type(std::string_view media_type);     // OCI and docker layers, nondistributable too

// The media type of a manifest's bytes: the JSON's own mediaType, else the declared one (its
// parameters dropped), else inferred from its shape ("manifests" → OCI index, "layers" and
// "config" → OCI manifest); a generic declared type (application/json…) counts as none. One of
// the index or manifest types above; docker schema 1 and any other type are errors.
Result<std::string> manifest_kind(const ManifestBytes& m);

// The manifest describes a container image: its config's media type is an image config's, each
// layer's a layer's, and every digest is well formed. `digest` names the manifest in messages.
Result<void> check_image_manifest(const Manifest& m, const std::string& digest);

Result<Manifest> parse_manifest(std::string_view json);
std::string serialize_manifest(const Manifest& m);
Result<Index> parse_index(std::string_view json);
std::string serialize_index(const Index& idx);

// One image of a docker-archive's manifest.json: paths inside the archive.
struct DockerArchiveImage {
    std::string config;                  // "<hex>.json"
    std::vector<std::string> repo_tags;  // "localhost/x:latest"
    std::vector<std::string> layers;     // "<hex>.tar" or "<id>/layer.tar", bottom first
};

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view json);

}  // namespace skiff::oci
