#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "../../../storage/staging.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_builder.hpp"
#include "temp_store.hpp"

using namespace skiff;

namespace {

constexpr uint64_t kMiB = 1 << 20;

// Entries made by a child that then dies without removing them (as a process killed -9 would).
std::vector<std::string> entries_of_a_dead_process(const storage::StoreConfig& store) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        auto dir = storage::StagingEntry::create(store, "layer", storage::StagingEntry::Kind::kDirectory);
        auto file = storage::StagingEntry::create(store, "blob", storage::StagingEntry::Kind::kFile);
        if (!dir.ok() || !file.ok()) ::_exit(1);
        (void)fs::mkdir_p(dir->path() + "/diff/usr");
        std::string paths = dir->path() + "\n" + file->path() + "\n";
        (void)!::write(fds[1], paths.data(), paths.size());
        ::_exit(0);  // no destructor runs: the entries stay, unlocked
    }
    ::close(fds[1]);
    auto text = sys::read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    std::vector<std::string> out;
    std::string all = text.value();
    for (size_t pos = 0, nl; (nl = all.find('\n', pos)) != std::string::npos; pos = nl + 1) out.push_back(all.substr(pos, nl - pos));
    return out;
}

}  // namespace

TEST_CASE("the sweep removes a dead process's staging entries and keeps a live one's") {
    test::TempStore ts;
    auto dead = entries_of_a_dead_process(ts.config);
    REQUIRE(dead.size() == 2);
    for (auto& p : dead) REQUIRE(sys::exists(p));
    auto live_dir = storage::StagingEntry::create(ts.config, "layer", storage::StagingEntry::Kind::kDirectory);
    auto live_file = storage::StagingEntry::create(ts.config, "blob", storage::StagingEntry::Kind::kFile);
    REQUIRE(live_dir.ok());
    REQUIRE(live_file.ok());
    storage::sweep_staging(ts.config);
    for (auto& p : dead) CHECK_FALSE(sys::exists(p));
    CHECK(sys::exists(live_dir->path()));
    CHECK(sys::exists(live_file->path()));
    std::string live_path = live_dir->path();
    { auto gone = std::move(*live_dir); }  // an unpublished entry is removed with its owner
    CHECK_FALSE(sys::exists(live_path));
}

TEST_CASE("an unpack sweeps what dead processes left; prune sweeps an older skiff's leftovers in layers/") {
    test::TempStore ts;
    auto dead = entries_of_a_dead_process(ts.config);
    std::string data = test::TarBuilder().add(test::tar_file("f", "x")).finish();
    storage::MemorySource src(data);
    REQUIRE(storage::unpack_layer(ts.config, src, {"test-layer", {}, {}}).ok());
    for (auto& p : dead) CHECK_FALSE(sys::exists(p));

    REQUIRE(fs::mkdir_p(ts.config.root + "/layers/.staging-999999999-dead/diff").ok());
    std::string live = ts.config.root + "/layers/.staging-1-live";  // pid 1 is always alive
    REQUIRE(fs::mkdir_p(live).ok());
    REQUIRE(storage::prune_layers(ts.config).ok());
    CHECK_FALSE(sys::exists(ts.config.root + "/layers/.staging-999999999-dead"));
    CHECK(sys::exists(live));
}

TEST_CASE("the free-space reserve: 5% of the file system, within 256 MiB (a quarter below 1 GiB) and 2 GiB") {
    CHECK(storage::reserve_bytes(300 * kMiB) == 75 * kMiB);
    CHECK(storage::reserve_bytes(1024 * kMiB) == 256 * kMiB);
    CHECK(storage::reserve_bytes(10240 * kMiB) == 512 * kMiB);
    CHECK(storage::reserve_bytes(100 * 1024 * kMiB) == 2048 * kMiB);
    CHECK(storage::reserve_inodes(0) == 0);
    CHECK(storage::reserve_inodes(100000) == 5000);
}
