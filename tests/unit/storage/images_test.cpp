#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/blobs.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/storage/rootfs.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;
using skiff::test::TarBuilder;
using skiff::test::tar_dir;
using skiff::test::tar_file;
using skiff::test::tar_hardlink;

namespace {

std::string layer(const storage::StoreConfig& store, const std::string& tar) {
    storage::MemorySource src(tar);
    auto r = storage::unpack_layer(store, src, {"t", {}, {}});
    REQUIRE(r.ok());
    return r->layer.diff_id;
}

std::string config_json(const std::vector<std::string>& diff_ids, const std::string& created, const std::string& cmd = "sh") {
    oci::ImageConfig c;
    c.created = created;
    c.architecture = "amd64";
    c.os = "linux";
    c.config.cmd = std::vector<std::string>{cmd};
    c.diff_ids = diff_ids;
    return oci::serialize_image_config(c);
}

storage::ImageRecord commit(const storage::StoreConfig& store, const std::string& config,
                            std::vector<std::string> names) {
    storage::NewImage img;
    img.config = config;
    img.names = std::move(names);
    auto r = storage::commit_image(store, img);
    REQUIRE(r.ok());
    return *r;
}

std::string read(const std::string& path) {
    auto r = fs::read_file(path);
    return r.ok() ? *r : "<missing>";
}

}  // namespace

TEST_CASE("blobs are verified before they become visible") {
    test::TempStore ts;
    auto d = storage::put_blob(ts.config, "hello");
    REQUIRE(d.ok());
    CHECK(*d == oci::sha256_of("hello"));
    CHECK(storage::read_blob(ts.config, *d).value() == "hello");

    auto bad = storage::put_blob(ts.config, "other", oci::sha256_of("not other"));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("digest mismatch") != std::string::npos);
    CHECK_FALSE(storage::has_blob(ts.config, oci::sha256_of("other")));

    {
        auto w = storage::BlobWriter::create(ts.config);
        REQUIRE(w.ok());
        REQUIRE(w->write("abandoned").ok());
    }  // never committed: the temporary file goes
    {
        auto w = storage::BlobWriter::create(ts.config);
        REQUIRE(w.ok());
        REQUIRE(w->write("stre").ok());
        REQUIRE(w->write("amed").ok());
        auto mismatch = w->commit(oci::sha256_of("x"));
        CHECK_FALSE(mismatch.ok());
    }
    auto w = storage::BlobWriter::create(ts.config);
    REQUIRE(w.ok());
    REQUIRE(w->write("stre").ok());
    REQUIRE(w->write("amed").ok());
    auto got = w->commit(oci::sha256_of("streamed"));
    REQUIRE(got.ok());
    CHECK(read(storage::blob_path(ts.config, *got)) == "streamed");
    std::vector<std::string> names = fs::list_dir(ts.config.root + "/blobs/sha256").value();
    CHECK(names.size() == 2);  // hello and streamed: no temporary file left
}

TEST_CASE("image names are encoded as file names") {
    CHECK(storage::encode_name("localhost/demo:latest") == "localhost%2Fdemo:latest");
    CHECK(storage::encode_name("a%b") == "a%25b");
    std::string long_name = "localhost/" + std::string(250, 'a') + ":latest";
    CHECK(storage::encode_name(long_name).rfind("sha256-", 0) == 0);
}

TEST_CASE("images are committed, found by name, id and prefix, and listed newest first") {
    test::TempStore ts;
    std::string l1 = layer(ts.config, TarBuilder().add(tar_file("a", "1")).finish());
    auto old_img = commit(ts.config, config_json({l1}, "2024-01-01T00:00:00Z"), {"localhost/demo:latest"});
    auto new_img = commit(ts.config, config_json({l1}, "2025-01-01T00:00:00Z", "other"),
                          {"localhost/other:1", "docker.io/library/alpine:latest"});

    CHECK(old_img.id == oci::sha256_of(config_json({l1}, "2024-01-01T00:00:00Z")).hex);
    CHECK(storage::find_image(ts.config, "demo").value().id == old_img.id);
    CHECK(storage::find_image(ts.config, "demo:latest").value().id == old_img.id);
    CHECK(storage::find_image(ts.config, "localhost/demo").value().id == old_img.id);
    CHECK(storage::find_image(ts.config, "other:1").value().id == new_img.id);
    CHECK(storage::find_image(ts.config, "alpine").value().id == new_img.id);
    CHECK(storage::find_image(ts.config, "docker.io/alpine").value().id == new_img.id);
    CHECK(storage::find_image(ts.config, old_img.id).value().id == old_img.id);
    CHECK(storage::find_image(ts.config, "sha256:" + old_img.id).value().id == old_img.id);
    CHECK(storage::find_image(ts.config, old_img.id.substr(0, 12)).value().id == old_img.id);

    auto missing = storage::find_image(ts.config, "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "nope: image not known");
    CHECK(missing.error().exit_code == 125);
    CHECK_FALSE(storage::find_image(ts.config, "other").ok());  // tag latest: not there

    auto list = storage::list_images(ts.config).value();
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == new_img.id);
    CHECK(list[1].id == old_img.id);
    CHECK(list[1].size == storage::layer_info(ts.config, l1).value().size + config_json({l1}, "2024-01-01T00:00:00Z").size());
    CHECK(list[1].config.config.cmd == std::vector<std::string>{"sh"});

    auto dirs = storage::layer_dirs(ts.config, old_img).value();
    REQUIRE(dirs.size() == 1);
    CHECK(dirs[0] == storage::layer_diff_dir(ts.config, l1));
}

