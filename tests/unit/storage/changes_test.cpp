// Changes of a layer (overlay form) and of a full copy against the tree their lower layers make:
// whiteouts and opaque directories below are applied, parents of changes are changed, unchanged
// directories are left out; a copy's changes written as a layer unpack to what the copy shows.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/changes.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::TarEntry;
using skiff::test::tar_dir;
using skiff::test::tar_file;
using skiff::test::tar_symlink;

namespace {

std::string unpack(const storage::StoreConfig& store, const std::string& bytes) {
    storage::MemorySource src(bytes);
    auto r = storage::unpack_layer(store, src, {"test", {}, {}});
    if (!r.ok()) FAIL(r.error().message);
    return storage::layer_diff_dir(store, r->layer.diff_id);
}

TarEntry whiteout(std::string name) { return tar_file(std::move(name), ""); }

std::string listing(const std::vector<storage::Change>& changes) {
    std::string out;
    for (auto& c : changes) out += std::string(storage::change_letter(c.kind)) + " " + c.path + "\n";
    return out;
}

// bottom: /etc/{a,b}, /gone/x, /keep/y, /link → etc; top: removes /etc/b, makes /keep opaque.
std::vector<std::string> two_layers(const storage::StoreConfig& store) {
    auto bottom = unpack(store, TarBuilder()
                                    .add(tar_dir("etc/"))
                                    .add(tar_file("etc/a", "a"))
                                    .add(tar_file("etc/b", "b"))
                                    .add(tar_dir("gone/"))
                                    .add(tar_file("gone/x", "x"))
                                    .add(tar_dir("keep/"))
                                    .add(tar_file("keep/y", "y"))
                                    .add(tar_symlink("link", "etc"))
                                    .finish());
    auto top = unpack(store, TarBuilder()
                                 .add(tar_dir("etc/"))
                                 .add(whiteout("etc/.wh.b"))
                                 .add(tar_dir("keep/"))
                                 .add(whiteout("keep/.wh..wh..opq"))
                                 .add(tar_file("keep/z", "z"))
                                 .finish());
    return {top, bottom};
}

void write(const std::string& path, const std::string& data) { REQUIRE(fs::write_file_atomic(path, data).ok()); }

// A copy of what two_layers shows, made by hand.
void make_copy(const std::string& dir) {
    for (auto d : {"etc", "gone", "keep"}) REQUIRE(::mkdir((dir + "/" + d).c_str(), 0755) == 0);
    write(dir + "/etc/a", "a");
    write(dir + "/gone/x", "x");
    write(dir + "/keep/z", "z");
    REQUIRE(::symlink("etc", (dir + "/link").c_str()) == 0);
}

}  // namespace

TEST_CASE("an image's top layer: whiteouts are deletions, an opaque directory hides what was below") {
    test::TempStore ts;
    auto layers = two_layers(ts.config);
    auto changes = storage::layer_changes(layers[0], {layers[1]});
    REQUIRE(changes.ok());
    CHECK(listing(*changes) == "C /etc\nD /etc/b\nC /keep\nD /keep/y\nA /keep/z\n");
}

TEST_CASE("a layer over several: a path whited out below is neither changed nor deleted again") {
    test::TempStore ts;
    auto layers = two_layers(ts.config);
    std::string upper = ts.dir() + "/upper";
    REQUIRE(::mkdir(upper.c_str(), 0755) == 0);
    REQUIRE(::mkdir((upper + "/etc").c_str(), 0755) == 0);
    write(upper + "/etc/b", "back");  // gone below: added again
    REQUIRE(::mknod((upper + "/etc/a").c_str(), S_IFCHR | 0600, 0) == 0);  // overlay's whiteout
    write(upper + "/new", "n");
    auto changes = storage::layer_changes(upper, layers);
    REQUIRE(changes.ok());
    CHECK(listing(*changes) == "C /etc\nD /etc/a\nA /etc/b\nA /new\n");
}

TEST_CASE("a copy equal to its layers has no changes; each kind of change is found") {
    test::TempStore ts;
    auto layers = two_layers(ts.config);
    std::string copy = ts.dir() + "/copy";
    REQUIRE(::mkdir(copy.c_str(), 0755) == 0);
    make_copy(copy);
    // Times as the layers have them (the vfs driver's copy keeps them).
    for (auto rel : {"etc/a", "gone/x", "keep/z", "etc", "gone", "keep"}) {
        struct stat st;  // the topmost layer's entry is the one the tree shows
        if (::lstat((layers[0] + "/" + rel).c_str(), &st) < 0) REQUIRE(::lstat((layers[1] + "/" + rel).c_str(), &st) == 0);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        REQUIRE(::utimensat(AT_FDCWD, (copy + "/" + rel).c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
    }
    auto none = storage::copy_changes(copy, layers);
    REQUIRE(none.ok());
    CHECK(listing(*none) == "");

    write(copy + "/etc/a", "A");           // same size, new content (and time)
    REQUIRE(::chmod((copy + "/keep/z").c_str(), 0600) == 0);
    REQUIRE(::unlink((copy + "/gone/x").c_str()) == 0);
    REQUIRE(::rmdir((copy + "/gone").c_str()) == 0);
    REQUIRE(::unlink((copy + "/link").c_str()) == 0);
    REQUIRE(::symlink("elsewhere", (copy + "/link").c_str()) == 0);
    REQUIRE(::mkdir((copy + "/add").c_str(), 0755) == 0);
    write(copy + "/add/f", "f");
    auto changes = storage::copy_changes(copy, layers);
    REQUIRE(changes.ok());
    CHECK(listing(*changes) == "A /add\nA /add/f\nC /etc\nC /etc/a\nD /gone\nC /keep\nC /keep/z\nC /link\n");
}

TEST_CASE("a copy's selected changes exported and unpacked over the layers show the copy") {
    test::TempStore ts;
    auto layers = two_layers(ts.config);
    std::string copy = ts.dir() + "/copy";
    REQUIRE(::mkdir(copy.c_str(), 0755) == 0);
    make_copy(copy);
    REQUIRE(::unlink((copy + "/gone/x").c_str()) == 0);
    write(copy + "/etc/new", "new");
    auto changes = storage::copy_changes(copy, layers);
    REQUIRE(changes.ok());

    storage::ExportSelection sel;
    for (auto& c : *changes) (c.kind == storage::ChangeKind::kDeleted ? sel.deleted : sel.keep).insert(c.path.substr(1));
    struct Sink : storage::ByteSink {
        Result<void> write(std::string_view d) override {
            out.append(d);
            return {};
        }
        std::string out;
    } sink;
    auto fd = sys::open(copy, O_RDONLY | O_DIRECTORY);
    REQUIRE(fd.ok());
    REQUIRE(storage::export_selection(fd->get(), copy, sel, sink).ok());
    auto layer = unpack(ts.config, sink.out);
    // The new layer holds the changes and the whiteout, nothing unchanged.
    CHECK(fs::read_file(layer + "/etc/new").value() == "new");
    struct stat st;
    REQUIRE(::lstat((layer + "/gone/x").c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(::lstat((layer + "/keep/z").c_str(), &st) < 0);
    CHECK(::lstat((layer + "/etc/a").c_str(), &st) < 0);
}
