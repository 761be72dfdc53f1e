#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/blobs.hpp"
#include "skiff/storage/image_transaction.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::tar_file;

namespace {

std::string tar_of(const std::string& name) { return TarBuilder().add(tar_file(name, name + "\n")).finish(); }

std::string unpack(storage::ImageTransaction& tx, const std::string& tar) {
    storage::MemorySource src(tar);
    auto r = tx.unpack_layer(src, {"t", {}, {}});
    REQUIRE(r.ok());
    CHECK(r->created);
    return r->layer.diff_id;
}

std::string config_of(const std::vector<std::string>& diff_ids) {
    oci::ImageConfig c;
    c.created = "2024-01-01T00:00:00Z";
    c.architecture = "amd64";
    c.os = "linux";
    c.diff_ids = diff_ids;
    return oci::serialize_image_config(c);
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::string> layers(const storage::StoreConfig& s) {
    auto all = storage::list_layers(s);
    REQUIRE(all.ok());
    return sorted(*all);
}

std::vector<std::string> images(const storage::StoreConfig& s) {
    std::vector<std::string> out;
    auto all = storage::list_images(s);
    REQUIRE(all.ok());
    for (auto& img : *all) out.push_back(img.id);
    return out;
}

std::vector<std::string> blobs(const storage::StoreConfig& s) {
    std::vector<std::string> out;
    auto all = storage::list_blobs(s);
    if (all.ok())
        for (auto& d : *all) out.push_back(d.str());
    return sorted(out);
}

// What writers left in staging/: nothing, once they are done.
std::vector<std::string> staged(const storage::StoreConfig& s) {
    auto names = fs::list_dir(s.root + "/staging");
    return names.ok() ? *names : std::vector<std::string>{};
}

// A layer stored before the transaction, listed by no image.
std::string stored_layer(const storage::StoreConfig& s, const std::string& tar) {
    storage::MemorySource src(tar);
    auto r = storage::unpack_layer(s, src, {"t", {}, {}});
    REQUIRE(r.ok());
    return r->layer.diff_id;
}

}  // namespace

TEST_CASE("an image transaction that commits leaves its image, its blobs and the layers the image lists") {
    test::TempStore ts;
    std::string old = stored_layer(ts.config, tar_of("old"));
    std::string config, manifest = R"({"schemaVersion":2})";
    std::string l1, l2;
    {
        storage::ImageTransaction tx(ts.config);
        REQUIRE(tx.hold_layer(old).ok());
        l1 = unpack(tx, tar_of("one"));
        l2 = unpack(tx, tar_of("two"));  // unpacked, but the image does not list it (another platform's)
        config = config_of({old, l1});
        auto rec = tx.commit({config, manifest, "application/vnd.oci.image.manifest.v1+json", {"localhost/t:1"}});
        REQUIRE(rec.ok());
        CHECK(rec->names == std::vector<std::string>{"localhost/t:1"});
        CHECK(layers(ts.config) == sorted({old, l1, l2}));
    }
    CHECK(layers(ts.config) == sorted({old, l1}));
    CHECK(images(ts.config) == std::vector<std::string>{oci::sha256_of(config).hex});
    CHECK(blobs(ts.config) == sorted({oci::sha256_of(config).str(), oci::sha256_of(manifest).str()}));
    CHECK(staged(ts.config).empty());
}

TEST_CASE("an image transaction that ends without a commit removes the layers it created, and no other") {
    test::TempStore ts;
    std::string old = stored_layer(ts.config, tar_of("old"));
    {
        storage::ImageTransaction tx(ts.config);
        REQUIRE(tx.hold_layer(old).ok());
        CHECK_FALSE(storage::remove_layer_if_unused(ts.config, old, storage::LayerWait::kNo).value());  // held
        std::string l1 = unpack(tx, tar_of("one"));
        // The stored layer is reused, not created: it is not the transaction's to remove.
        storage::MemorySource again(tar_of("old"));
        auto reused = tx.unpack_layer(again, {"t", old, {}});
        REQUIRE(reused.ok());
        CHECK_FALSE(reused->created);
        // Held meanwhile: nobody removes them.
        CHECK_FALSE(storage::remove_layer_if_unused(ts.config, l1, storage::LayerWait::kNo).value());
        CHECK(layers(ts.config) == sorted({old, l1}));
    }
    CHECK(layers(ts.config) == std::vector<std::string>{old});
    CHECK(images(ts.config).empty());
    CHECK(blobs(ts.config).empty());
    CHECK(staged(ts.config).empty());
}

TEST_CASE("an image transaction whose record cannot be written leaves no blob and none of its layers") {
    test::TempStore ts;
    std::string config;
    {
        storage::ImageTransaction tx(ts.config);
        std::string l1 = unpack(tx, tar_of("one"));
        config = config_of({l1});
        // A directory where the record goes: writing the record fails.
        std::string in_the_way = ts.config.root + "/images/" + oci::sha256_of(config).hex + ".json";
        REQUIRE(fs::mkdir_p(in_the_way, 0700).ok());
        auto rec = tx.commit({config, R"({"schemaVersion":2})", "application/vnd.oci.image.manifest.v1+json", {"localhost/t:1"}});
        REQUIRE_FALSE(rec.ok());
        CHECK(blobs(ts.config).empty());
        REQUIRE(::rmdir(in_the_way.c_str()) == 0);  // (while it is there, no image can be listed)
    }
    CHECK(layers(ts.config).empty());
    CHECK(blobs(ts.config).empty());
    CHECK_FALSE(sys::exists(ts.config.root + "/images/names"));
    CHECK(staged(ts.config).empty());
}
