// The tar-split record: a layer pulled from a foreign tar is exported again byte for byte (long names
// through GNU 'L' and PAX, xattrs, links, empty files, odd entries kept raw, padding after the end);
// a stream the record could not reproduce gets no record and the tree export instead; a layer that
// changed on disk is an error, never different bytes.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "../../../storage/tar_record.hpp"
#include "skiff/base/fs.hpp"
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

// Raw header blocks the way other tools write them: GNU magic, base-256 sizes, the ustar prefix.
struct Header {
    std::string name;
    char type = '0';
    uint64_t size = 0;
    std::string link;
    std::string prefix;
    bool gnu = false;       // "ustar  \0" magic
    bool base256 = false;   // the size in GNU's binary form
    unsigned mode = 0644;
};

Header hdr(std::string name, char type, uint64_t size = 0) {
    Header h;
    h.name = std::move(name);
    h.type = type;
    h.size = size;
    return h;
}

void octal(char* field, size_t width, uint64_t v) {
    for (size_t i = width - 1; i-- > 0; v >>= 3) field[i] = static_cast<char>('0' + (v & 7));
    field[width - 1] = '\0';
}

std::string block(const Header& h) {
    char b[512];
    std::memset(b, 0, sizeof b);
    std::memcpy(b, h.name.data(), std::min<size_t>(h.name.size(), 100));
    octal(b + 100, 8, h.mode);
    octal(b + 108, 8, 0);
    octal(b + 116, 8, 0);
    if (h.base256) {
        b[124] = static_cast<char>(0x80);
        for (int i = 0; i < 8; ++i) b[135 - i] = static_cast<char>((h.size >> (8 * i)) & 0xff);
    } else {
        octal(b + 124, 12, h.size);
    }
    octal(b + 136, 12, 1700000000);
    b[156] = h.type;
    std::memcpy(b + 157, h.link.data(), std::min<size_t>(h.link.size(), 100));
    if (h.gnu) {
        std::memcpy(b + 257, "ustar  ", 8);
    } else {
        std::memcpy(b + 257, "ustar", 6);
        std::memcpy(b + 263, "00", 2);
        std::memcpy(b + 345, h.prefix.data(), std::min<size_t>(h.prefix.size(), 155));
    }
    std::memset(b + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : b) sum += c;
    octal(b + 148, 7, sum);
    b[155] = ' ';
    return std::string(b, sizeof b);
}

std::string padded(std::string data) {
    data.append((512 - data.size() % 512) % 512, '\0');
    return data;
}

// A GNU tar entry: a long name goes first as a '././@LongLink' 'L' record.
std::string gnu_file(const std::string& name, const std::string& data) {
    std::string out;
    if (name.size() >= 100) {
        Header l = hdr("././@LongLink", 'L', name.size() + 1);
        l.gnu = true;
        out += block(l) + padded(name + '\0');
    }
    Header f = hdr(name.substr(0, 99), '0', data.size());
    f.gnu = true;
    return out + block(f) + padded(data);
}

std::string pax_record(const std::string& key, const std::string& value) {
    std::string rest = " " + key + "=" + value + "\n";
    size_t len = rest.size() + 1;
    while (std::to_string(len).size() + rest.size() != len) ++len;
    return std::to_string(len) + rest;
}

std::string pax_header(char type, const std::string& records) {
    return block(hdr("PaxHeaders/x", type, records.size())) + padded(records);
}

// Two zero blocks and then zeros up to a 10240-byte record, as tar's default blocking writes.
std::string end_padded(std::string tar) {
    tar += std::string(1024, '\0');
    tar.append((10240 - tar.size() % 10240) % 10240, '\0');
    return tar;
}

std::string unpack(const storage::StoreConfig& store, const std::string& bytes) {
    storage::MemorySource src(bytes);
    auto r = storage::unpack_layer(store, src, {"test", {}, {}});
    if (!r.ok()) FAIL(r.error().message);
    return r->layer.diff_id;
}

Result<std::string> export_of(const storage::StoreConfig& store, const std::string& diff_id) {
    StringSink sink;
    TRY(storage::export_layer(store, diff_id, sink));
    return sink.out;
}

std::string layer_dir(const storage::StoreConfig& store, const std::string& diff_id) {
    return store.root + "/layers/" + diff_id.substr(7);
}

bool has_record(const storage::StoreConfig& store, const std::string& diff_id) {
    return sys::exists(layer_dir(store, diff_id) + "/" + storage::kTarRecordName);
}