TEST_CASE("a name moves to the newest image; the old one keeps its id") {
    test::TempStore ts;
    std::string l1 = layer(ts.config, TarBuilder().add(tar_file("a", "1")).finish());
    auto a = commit(ts.config, config_json({l1}, "2024-01-01T00:00:00Z"), {"localhost/demo:latest"});
    auto b = commit(ts.config, config_json({l1}, "2024-01-02T00:00:00Z"), {"localhost/demo:latest"});
    CHECK(storage::find_image(ts.config, "demo").value().id == b.id);
    auto old_img = storage::find_image(ts.config, a.id).value();
    CHECK(old_img.names.empty());
    CHECK(old_img.names_history == std::vector<std::string>{"localhost/demo:latest"});

    REQUIRE(storage::tag_image(ts.config, a.id, "localhost/demo:v1").ok());
    CHECK(storage::find_image(ts.config, "demo:v1").value().id == a.id);
    REQUIRE(storage::untag_image(ts.config, a.id, "localhost/demo:v1").ok());
    CHECK_FALSE(storage::find_image(ts.config, "demo:v1").ok());
    CHECK(storage::find_image(ts.config, a.id).ok());

    // The same config again: the record gains the name, nothing is duplicated.
    auto again = commit(ts.config, config_json({l1}, "2024-01-01T00:00:00Z"), {"localhost/demo:again"});
    CHECK(again.id == a.id);
    CHECK(again.names == std::vector<std::string>{"localhost/demo:again"});
    CHECK(storage::list_images(ts.config).value().size() == 2);
}

TEST_CASE("a commit refuses a config whose layers are not stored") {
    test::TempStore ts;
    storage::NewImage img;
    img.config = config_json({oci::sha256_of("no such layer").str()}, "2024-01-01T00:00:00Z");
    auto r = storage::commit_image(ts.config, img);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("is not in the store") != std::string::npos);
}

TEST_CASE("deleting an image removes the layers no other image uses") {
    test::TempStore ts;
    std::string shared = layer(ts.config, TarBuilder().add(tar_file("shared", "s")).finish());
    std::string own = layer(ts.config, TarBuilder().add(tar_file("own", "o")).finish());
    auto a = commit(ts.config, config_json({shared, own}, "2024-01-01T00:00:00Z"), {"localhost/a:latest"});
    auto b = commit(ts.config, config_json({shared}, "2024-01-02T00:00:00Z"), {"localhost/b:latest"});
    REQUIRE(storage::delete_image(ts.config, a.id).ok());
    CHECK_FALSE(storage::find_image(ts.config, "a").ok());
    CHECK_FALSE(storage::find_image(ts.config, a.id).ok());
    CHECK(storage::layer_exists(ts.config, shared));
    CHECK_FALSE(storage::layer_exists(ts.config, own));
    CHECK_FALSE(storage::has_blob(ts.config, oci::Digest{"sha256", a.id}));
    REQUIRE(storage::delete_image(ts.config, b.id).ok());
    CHECK_FALSE(storage::layer_exists(ts.config, shared));
    CHECK(storage::list_images(ts.config).value().empty());
    CHECK(fs::list_dir(ts.config.root + "/images/names").value().empty());
}

