// gzip layers: inflated by ISA-L (or libarchive's zlib filter), both digests right, several gzip
// members read in turn, corrupt data refused with nothing stored.
#include <cstdio>

#include <catch2/catch.hpp>

#include "skiff/base/fs.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::tar_file;

namespace {

// `data` through the gzip program (always on Debian): what registries serve is made the same way.
std::string gzip(const std::string& data) {
    char path[] = "/tmp/skiff-unit-gzip.XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    REQUIRE(fs::write_file_atomic(path, data, fs::Durability::kNoSync).ok());
    std::string out;
    FILE* p = ::popen(("gzip -n -c " + std::string(path)).c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    REQUIRE(::pclose(p) == 0);
    ::unlink(path);
    return out;
}

std::string sample_tar() {
    TarBuilder b;
    for (int i = 0; i < 50; i++) b.add(tar_file("dir/file" + std::to_string(i), std::string(1000 + i * 37, char('a' + i % 26))));
    return b.finish();
}

}  // namespace

TEST_CASE("a gzip layer unpacks with its diff id and compressed digest") {
    test::TempStore ts;
    std::string tar = sample_tar();
    std::string gz = gzip(tar);
    storage::MemorySource src(gz);
    auto r = storage::unpack_layer(ts.config, src, {"gz", oci::sha256_of(tar).str(), oci::sha256_of(gz).str()});
    REQUIRE(r.ok());
    CHECK(r->layer.diff_id == oci::sha256_of(tar).str());
    CHECK(r->compressed_digest == oci::sha256_of(gz).str());
    std::string d = storage::layer_diff_dir(ts.config, r->layer.diff_id);
    CHECK(fs::read_file(d + "/dir/file49").value() == std::string(1000 + 49 * 37, char('a' + 49 % 26)));
}

TEST_CASE("a layer of two concatenated gzip members is read whole") {
    test::TempStore ts;
    std::string tar = sample_tar();
    size_t half = tar.size() / 2;
    std::string gz = gzip(tar.substr(0, half)) + gzip(tar.substr(half));
    storage::MemorySource src(gz);
    auto r = storage::unpack_layer(ts.config, src, {"gz2", oci::sha256_of(tar).str(), oci::sha256_of(gz).str()});
    REQUIRE(r.ok());
    CHECK(r->layer.size == tar.size());
}

TEST_CASE("corrupt or truncated gzip is refused and nothing is stored") {
    test::TempStore ts;
    std::string tar = sample_tar();
    std::string gz = gzip(tar);
    std::string corrupt = gz;
    corrupt[corrupt.size() / 2] ^= 0x55;
    std::string truncated = gz.substr(0, gz.size() - 100);
    for (const std::string& bad : {corrupt, truncated}) {
        storage::MemorySource src(bad);
        auto r = storage::unpack_layer(ts.config, src, {"bad", oci::sha256_of(tar).str(), {}});
        CHECK_FALSE(r.ok());
        CHECK_FALSE(storage::layer_exists(ts.config, oci::sha256_of(tar).str()));
    }
    auto names = fs::list_dir(ts.config.root + "/layers").value();
    for (auto& n : names) CHECK(n[0] != '.');  // no staging directory left
}