std::string foreign_layer() {
    TarEntry attr = tar_file("etc/attr", "with an xattr");
    attr.xattrs["user.skiff"] = "yes";
    std::string out = TarBuilder()
                          .add(tar_dir("etc"))
                          .add(attr)
                          .add(tar_file("etc/empty", ""))
                          .add(tar_hardlink("etc/attr-link", "etc/attr"))
                          .add(tar_symlink("etc/sym", "attr"))
                          .add(tar_file(std::string("pax/") + std::string(150, 'p'), "pax long name"))
                          .add(tar_file("caf\xc3\xa9", "utf8 name"))
                          .add_raw(pax_header('g', pax_record("comment", "made by hand")))
                          .add_raw(pax_header('x', pax_record("mtime", "1700000000.5")))
                          .add(tar_file("./dot/file", "leading dot"))
                          .add(tar_dir("gnu"))
                          .finish();
    out.resize(out.size() - 1024);  // reopened: more entries follow
    out += gnu_file(std::string("gnu/") + std::string(130, 'g'), std::string(5000, 'G'));
    Header b256 = hdr("gnu/base256", '0', 7);
    b256.gnu = b256.base256 = true;
    out += block(b256) + padded("binsize");
    Header pre = hdr("file", '0', 6);
    pre.prefix = "prefixed/dir";
    out += block(hdr("prefixed/", '5')) + block(hdr("prefixed/dir/", '5')) + block(pre) + padded("prefix");
    // Odd entries the record keeps raw: a whiteout with data, an unknown type with data.
    out += block(hdr("etc/.wh.gone", '0', 4)) + padded("junk");
    out += block(hdr("odd", 'Z', 3)) + padded("odd");
    out += block(hdr("fifo", '6'));
    return end_padded(out) + "trailing bytes after the end";
}

}  // namespace

TEST_CASE("a foreign layer is exported again byte for byte from its record") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root (the layer's owners are kept)");
        return;
    }
    test::TempStore s;
    std::string original = foreign_layer();
    std::string id = unpack(s.config, original);
    CHECK(id == oci::sha256_of(original).str());
    REQUIRE(has_record(s.config, id));
    auto out = export_of(s.config, id);
    REQUIRE(out.ok());
    CHECK(out->size() == original.size());
    CHECK(*out == original);
    // The content is not in the record: it is read from the unpacked files.
    auto rec = fs::read_file(layer_dir(s.config, id) + "/" + storage::kTarRecordName);
    REQUIRE(rec.ok());
    CHECK(rec->find(std::string(5000, 'G')) == std::string::npos);
    CHECK(rec->size() < original.size() / 4);
}

TEST_CASE("GNU and PAX tars with every padding unpack, and export to their own bytes") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root (the layer's owners are kept)");
        return;
    }
    std::string long_name = "d/" + std::string(200, 'n');
    std::string gnu = end_padded(block(hdr("d/", '5')) + gnu_file(long_name, "long") + gnu_file("d/empty", "") +
                                 gnu_file("d/big", std::string(70000, 'b')));
    std::string pax = end_padded(pax_header('x', pax_record("path", long_name) + pax_record("size", "4")) +
                                 block(hdr("short", '0', 0)) + padded("long"));
    for (auto& original : {gnu, pax}) {
        test::TempStore s;
        std::string id = unpack(s.config, original);
        REQUIRE(has_record(s.config, id));
        CHECK(fs::read_file(storage::layer_diff_dir(s.config, id) + "/" + long_name).value() == "long");
        auto out = export_of(s.config, id);
        REQUIRE(out.ok());
        CHECK(*out == original);
    }
}

TEST_CASE("a stream the record cannot reproduce gets no record; the pull still works") {
    std::string twice = TarBuilder().add(tar_file("a/f", "one")).add(tar_file("a/f", "two")).finish();
    std::string whiteout = TarBuilder().add(tar_file("a/f", "one")).add(tar_file("a/.wh.f", "")).finish();
    std::string dir_gone = TarBuilder().add(tar_file("a/b/f", "one")).add(tar_file(".wh.a", "")).finish();
    std::string replaced = TarBuilder().add(tar_file("a/b/f", "one")).add(tar_symlink("a/b", "x")).finish();
    std::string sparse;
    {
        Header h = hdr("sparse", 'S', 512);
        h.gnu = true;
        std::string b = block(h);
        // One chunk of 512 bytes at offset 4096 of an 8192-byte file; no extension blocks.
        octal(b.data() + 386, 12, 4096);
        octal(b.data() + 398, 12, 512);
        octal(b.data() + 483, 12, 8192);
        std::memset(b.data() + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : b) sum += c;
        octal(b.data() + 148, 7, sum);
        b[155] = ' ';
        sparse = end_padded(b + std::string(512, 's'));
    }
    for (auto& original : {twice, whiteout, dir_gone, replaced, sparse}) {
        test::TempStore s;
        std::string id = unpack(s.config, original);
        CHECK(id == oci::sha256_of(original).str());
        CHECK_FALSE(has_record(s.config, id));
        auto out = export_of(s.config, id);  // export_tree's stream of what was unpacked
        REQUIRE(out.ok());
        CHECK(*out != original);
    }
}

