// Typed OCI image manifests and indexes (and docker's schema 2 equivalents, which share their shape),
// plus the manifest.json of a docker-archive. Parsing never depends on a transport; digests are
// computed by callers over the bytes they received.
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
inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;
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
};

bool is_index_media_type(std::string_view media_type);
bool is_manifest_media_type(std::string_view media_type);

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
