#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::TarEntry;
using skiff::test::tar_dir;
using skiff::test::tar_file;
using skiff::test::tar_hardlink;
using skiff::test::tar_symlink;

namespace {

Result<storage::UnpackResult> unpack(const storage::StoreConfig& store, const std::string& tar,
                                     const std::string& diff_id = {}) {
    storage::MemorySource src(tar);
    return storage::unpack_layer(store, src, {"test-layer", diff_id, {}});
}

// What an unpack left half-done: entries of staging/, and dot-names in layers/ (an older layout's).
std::vector<std::string> leftovers(const storage::StoreConfig& store) {
    std::vector<std::string> out = fs::list_dir(store.root + "/staging").value();
    std::vector<std::string> names = fs::list_dir(store.root + "/layers").value();
    for (auto& n : names)
        if (n[0] == '.') out.push_back(n);
    return out;
}

std::string read(const std::string& path) {
    auto r = fs::read_file(path);
    return r.ok() ? *r : "<missing>";
}

struct stat lstat_of(const std::string& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    return st;
}

std::string xattr(const std::string& path, const char* name) {
    char buf[256];
    ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
    return n < 0 ? "<none>" : std::string(buf, static_cast<size_t>(n));
}

// A source that fails the test if anything reads it.
class UnreadSource : public storage::ByteSource {
public:
    Result<size_t> read(char*, size_t) override {
        reads++;
        return size_t{0};
    }
    int reads = 0;
};

// Every hostile layer must fail with `want` in the message, leave no staging directory and no
// layer, and write nothing outside.
void check_refused(const std::string& tar, const std::string& want) {
    test::TempStore ts;
    auto r = unpack(ts.config, tar);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().message.find(want) != std::string::npos);
    CHECK(r.error().message.find("layer test-layer: entry \"") == 0);
    CHECK(leftovers(ts.config).empty());
    CHECK(storage::list_layers(ts.config).value().empty());
    CHECK(fs::list_dir(ts.outside()).value().empty());
}

}  // namespace

TEST_CASE("a layer is unpacked with its files, links, owners, modes, xattrs and times") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root (the layer's owners are kept)");
        return;
    }
    test::TempStore ts;
    TarBuilder b;
    b.add(tar_dir("./"));
    b.add(tar_dir("etc/", 0755));
    TarEntry suid = tar_file("bin/tool", "#!/bin/sh\necho hi\n", 04755);
    suid.uid = 1000;
    suid.gid = 1001;
    suid.mtime = 1600000000;
    b.add(suid);
    b.add(tar_file("etc/sgid-dir-file", "x", 02711));
    TarEntry sticky = tar_dir("tmp/", 01777);
    sticky.mtime = 1500000000;
    b.add(sticky);
    b.add(tar_symlink("bin/sh", "tool"));
    b.add(tar_hardlink("bin/tool2", "bin/tool"));
    std::string long_name = "deep/" + std::string(120, 'a') + "/" + std::string(130, 'b');
    b.add(tar_file(long_name, "long"));
    b.add(tar_file("utf8/h\xc3\xa9llo-\xe4\xb8\x96\xe7\x95\x8c.txt", "utf8"));
    TarEntry attr = tar_file("attr", "x");
    attr.xattrs["user.skiff"] = "value";
    b.add(attr);
    TarEntry fifo;
    fifo.name = "run/fifo";
    fifo.type = '6';
    b.add(fifo);
    TarEntry null_dev;
    null_dev.name = "dev/null";
    null_dev.type = '3';
    null_dev.devmajor = 1;
    null_dev.devminor = 3;
    null_dev.mode = 0666;
    b.add(null_dev);
    std::string tar = b.finish();

    auto r = unpack(ts.config, tar);
    REQUIRE(r.ok());
    CHECK(r->created);
    CHECK(r->layer.diff_id == oci::sha256_of(tar).str());
    CHECK(r->layer.size == tar.size());
    CHECK(r->compressed_digest == r->layer.diff_id);  // an uncompressed stream is its own blob
    std::string d = storage::layer_diff_dir(ts.config, r->layer.diff_id);

    CHECK(read(d + "/bin/tool") == "#!/bin/sh\necho hi\n");
    auto st = lstat_of(d + "/bin/tool");
    CHECK((st.st_mode & 07777) == 04755);
    CHECK(st.st_uid == 1000);
    CHECK(st.st_gid == 1001);
    CHECK(st.st_mtim.tv_sec == 1600000000);
    CHECK(st.st_nlink == 2);
    CHECK(lstat_of(d + "/bin/tool2").st_ino == st.st_ino);
    CHECK((lstat_of(d + "/etc/sgid-dir-file").st_mode & 07777) == 02711);
    auto tmp = lstat_of(d + "/tmp");
    CHECK((tmp.st_mode & 07777) == 01777);
    CHECK(tmp.st_mtim.tv_sec == 1500000000);
    CHECK(S_ISLNK(lstat_of(d + "/bin/sh").st_mode));
    CHECK(read(d + "/" + long_name) == "long");
    CHECK(read(d + "/utf8/h\xc3\xa9llo-\xe4\xb8\x96\xe7\x95\x8c.txt") == "utf8");
    CHECK(xattr(d + "/attr", "user.skiff") == "value");
    CHECK(S_ISFIFO(lstat_of(d + "/run/fifo").st_mode));
    if (::geteuid() == 0) {
        auto dev = lstat_of(d + "/dev/null");
        CHECK(S_ISCHR(dev.st_mode));
        CHECK(dev.st_rdev == makedev(1, 3));
        CHECK((dev.st_mode & 0777) == 0666);
    }
    // A parent no entry named is created.
    CHECK(S_ISDIR(lstat_of(d + "/run").st_mode));
    CHECK(leftovers(ts.config).empty());
    auto info = storage::layer_info(ts.config, r->layer.diff_id);
    REQUIRE(info.ok());
    CHECK(info->size == tar.size());
}