TEST_CASE("whiteouts and directories that touch no recorded file keep the record") {
    std::string original = TarBuilder()
                               .add(tar_file("a/f", "kept"))
                               .add(tar_file("a/.wh.other", ""))
                               .add(tar_file("a/.wh..wh..opq", ""))
                               .add(tar_dir("a"))
                               .add(tar_file("ab", "a sibling that starts alike"))
                               .add(tar_file(".wh.b", ""))
                               .finish();
    test::TempStore s;
    std::string id = unpack(s.config, original);
    REQUIRE(has_record(s.config, id));
    CHECK(export_of(s.config, id).value() == original);
}

TEST_CASE("a layer whose files changed on disk is an export error, never other bytes") {
    std::string original = TarBuilder().add(tar_file("f", "twelve bytes")).add(tar_file("g", "same")).finish();
    test::TempStore s;
    std::string id = unpack(s.config, original);
    REQUIRE(has_record(s.config, id));
    std::string diff = storage::layer_diff_dir(s.config, id);

    SECTION("longer") {
        REQUIRE(fs::write_file_atomic(diff + "/f", "thirteen bytes", fs::Durability::kNoSync).ok());
        auto out = export_of(s.config, id);
        REQUIRE_FALSE(out.ok());
        CHECK_THAT(out.error().message, Catch::Contains("changed on disk") && Catch::Contains("f has 14 bytes, not 12"));
    }
    SECTION("the same size, other bytes: the digest gives it away") {
        REQUIRE(fs::write_file_atomic(diff + "/g", "SAME", fs::Durability::kNoSync).ok());
        auto out = export_of(s.config, id);
        REQUIRE_FALSE(out.ok());
        CHECK_THAT(out.error().message, Catch::Contains("changed on disk") && Catch::Contains("digest"));
    }
    SECTION("replaced by a symbolic link") {
        REQUIRE(::unlink((diff + "/f").c_str()) == 0);
        REQUIRE(::symlink("g", (diff + "/f").c_str()) == 0);
        auto out = export_of(s.config, id);
        REQUIRE_FALSE(out.ok());
        CHECK_THAT(out.error().message, Catch::Contains("changed on disk") && Catch::Contains("f is not a regular file"));
    }
    SECTION("a corrupt record") {
        REQUIRE(fs::write_file_atomic(layer_dir(s.config, id) + "/" + storage::kTarRecordName, "not zstd", fs::Durability::kNoSync).ok());
        auto out = export_of(s.config, id);
        REQUIRE_FALSE(out.ok());
        CHECK_THAT(out.error().message, Catch::Contains("tar-split record"));
    }
}

TEST_CASE("the recorder's output does not depend on how the stream is cut") {
    std::string original = foreign_layer();
    StringSink whole;
    storage::TarRecorder rec(whole);
    rec.feed(original);
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{511}, size_t{4096}}) {
        StringSink sink;
        storage::TarRecorder cut(sink);
        for (size_t off = 0; off < original.size(); off += chunk) cut.feed(std::string_view(original).substr(off, chunk));
        CHECK(sink.out == whole.out);
    }
    // Without the unpacker's confirmation of each entry the record is not usable.
    CHECK_FALSE(rec.finish());
    CHECK_THAT(rec.why_not(), Catch::Contains("did not read every entry"));
}

TEST_CASE("an entry the unpacker reads differently makes the record unusable") {
    std::string tar = TarBuilder().add(tar_file("a", "1")).add(tar_file("b", "22")).finish();
    struct Seen {
        const char* name;
        uint64_t size;
    };
    auto record = [&](std::initializer_list<Seen> seen, std::string* why = nullptr) {
        StringSink sink;
        storage::TarRecorder rec(sink);
        rec.feed(tar);
        for (auto& s : seen) rec.confirm(s.name, true, s.size);
        bool ok = rec.finish();
        if (why) *why = rec.why_not();
        return ok;
    };
    CHECK(record({{"./a", 1}, {"b", 2}}));
    CHECK_FALSE(record({{"a", 1}, {"c", 2}}));  // another name
    CHECK_FALSE(record({{"a", 1}, {"b", 3}}));  // another size
    CHECK_FALSE(record({{"a", 1}, {"b", 2}, {"c", 0}}));  // one more entry
    std::string why;
    tar[148] ^= 1;
    CHECK_FALSE(record({}, &why));
    CHECK_THAT(why, Catch::Contains("checksum"));
}
