// What kind of manifest a source's bytes are, and whether a manifest is a container image's.
#include <catch2/catch.hpp>

#include "skiff/oci/manifest.hpp"

using namespace skiff;

namespace {

std::string digest_of(char c) { return "sha256:" + std::string(64, c); }

oci::Manifest image(std::string config_type, std::vector<std::string> layer_types) {
    oci::Manifest m;
    m.config = {std::move(config_type), digest_of('c'), 2, {}, {}};
    char c = 'a';
    for (auto& t : layer_types) m.layers.push_back({std::move(t), digest_of(c++), 10, {}, {}});
    return m;
}

std::string error_of(const Result<void>& r) { return r.ok() ? std::string() : r.error().message; }

}  // namespace

TEST_CASE("manifest_kind infers a missing mediaType and refuses schema 1 and unknown types") {
    auto kind = [](std::string bytes, std::string type = "") {
        return oci::manifest_kind(oci::ManifestBytes{bytes, type, ""});
    };
    CHECK(*kind(R"({"schemaVersion":2,"config":{},"layers":[]})") == oci::kMediaTypeImageManifest);
    CHECK(*kind(R"({"schemaVersion":2,"manifests":[]})") == oci::kMediaTypeImageIndex);
    CHECK(*kind(R"({"schemaVersion":2,"manifests":[]})", "application/json") == oci::kMediaTypeImageIndex);
    CHECK(*kind(R"({"schemaVersion":2,"config":{},"layers":[]})",
                "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8") == oci::kMediaTypeDockerManifest);
    auto s1 = kind(R"({"schemaVersion":1,"name":"x","fsLayers":[]})");
    REQUIRE_FALSE(s1.ok());
    CHECK(s1.error().message ==
          "manifest: Docker schema 1 images are not supported (deprecated, convert with a newer registry or tool)");
    auto signed_s1 = kind("{}", "application/vnd.docker.distribution.manifest.v1+prettyjws");
    REQUIRE_FALSE(signed_s1.ok());
    CHECK_THAT(signed_s1.error().message, Catch::Contains("schema 1"));
    auto unknown = kind(R"({"schemaVersion":2,"mediaType":"application/x-helm","config":{},"layers":[]})");
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::Contains("application/x-helm"));
    auto bad = kind("{\"schemaVersion\":2,");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("malformed"));
}

TEST_CASE("manifest_kind: the JSON's own mediaType wins over the declared one") {
    oci::ManifestBytes m{R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
                         std::string(oci::kMediaTypeDockerManifest), ""};
    CHECK(*oci::manifest_kind(m) == oci::kMediaTypeImageIndex);
    m.bytes = R"({"schemaVersion":2,"manifests":[]})";
    CHECK(*oci::manifest_kind(m) == oci::kMediaTypeDockerManifest);
    m.media_type = std::string(oci::kMediaTypeDockerManifestList);
    CHECK(*oci::manifest_kind(m) == oci::kMediaTypeDockerManifestList);
    auto neither = oci::manifest_kind({R"({"schemaVersion":2})", "", ""});
    REQUIRE_FALSE(neither.ok());
    CHECK(neither.error().message == "manifest: neither an image manifest nor an index");
}

TEST_CASE("check_image_manifest: an image's config and layers, OCI's or docker's") {
    CHECK(oci::check_image_manifest(image(std::string(oci::kMediaTypeImageConfig),
                                          {std::string(oci::kMediaTypeLayerGzip), ""}),
                                    "sha256:m")
              .ok());
    CHECK(oci::check_image_manifest(image(std::string(oci::kMediaTypeDockerConfig),
                                          {"application/vnd.docker.image.rootfs.diff.tar.gzip",
                                           "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"}),
                                    "sha256:m")
              .ok());
    CHECK(oci::check_image_manifest(image("", {}), "sha256:m").ok());

    CHECK(error_of(oci::check_image_manifest(image("application/vnd.cncf.helm.config.v1+json", {}), "sha256:m")) ==
          "manifest sha256:m: config media type \"application/vnd.cncf.helm.config.v1+json\" is not a container image");
    CHECK(error_of(oci::check_image_manifest(image("", {"application/x-tar"}), "sha256:m")) ==
          "manifest sha256:m: layer " + digest_of('a') + ": unknown media type \"application/x-tar\"");
    auto bad_digest = image("", {""});
    bad_digest.layers[0].digest = "sha256:short";
    CHECK_THAT(error_of(oci::check_image_manifest(bad_digest, "sha256:m")),
               Catch::StartsWith("manifest sha256:m: layer: "));
    auto bad_config = image("", {});
    bad_config.config.digest = "";
    CHECK_THAT(error_of(oci::check_image_manifest(bad_config, "sha256:m")),
               Catch::StartsWith("manifest sha256:m: config: "));
}

TEST_CASE("layer media types: OCI's and docker's, compressed or not, nondistributable too") {
    for (std::string_view t : {oci::kMediaTypeLayerTar, oci::kMediaTypeLayerGzip, oci::kMediaTypeLayerZstd,
                               std::string_view("application/vnd.docker.image.rootfs.diff.tar.zstd"),
                               oci::kMediaTypeDockerLayerTar, oci::kMediaTypeDockerLayerGzip,
                               std::string_view("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")}) {
        INFO(t);
        CHECK(oci::is_layer_media_type(t));
    }
    CHECK_FALSE(oci::is_layer_media_type(oci::kMediaTypeImageConfig));
    CHECK_FALSE(oci::is_layer_media_type(""));
}