TEST_CASE("whiteouts become overlay whiteouts and opaque directories") {
    if (::geteuid() != 0) return;  // char device whiteouts and trusted.* xattrs need root
    test::TempStore ts;
    TarBuilder b;
    b.add(tar_dir("etc/"));
    b.add(tar_file("etc/.wh.passwd", ""));
    b.add(tar_dir("var/cache/"));
    b.add(tar_file("var/cache/.wh..wh..opq", ""));
    b.add(tar_file("var/cache/kept", "k"));
    b.add(tar_file(".wh..wh.plnk", ""));  // aufs bookkeeping: skipped
    auto r = unpack(ts.config, b.finish());
    REQUIRE(r.ok());
    std::string d = storage::layer_diff_dir(ts.config, r->layer.diff_id);
    auto wh = lstat_of(d + "/etc/passwd");
    CHECK(S_ISCHR(wh.st_mode));
    CHECK(wh.st_rdev == makedev(0, 0));
    CHECK_FALSE(sys::exists(d + "/etc/.wh.passwd"));
    CHECK(xattr(d + "/var/cache", "trusted.overlay.opaque") == "y");
    CHECK_FALSE(sys::exists(d + "/var/cache/.wh..wh..opq"));
    CHECK(read(d + "/var/cache/kept") == "k");
    CHECK_FALSE(sys::exists(d + "/.wh..wh.plnk"));
}

TEST_CASE("a directory whited out and made again in one layer hides the lower one's entries") {
    if (::geteuid() != 0) return;  // char device whiteouts and trusted.* xattrs need root
    test::TempStore ts;
    TarBuilder b;
    b.add(tar_file(".wh.remade", ""));
    b.add(tar_dir("remade/", 0750));
    b.add(tar_file("remade/new", "n"));
    b.add(tar_file(".wh.implicit", ""));
    b.add(tar_file("implicit/inner/file", "i"));  // no entry for its parents
    b.add(tar_dir("kept/"));
    b.add(tar_file("kept/.wh.gone", ""));
    auto r = unpack(ts.config, b.finish());
    REQUIRE(r.ok());
    std::string d = storage::layer_diff_dir(ts.config, r->layer.diff_id);
    CHECK(S_ISDIR(lstat_of(d + "/remade").st_mode));
    CHECK((lstat_of(d + "/remade").st_mode & 07777) == 0750);
    CHECK(xattr(d + "/remade", "trusted.overlay.opaque") == "y");
    CHECK(read(d + "/remade/new") == "n");
    CHECK(xattr(d + "/implicit", "trusted.overlay.opaque") == "y");
    CHECK(xattr(d + "/implicit/inner", "trusted.overlay.opaque") == "<none>");
    CHECK(read(d + "/implicit/inner/file") == "i");
    // A directory that was never whited out merges with the lower one.
    CHECK(xattr(d + "/kept", "trusted.overlay.opaque") == "<none>");
    CHECK(S_ISCHR(lstat_of(d + "/kept/gone").st_mode));
}