TEST_CASE("the overlay rootfs lists the layers topmost first") {
    test::TempStore ts;
    std::string bottom = layer(ts.config, TarBuilder().add(tar_file("b", "1")).finish());
    std::string top = layer(ts.config, TarBuilder().add(tar_file("t", "2")).finish());
    auto img = commit(ts.config, config_json({bottom, top}, "2024-01-01T00:00:00Z"), {"localhost/x:latest"});
    std::string cdir = ts.dir() + "/root/containers/c1";
    auto m = storage::prepare_rootfs(ts.config, img, cdir);
    REQUIRE(m.ok());
    CHECK(m->type == "overlay");
    CHECK(m->target == cdir + "/merged");
    REQUIRE(m->options.size() == 3);
    CHECK(m->options[0] == "lowerdir=" + storage::layer_diff_dir(ts.config, top) + ":" +
                               storage::layer_diff_dir(ts.config, bottom));
    CHECK(m->options[1] == "upperdir=" + cdir + "/upper");
    CHECK(m->options[2] == "workdir=" + cdir + "/work");
    CHECK(sys::exists(cdir + "/upper"));
    CHECK(sys::exists(cdir + "/work"));
    CHECK(sys::exists(cdir + "/merged"));
}

TEST_CASE("the vfs rootfs is a private copy with whiteouts applied") {
    if (::geteuid() != 0) return;  // whiteout char devices need root
    test::TempStore ts;
    ts.config.driver = storage::Driver::kVfs;
    TarBuilder lower;
    lower.add(tar_file("gone", "g"));
    lower.add(tar_dir("d/"));
    lower.add(tar_file("d/old", "o"));
    lower.add(tar_file("keep", "k", 04750));
    lower.add(tar_hardlink("keep-link", "keep"));
    TarBuilder upper;
    upper.add(tar_file(".wh.gone", ""));
    upper.add(tar_dir("d/"));
    upper.add(tar_file("d/.wh..wh..opq", ""));
    upper.add(tar_file("d/new", "n"));
    std::string l1 = layer(ts.config, lower.finish()), l2 = layer(ts.config, upper.finish());
    auto img = commit(ts.config, config_json({l1, l2}, "2024-01-01T00:00:00Z"), {"localhost/v:latest"});
    std::string cdir = ts.dir() + "/root/containers/c2";
    auto m = storage::prepare_rootfs(ts.config, img, cdir);
    REQUIRE(m.ok());
    CHECK(m->type == "bind");
    CHECK(m->source == cdir + "/rootfs");
    std::string r = m->source;
    CHECK_FALSE(sys::exists(r + "/gone"));
    CHECK_FALSE(sys::exists(r + "/d/old"));
    CHECK(read(r + "/d/new") == "n");
    CHECK(read(r + "/keep") == "k");
    struct stat keep {}, link {}, orig {};
    ::lstat((r + "/keep").c_str(), &keep);
    ::lstat((r + "/keep-link").c_str(), &link);
    ::lstat((storage::layer_diff_dir(ts.config, l1) + "/keep").c_str(), &orig);
    CHECK((keep.st_mode & 07777) == 04750);
    CHECK(keep.st_ino == link.st_ino);
    CHECK(keep.st_ino != orig.st_ino);  // a copy, not a link into the layer
    char buf[8];
    CHECK(::lgetxattr((r + "/d").c_str(), "trusted.overlay.opaque", buf, sizeof buf) < 0);

    // A second prepare keeps what the container changed.
    REQUIRE(fs::write_file_atomic(r + "/changed", "c").ok());
    REQUIRE(storage::prepare_rootfs(ts.config, img, cdir).ok());
    CHECK(read(r + "/changed") == "c");
}

TEST_CASE("prune_blobs removes the blobs no image lists (a killed pull's config) and keeps the images'") {
    test::TempStore ts;
    std::string l1 = layer(ts.config, TarBuilder().add(tar_file("a", "1")).finish());
    storage::NewImage img{config_json({l1}, "2024-01-01T00:00:00Z"), "{\"schemaVersion\":2}", "application/vnd.oci.image.manifest.v1+json",
                          {"localhost/kept:1"}};
    auto kept = storage::commit_image(ts.config, img).value();
    auto orphan = storage::put_blob(ts.config, config_json({l1}, "2025-01-01T00:00:00Z")).value();
    auto removed = storage::prune_blobs(ts.config);
    REQUIRE(removed.ok());
    CHECK(*removed == std::vector<std::string>{orphan.str()});
    CHECK_FALSE(storage::has_blob(ts.config, orphan));
    CHECK(storage::has_blob(ts.config, oci::Digest{"sha256", kept.id}));
    CHECK(storage::has_blob(ts.config, oci::parse_digest(kept.digest).value()));
    CHECK(storage::prune_blobs(ts.config).value().empty());
}
