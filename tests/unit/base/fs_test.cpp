#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "skiff/base/fs.hpp"
#include "skiff/base/lock.hpp"
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