TEST_CASE("absolute names are made relative, as podman does") {
    test::TempStore ts;
    std::string marker = "skiff-unit-absolute-" + std::to_string(::getpid());
    auto r = unpack(ts.config, TarBuilder().add(tar_file("/tmp/" + marker, "in")).finish());
    REQUIRE(r.ok());
    CHECK(read(storage::layer_diff_dir(ts.config, r->layer.diff_id) + "/tmp/" + marker) == "in");
    CHECK_FALSE(sys::exists("/tmp/" + marker));
}

TEST_CASE("a later entry replaces an earlier one; a directory entry keeps a directory") {
    test::TempStore ts;
    TarBuilder b;
    b.add(tar_file("a", "first"));
    b.add(tar_file("a", "second"));
    b.add(tar_dir("d/"));
    b.add(tar_file("d/inner", "i"));
    b.add(tar_dir("d/", 0700));
    b.add(tar_dir("x/"));
    b.add(tar_file("x/y", "y"));
    b.add(tar_symlink("x", "elsewhere"));
    auto r = unpack(ts.config, b.finish());
    REQUIRE(r.ok());
    std::string d = storage::layer_diff_dir(ts.config, r->layer.diff_id);
    CHECK(read(d + "/a") == "second");
    CHECK(read(d + "/d/inner") == "i");
    CHECK((lstat_of(d + "/d").st_mode & 0777) == 0700);
    CHECK(S_ISLNK(lstat_of(d + "/x").st_mode));
}

TEST_CASE("entries that escape the layer are refused, leaving nothing behind") {
    SECTION("a .. component") { check_refused(TarBuilder().add(tar_file("../x", "x")).finish(), "\"../x\" escapes the layer"); }
    SECTION("a .. in the middle") {
        check_refused(TarBuilder().add(tar_dir("a/")).add(tar_file("a/../../x", "x")).finish(), "escapes the layer");
    }
    SECTION("a whiteout of ..") { check_refused(TarBuilder().add(tar_file("a/.wh..", "")).finish(), "escapes the layer"); }
    SECTION("a write through an absolute symlink planted earlier") {
        test::TempStore probe;  // only for a path that exists outside
        TarBuilder b;
        b.add(tar_symlink("evil", "/tmp"));
        b.add(tar_file("evil/skiff-unit-escape", "x"));
        check_refused(b.finish(), "escapes the layer through the symbolic link \"evil\"");
        CHECK_FALSE(sys::exists("/tmp/skiff-unit-escape"));
    }
    SECTION("a write through a relative symlink planted earlier") {
        TarBuilder b;
        b.add(tar_dir("a/"));
        b.add(tar_symlink("a/up", "../../../../../../../../.."));
        b.add(tar_file("a/up/tmp/skiff-unit-escape2", "x"));
        check_refused(b.finish(), "through the symbolic link \"a/up\"");
        CHECK_FALSE(sys::exists("/tmp/skiff-unit-escape2"));
    }
    SECTION("a directory through a symlink") {
        TarBuilder b;
        b.add(tar_symlink("s", "/"));
        b.add(tar_dir("s/skiff-unit-dir/"));
        check_refused(b.finish(), "symbolic link \"s\"");
        CHECK_FALSE(sys::exists("/skiff-unit-dir"));
    }
    SECTION("a hard link to a file outside") {
        check_refused(TarBuilder().add(tar_hardlink("h", "../../../../etc/passwd")).finish(), "outside the layer");
    }
    SECTION("a hard link to an absolute host path that is not in the layer") {
        check_refused(TarBuilder().add(tar_hardlink("h", "/etc/passwd")).finish(), "which is not in the layer");
    }
    SECTION("a hard link through a planted symlink") {
        TarBuilder b;
        b.add(tar_symlink("s", "/etc"));
        b.add(tar_hardlink("h", "s/passwd"));
        check_refused(b.finish(), "which is not in the layer");
    }
    SECTION("a whiteout through a planted symlink") {
        TarBuilder b;
        b.add(tar_symlink("s", "/tmp"));
        b.add(tar_file("s/.wh.anything", ""));
        check_refused(b.finish(), "symbolic link \"s\"");
    }
    SECTION("a file under a file") {
        TarBuilder b;
        b.add(tar_file("f", "x"));
        b.add(tar_file("f/g", "y"));
        check_refused(b.finish(), "not a directory");
    }
}

