// extract_tar (cp's tar input): entries land beneath the directory only, `.wh.` names are ordinary
// files, the destination directory itself is left as it was, owners can be forced, and a directory
// replaces a file (or the reverse) only with `overwrite`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/tar_extract.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::tar_dir;
using skiff::test::tar_file;
using skiff::test::tar_symlink;

namespace {

// A destination directory (mode 1777, as a container's /tmp) with `outside` beside it.
struct Scratch {
    test::TempStore tmp;
    std::string dir = tmp.dir();
    Scratch() {
        ::mkdir((dir + "/dest").c_str(), 0700);
        ::chmod((dir + "/dest").c_str(), 01777);
    }

    // Feed `tar` through a file on stdin-like descriptor into dest.
    Result<void> extract(const std::string& tar, const storage::ExtractOptions& opts = {}) {
        std::string file = dir + "/in.tar";
        REQUIRE(fs::write_file_atomic(file, tar, fs::Durability::kNoSync).ok());
        auto in = sys::open(file, O_RDONLY);
        REQUIRE(in.ok());
        auto dest = sys::open(dir + "/dest", O_RDONLY | O_DIRECTORY);
        REQUIRE(dest.ok());
        return storage::extract_tar(in->get(), dest->get(), "dest", opts);
    }
};

}  // namespace

TEST_CASE("extract_tar writes entries beneath the directory and keeps .wh. names as files") {
    Scratch s;
    std::string tar = TarBuilder()
                          .add(tar_dir("./", 0700))
                          .add(tar_dir("sub/"))
                          .add(tar_file("sub/a", "alpha"))
                          .add(tar_file(".wh.keep", "not a whiteout"))
                          .add(tar_symlink("link", "/etc/passwd"))
                          .finish();
    REQUIRE(s.extract(tar).ok());
    CHECK(fs::read_file(s.dir + "/dest/sub/a").value() == "alpha");
    CHECK(fs::read_file(s.dir + "/dest/.wh.keep").value() == "not a whiteout");
    struct stat st;
    REQUIRE(::lstat((s.dir + "/dest/link").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    REQUIRE(::stat((s.dir + "/dest").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 01777);  // the "./" entry did not change the destination
}

TEST_CASE("extract_tar refuses entries that would leave the directory") {
    Scratch s;
    REQUIRE(::symlink((s.dir + "/outside").c_str(), (s.dir + "/dest/out").c_str()) == 0);
    auto through_link = s.extract(TarBuilder().add(tar_file("out/planted", "x")).finish());
    CHECK_FALSE(through_link.ok());
    auto dotdot = s.extract(TarBuilder().add(tar_file("../planted", "x")).finish());
    CHECK_FALSE(dotdot.ok());
    CHECK_FALSE(sys::exists(s.dir + "/outside/planted"));
    CHECK_FALSE(sys::exists(s.dir + "/planted"));
}

TEST_CASE("extract_tar forces owners when asked, and replaces a directory only with overwrite") {
    Scratch s;
    storage::ExtractOptions opts;
    opts.owner = std::make_pair(uid_t(4321), gid_t(4322));
    auto file = tar_file("f", "x");
    file.uid = 7;
    REQUIRE(s.extract(TarBuilder().add(file).add(tar_dir("d/")).finish(), opts).ok());
    struct stat st;
    REQUIRE(::stat((s.dir + "/dest/f").c_str(), &st) == 0);
    if (::geteuid() == 0) {
        CHECK(st.st_uid == 4321);
        CHECK(st.st_gid == 4322);
    }
    auto replace = s.extract(TarBuilder().add(tar_file("d", "now a file")).finish());
    REQUIRE_FALSE(replace.ok());
    CHECK(replace.error().message.find("cannot overwrite a directory") != std::string::npos);
    storage::ExtractOptions overwrite;
    overwrite.overwrite = true;
    REQUIRE(s.extract(TarBuilder().add(tar_file("d", "now a file")).finish(), overwrite).ok());
    CHECK(fs::read_file(s.dir + "/dest/d").value() == "now a file");
}
