#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>

#include "skiff/base/fs.hpp"
#include "skiff/base/lock.hpp"
#include "skiff/base/read_beneath.hpp"
#include "skiff/base/sys.hpp"

using namespace skiff;

namespace {
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/skiff-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { (void)fs::remove_all(path); }
};
}  // namespace

TEST_CASE("write_file_atomic replaces content and leaves no temp file") {
    TempDir d;
    auto p = d.path + "/f.json";
    REQUIRE(fs::write_file_atomic(p, "one").ok());
    REQUIRE(fs::write_file_atomic(p, "two", fs::Durability::kNoSync).ok());
    CHECK(*fs::read_file(p) == "two");
    CHECK(*fs::list_dir(d.path) == std::vector<std::string>{"f.json"});
}

TEST_CASE("remove_all removes trees with unwritable directories and does not follow symlinks") {
    TempDir d, outside;
    REQUIRE(fs::write_file_atomic(outside.path + "/keep", "x").ok());
    REQUIRE(fs::mkdir_p(d.path + "/a/b/c").ok());
    REQUIRE(::symlink(outside.path.c_str(), (d.path + "/a/link").c_str()) == 0);
    REQUIRE(::chmod((d.path + "/a/b").c_str(), 0500) == 0);
    REQUIRE(fs::remove_all(d.path + "/a").ok());
    CHECK_FALSE(sys::exists(d.path + "/a"));
    CHECK(fs::read_file(outside.path + "/keep").ok());
}

TEST_CASE("read_file_beneath stays in the tree and reads only bounded regular files") {
    TempDir root, host;
    REQUIRE(fs::mkdir_p(root.path + "/etc").ok());
    REQUIRE(fs::write_file_atomic(host.path + "/secret", "host-only").ok());
    REQUIRE(fs::write_file_atomic(root.path + "/etc/own", "mine").ok());
    REQUIRE(fs::write_file_atomic(root.path + "/secret", "the tree's").ok());
    // An absolute link names the tree's own file; one that climbs out stays at the tree's "/".
    REQUIRE(::symlink((host.path + "/secret").c_str(), (root.path + "/etc/abs").c_str()) == 0);
    REQUIRE(::symlink("../../../../../../secret", (root.path + "/etc/up").c_str()) == 0);
    REQUIRE(::symlink("/dev/zero", (root.path + "/etc/zero").c_str()) == 0);
    REQUIRE(::mkfifo((root.path + "/etc/fifo").c_str(), 0644) == 0);
    auto dir = sys::open(root.path, O_PATH | O_DIRECTORY);
    REQUIRE(dir.ok());
    int fd = dir->get();
    CHECK(*fs::read_file_beneath(fd, "/etc/own", 100) == "mine");
    CHECK(fs::read_file_beneath(fd, "/etc/abs", 100).error().code == ENOENT);
    CHECK(*fs::read_file_beneath(fd, "/etc/up", 100) == "the tree's");
    CHECK(fs::read_file_beneath(fd, "/etc/zero", 100).error().code == ENOENT);
    CHECK(fs::read_file_beneath(fd, "/etc/fifo", 100).error().code == EINVAL);
    CHECK(fs::read_file_beneath(fd, "/etc/missing", 100).error().code == ENOENT);
    CHECK(fs::read_file_beneath(fd, "/etc/own", 3).error().code == EFBIG);
    CHECK(*fs::read_file_beneath(fd, "/etc/own", 4) == "mine");
    // A device inside the tree is not read either (making one needs root).
    if (::geteuid() != 0) return;
    REQUIRE(fs::mkdir_p(root.path + "/dev").ok());
    REQUIRE(::mknod((root.path + "/dev/zero").c_str(), S_IFCHR | 0666, ::makedev(1, 5)) == 0);
    CHECK(fs::read_file_beneath(fd, "/etc/zero", 100).error().code == EINVAL);
}

TEST_CASE("path helpers") {
    CHECK(fs::join("/a/", "/b") == "/a/b");
    CHECK(fs::dirname("/a/b/") == "/a");
    CHECK(fs::dirname("/a") == "/");
    CHECK(fs::basename("/a/b") == "b");
}

TEST_CASE("an exclusive lock excludes a second open file description") {
    TempDir d;
    auto p = d.path + "/lock";
    auto a = FileLock::acquire(p);
    REQUIRE(a.ok());
    auto b = FileLock::try_acquire(p);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == EWOULDBLOCK);
    { auto moved = a.take(); }
    CHECK(FileLock::try_acquire(p).ok());
}
