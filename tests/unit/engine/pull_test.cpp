#include <fcntl.h>


#include <catch2/catch.hpp>

#include "../storage/tar_builder.hpp"
#include "../storage/temp_store.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/storage/images.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::tar_dir;
using skiff::test::tar_file;

namespace {

class Silent : public engine::PullProgress {};

// An OCI layout with one image of the given layers (plain tars), written under `dir`.
struct Layout {
    std::string dir;
    std::vector<std::string> layer_digests;
    std::string config_digest;
    std::string manifest_digest;

    std::string put(const std::string& data) {
        auto d = oci::sha256_of(data);
        REQUIRE(fs::write_file_atomic(dir + "/blobs/sha256/" + d.hex, data).ok());
        return d.str();
    }

    Layout(std::string d, const std::vector<std::string>& layers, bool with_media_type = true) : dir(std::move(d)) {
        REQUIRE(fs::mkdir_p(dir + "/blobs/sha256").ok());
        REQUIRE(fs::write_file_atomic(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})").ok());
        std::string diff_ids, descs;
        for (auto& l : layers) {
            auto digest = put(l);
            layer_digests.push_back(digest);
            diff_ids += std::string(diff_ids.empty() ? "" : ",") + "\"" + digest + "\"";
            descs += std::string(descs.empty() ? "" : ",") +
                     R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" + digest +
                     R"(","size":)" + std::to_string(l.size()) + "}";
        }
        std::string config = R"({"architecture":")" + oci::host_architecture() +
                             R"(","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[)" +
                             diff_ids + "]}}";
        config_digest = put(config);
        std::string manifest = std::string(R"({"schemaVersion":2,)") +
                               (with_media_type ? R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)" : "") +
                               R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                               config_digest + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[)" +
                               descs + "]}";
        manifest_digest = put(manifest);
        std::string index = R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                            manifest_digest + R"(","size":)" + std::to_string(manifest.size()) +
                            R"(,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]})";
        REQUIRE(fs::write_file_atomic(dir + "/index.json", index).ok());
    }
};

std::string layer_one() {
    return TarBuilder().add(tar_dir("etc")).add(tar_file("etc/hello", "hello\n")).finish();
}
std::string layer_two() { return TarBuilder().add(tar_file("two", "second layer\n")).finish(); }

}  // namespace

TEST_CASE("pull from an OCI layout stores the image, then reuses its layers without reading them") {
    test::TempStore ts;
    Layout layout(ts.dir() + "/layout", {layer_one(), layer_two()}, false);
    auto src = engine::open_oci_layout(layout.dir);
    REQUIRE(src.ok());
    Silent quiet;
    engine::PullOptions opts;
    opts.names = {"localhost/layout:v1"};
    auto pulled = engine::pull_image(ts.config, **src, "v1", opts, quiet);
    REQUIRE(pulled.ok());
    CHECK(pulled->layers_fetched == 2);
    CHECK(pulled->manifest_digest == layout.manifest_digest);
    CHECK("sha256:" + pulled->id == layout.config_digest);
    auto img = storage::find_image(ts.config, "localhost/layout:v1");
    REQUIRE(img.ok());
    CHECK(img->digest == layout.manifest_digest);
    auto dirs = storage::layer_dirs(ts.config, *img);
    REQUIRE(dirs.ok());
    REQUIRE(dirs->size() == 2);
    CHECK(*fs::read_file(dirs->back() + "/etc/hello") == "hello\n");

    // Layer blobs gone from the source: a second pull must not need them.
    for (auto& d : layout.layer_digests) REQUIRE(::unlink((layout.dir + "/blobs/sha256/" + d.substr(7)).c_str()) == 0);
    auto again = engine::pull_image(ts.config, **src, layout.manifest_digest, opts, quiet);
    REQUIRE(again.ok());
    CHECK(again->layers_fetched == 0);
    CHECK(again->layers_reused == 2);
}

TEST_CASE("a layer that does not match its digest fails the pull and leaves no image and no layer") {
    test::TempStore ts;
    Layout layout(ts.dir() + "/layout", {layer_one(), layer_two()});
    // Tamper with the second layer: same length, different bytes.
    std::string path = layout.dir + "/blobs/sha256/" + layout.layer_digests[1].substr(7);
    std::string tampered = layer_two();
    tampered[520] = 'X';
    REQUIRE(fs::write_file_atomic(path, tampered).ok());
    auto src = engine::open_oci_layout(layout.dir);
    REQUIRE(src.ok());
    Silent quiet;
    engine::PullOptions opts;
    opts.jobs = 1;
    auto pulled = engine::pull_image(ts.config, **src, "v1", opts, quiet);
    REQUIRE_FALSE(pulled.ok());
    CHECK_THAT(pulled.error().message, Catch::Contains(layout.layer_digests[1]));
    auto images = storage::list_images(ts.config);
    REQUIRE(images.ok());
    CHECK(images->empty());
    auto layers = storage::list_layers(ts.config);
    REQUIRE(layers.ok());
    CHECK(layers->size() <= 1);  // the good layer may stay (unreferenced); the bad one never appears
    CHECK_FALSE(storage::layer_exists(ts.config, layout.layer_digests[1]));
}

TEST_CASE("a manifest fetched by digest must match it, and a missing tag is a clear error") {
    test::TempStore ts;
    Layout layout(ts.dir() + "/layout", {layer_one()});
    std::string path = layout.dir + "/blobs/sha256/" + layout.manifest_digest.substr(7);
    auto raw = fs::read_file(path);
    REQUIRE(raw.ok());
    REQUIRE(fs::write_file_atomic(path, *raw + " ").ok());
    auto src = engine::open_oci_layout(layout.dir);
    REQUIRE(src.ok());
    Silent quiet;
    auto pulled = engine::pull_image(ts.config, **src, "v1", {}, quiet);
    REQUIRE_FALSE(pulled.ok());
    CHECK_THAT(pulled.error().message, Catch::Contains("digest mismatch"));
    auto missing = engine::pull_image(ts.config, **src, "nope", {}, quiet);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains("no image named \"nope\""));
}
