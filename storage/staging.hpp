// What writers build before they publish it by rename, and the free-space reserve they keep.
//
// <root>/staging/ holds every entry a writer has not published yet: a layer being unpacked
// (layer-*), a blob being downloaded (blob-*), a layer being deleted (removing-*). Its owner holds
// an flock on the entry for as long as it lives, so an entry whose lock can be taken was left by a
// dead process: sweep_staging removes those, listing only this one directory.
#pragma once

#include <cstdint>
#include <string>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

std::string staging_dir(const StoreConfig& store);

// One locked entry of the staging directory, removed when destroyed unless published.
class StagingEntry {
public:
    enum class Kind { kDirectory, kFile };
    // A new, empty, locked entry named "<prefix>-<random>". A file is opened for writing.
    static Result<StagingEntry> create(const StoreConfig& store, const std::string& prefix, Kind kind);
    // Move `path` (a directory of the same file system) into the staging directory, locked first,
    // so that it can be removed at leisure while nobody sees it, and by a later sweep if we die.
    static Result<StagingEntry> adopt(const StoreConfig& store, const std::string& path, const std::string& prefix);

    StagingEntry(StagingEntry&& o) noexcept;
    StagingEntry& operator=(StagingEntry&&) = delete;
    ~StagingEntry();

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }  // holds the lock; a file's is open for writing
    // It has been renamed away: nothing to remove any more (the lock goes with the descriptor).
    void published() { keep_ = true; }
    // Remove it now.
    Result<void> remove();

private:
    StagingEntry(std::string path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    std::string path_;
    unique_fd fd_;
    bool keep_ = false;
};

// Remove what dead processes left in the staging directory. Never waits; errors are ignored (the
// next command tries again).
void sweep_staging(const StoreConfig& store);

// The free space a write into the store leaves on the store's file system: never less than
// reserve_bytes() (or reserve_inodes()). Checked with fstatvfs each time another kStepBytes have
// been written or kStepEntries files made; a check fails while the reserve plus kMarginBytes is
// still free, room for the steps of several writers (a pull's parallel layers) between checks.
class SpaceReserve {
public:
    static constexpr uint64_t kStepBytes = 4 << 20;
    static constexpr uint64_t kMarginBytes = 32 << 20;
    static constexpr uint64_t kStepEntries = 512;
    // `fd`: any descriptor on the store's file system; `what` names the write in errors.
    SpaceReserve(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
    // `bytes` more written (or about to be).
    Result<void> wrote(uint64_t bytes);
    // One more file, directory or link made.
    Result<void> made_entry();
    // Check now.
    Result<void> check();

private:
    std::string prefix() const { return what_.empty() ? what_ : what_ + ": "; }
    int fd_;
    std::string what_;
    uint64_t bytes_ = 0, entries_ = 0;
};

// The reserve for a file system of `size` bytes (`inodes` inodes; 0 when it has no fixed number).
uint64_t reserve_bytes(uint64_t size);
uint64_t reserve_inodes(uint64_t inodes);

}  // namespace skiff::storage