TEST_CASE("a hostile layer leaves an earlier symlink target untouched") {
    test::TempStore ts;
    std::string victim = ts.outside() + "/victim";
    REQUIRE(fs::write_file_atomic(victim, "original").ok());
    TarBuilder b;
    b.add(tar_symlink("v", victim));
    b.add(tar_file("v", "overwritten"));  // replaces the link itself, never writes through it
    auto r = unpack(ts.config, b.finish());
    REQUIRE(r.ok());
    CHECK(read(victim) == "original");
    CHECK(read(storage::layer_diff_dir(ts.config, r->layer.diff_id) + "/v") == "overwritten");
}

TEST_CASE("a stream that is not a tar is refused with no staging directory left") {
    test::TempStore ts;
    auto r = unpack(ts.config, std::string(3000, 'z'));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("layer test-layer") == 0);
    CHECK(leftovers(ts.config).empty());
}

TEST_CASE("an empty stream is an empty layer") {
    test::TempStore ts;
    auto r = unpack(ts.config, "");
    REQUIRE(r.ok());
    CHECK(r->layer.diff_id == oci::sha256_of("").str());
    CHECK(fs::list_dir(storage::layer_diff_dir(ts.config, r->layer.diff_id)).value().empty());
}

TEST_CASE("a layer is unpacked once and reused") {
    test::TempStore ts;
    std::string tar = TarBuilder().add(tar_file("f", "data")).finish();
    auto first = unpack(ts.config, tar);
    REQUIRE(first.ok());
    CHECK(first->created);
    auto again = unpack(ts.config, tar);  // diff id unknown: computed, then the stored layer wins
    REQUIRE(again.ok());
    CHECK_FALSE(again->created);
    CHECK(leftovers(ts.config).empty());

    UnreadSource unread;  // diff id known: the stream is not even read
    auto known = storage::unpack_layer(ts.config, unread, {"x", first->layer.diff_id, {}});
    REQUIRE(known.ok());
    CHECK_FALSE(known->created);
    CHECK(unread.reads == 0);
    CHECK(storage::list_layers(ts.config).value().size() == 1);
}

TEST_CASE("a wrong diff id or digest is refused") {
    test::TempStore ts;
    std::string tar = TarBuilder().add(tar_file("f", "data")).finish();
    std::string wrong = oci::sha256_of("other").str();
    storage::MemorySource src(tar);
    auto r = storage::unpack_layer(ts.config, src, {"L", wrong, {}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("diff id mismatch") != std::string::npos);
    storage::MemorySource src2(tar);
    auto r2 = storage::unpack_layer(ts.config, src2, {"L", {}, wrong});
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().message.find("digest mismatch") != std::string::npos);
    CHECK(storage::list_layers(ts.config).value().empty());
    CHECK(leftovers(ts.config).empty());
}

TEST_CASE("concurrent unpacks of one layer: one unpacks, the other reuses") {
    test::TempStore ts;
    TarBuilder b;
    for (int i = 0; i < 200; ++i) b.add(tar_file("f" + std::to_string(i), std::string(4096, 'x')));
    std::string tar = b.finish();
    std::string diff_id = oci::sha256_of(tar).str();
    std::atomic<int> created{0}, ok{0};
    auto work = [&] {
        storage::MemorySource src(tar);
        auto r = storage::unpack_layer(ts.config, src, {"c", diff_id, {}});
        if (r.ok()) {
            ok++;
            if (r->created) created++;
        }
    };
    std::thread t1(work), t2(work), t3(work);
    t1.join();
    t2.join();
    t3.join();
    CHECK(ok == 3);
    CHECK(created == 1);
    CHECK(leftovers(ts.config).empty());
}

TEST_CASE("an unused layer is removed, a held one waits") {
    test::TempStore ts;
    auto r = unpack(ts.config, TarBuilder().add(tar_file("f", "data")).finish());
    REQUIRE(r.ok());
    std::string id = r->layer.diff_id;
    { auto done = std::move(r); }  // drops the hold
    auto removed = storage::remove_layer_if_unused(ts.config, id);
    REQUIRE(removed.ok());
    CHECK(*removed);
    CHECK_FALSE(storage::layer_exists(ts.config, id));
    CHECK(leftovers(ts.config).empty());
    CHECK_FALSE(storage::hold_layer(ts.config, id).ok());
}
