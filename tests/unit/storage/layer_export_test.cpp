// Layer export: unpack → export → unpack is a fixed point (the export's diff id is stable), whiteouts
// and opaque directories come back as .wh. entries, hard links as link entries, long and non-ASCII
// names through PAX; the gzip and zstd sinks produce streams the unpacker reads back.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/layers.hpp"
#include "string_sink.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::StringSink;
using skiff::test::TarBuilder;
using skiff::test::TarEntry;
using skiff::test::tar_dir;
using skiff::test::tar_file;
using skiff::test::tar_hardlink;
using skiff::test::tar_symlink;

namespace {

std::string export_of(const storage::StoreConfig& store, const std::string& diff_id) {
    StringSink sink;
    REQUIRE(storage::export_layer(store, diff_id, sink).ok());
    return sink.out;
}

// export_tree's stream of the unpacked layer (export_layer writes a pulled layer's own stream again).
std::string tree_of(const storage::StoreConfig& store, const std::string& diff_id) {
    std::string dir = storage::layer_diff_dir(store, diff_id);
    auto fd = sys::open(dir, O_RDONLY | O_DIRECTORY);
    REQUIRE(fd.ok());
    StringSink sink;
    REQUIRE(storage::export_tree(fd->get(), dir, sink).ok());
    return sink.out;
}

std::string unpack(const storage::StoreConfig& store, const std::string& bytes) {
    storage::MemorySource src(bytes);
    auto r = storage::unpack_layer(store, src, {"test", {}, {}});
    if (!r.ok()) FAIL(r.error().message);
    return r->layer.diff_id;
}

// Names in the ustar headers of a tar stream (cut at 100 bytes; PAX headers skipped).
std::vector<std::string> names_in(const std::string& tar) {
    std::vector<std::string> out;
    for (size_t off = 0; off + 512 <= tar.size();) {
        const char* h = tar.data() + off;
        if (h[0] == '\0') break;
        std::string name(h, strnlen(h, 100));
        size_t size = std::strtoull(std::string(h + 124, 12).c_str(), nullptr, 8);
        char type = h[156];
        if (type != 'x') out.push_back(name);
        off += 512 + (size + 511) / 512 * 512;
    }
    return out;
}

std::string layer_with_everything() {
    TarEntry suid = tar_file("bin/suid", "#!/bin/sh\n", 04755);
    suid.uid = 1000;
    suid.gid = 1000;
    TarEntry attr = tar_file("etc/attr", "x");
    attr.xattrs["user.skiff"] = "yes";
    return TarBuilder()
        .add(tar_dir("bin"))
        .add(suid)
        .add(tar_hardlink("bin/suid-link", "bin/suid"))
        .add(tar_symlink("bin/sh", "busybox"))
        .add(tar_dir("etc"))
        .add(attr)
        .add(tar_file("etc/.wh.group", ""))
        .add(tar_dir("home"))
        .add(tar_file("home/.wh..wh..opq", ""))
        .add(tar_file("home/new", "new"))
        .add(tar_file(std::string("deep/") + std::string(120, 'a') + "/" + std::string(140, 'b'), "long"))
        .add(tar_file("h\xc3\xa9llo", "utf8"))
        .finish();
}

}  // namespace

TEST_CASE("an exported layer unpacks to the same layer, and exporting it again gives the same bytes") {
    test::TempStore a, b;
    std::string original = unpack(a.config, layer_with_everything());
    std::string first = tree_of(a.config, original);
    std::string id = unpack(b.config, first);
    CHECK(id == oci::sha256_of(first).str());
    std::string second = tree_of(b.config, id);
    CHECK(first == second);
    CHECK(tree_of(a.config, original) == first);  // and the same store twice
}

TEST_CASE("whiteouts, opaque directories and hard links are written as a layer's author would") {
    test::TempStore s;
    std::string id = unpack(s.config, layer_with_everything());
    std::string tar = tree_of(s.config, id);
    auto names = names_in(tar);
    auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    CHECK(has("etc/.wh.group"));
    CHECK(has("home/"));
    CHECK(has("home/.wh..wh..opq"));
    CHECK(has("home/new"));
    CHECK(has("bin/suid"));
    CHECK(has("bin/suid-link"));
    // The second name of the file is a link entry to the first, with no data.
    size_t off = tar.find(std::string("bin/suid-link") + '\0');
    REQUIRE(off != std::string::npos);
    CHECK(tar[off + 156] == '1');
    CHECK(std::string(tar.data() + off + 157) == "bin/suid");
    // Overlay's own attributes never leave the store.
    CHECK(tar.find("overlay.") == std::string::npos);
    CHECK(tar.find("SCHILY.xattr.user.skiff=yes") != std::string::npos);
}

TEST_CASE("gzip and zstd sinks: what they write unpacks to the same layer; digests are counted") {
    test::TempStore a, b;
    std::string id = unpack(a.config, layer_with_everything());
    std::string plain = export_of(a.config, id);
    for (auto c : {storage::Compression::kGzip, storage::Compression::kZstd, storage::Compression::kNone}) {
        StringSink out;
        storage::HashingSink compressed(out);
        auto compressor = storage::make_compressor(c, -1, compressed);
        REQUIRE(compressor.ok());
        storage::HashingSink uncompressed(**compressor);
        REQUIRE(storage::export_layer(a.config, id, uncompressed).ok());
        REQUIRE(uncompressed.close().ok());
        CHECK(uncompressed.digest() == oci::sha256_of(plain).str());
        CHECK(compressed.size() == out.out.size());
        CHECK(compressed.digest() == oci::sha256_of(out.out).str());
        if (c != storage::Compression::kNone) CHECK(out.out != plain);
        storage::MemorySource src(out.out);
        auto r = storage::unpack_layer(b.config, src, {"compressed", oci::sha256_of(plain).str(), {}});
        REQUIRE(r.ok());
        CHECK(r->layer.diff_id == oci::sha256_of(plain).str());
    }
}

TEST_CASE("compression names and levels are checked") {
    CHECK(storage::parse_compression("gzip").ok());
    CHECK(storage::parse_compression("zstd").ok());
    CHECK(storage::parse_compression("none").ok());
    CHECK_FALSE(storage::parse_compression("lz4").ok());
    StringSink out;
    CHECK_FALSE(storage::make_compressor(storage::Compression::kGzip, 10, out).ok());
    CHECK_FALSE(storage::make_compressor(storage::Compression::kZstd, 23, out).ok());
}

TEST_CASE("a layer's blob records merge by digest") {
    test::TempStore s;
    std::string id = unpack(s.config, layer_with_everything());
    storage::LayerBlob blob{oci::sha256_of("x").str(), "application/vnd.oci.image.layer.v1.tar+gzip", 1, id, {"r/a"}};
    REQUIRE(storage::record_layer_blob(s.config, id, blob).ok());
    blob.repositories = {"r/b"};
    REQUIRE(storage::record_layer_blob(s.config, id, blob).ok());
    auto info = storage::layer_info(s.config, id);
    REQUIRE(info.ok());
    REQUIRE(info->blobs.size() == 1);
    CHECK(info->blobs[0].repositories == std::vector<std::string>{"r/a", "r/b"});
}
