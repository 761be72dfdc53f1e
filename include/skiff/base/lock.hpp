// File locks: OFD locks on a whole file, so a killed process never leaves a lock held.
#pragma once

#include <string>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff {

class FileLock {
public:
    enum class Mode { kShared, kExclusive };
    // Opens (creating) `path` and blocks until the lock is held.
    static Result<FileLock> acquire(const std::string& path, Mode mode = Mode::kExclusive);
    // As acquire, but returns an error with code EWOULDBLOCK instead of waiting.
    static Result<FileLock> try_acquire(const std::string& path, Mode mode = Mode::kExclusive);
    // As acquire, but creates nothing: a missing `path`, or one unlinked while this waited (its
    // owner removed what it locks), is an error marked missing.
    static Result<FileLock> acquire_existing(const std::string& path, Mode mode = Mode::kExclusive);

    FileLock(FileLock&&) = default;
    FileLock& operator=(FileLock&&) = default;
    int fd() const { return fd_.get(); }

private:
    explicit FileLock(unique_fd fd) : fd_(std::move(fd)) {}
    unique_fd fd_;  // closing the descriptor releases the lock
};

}  // namespace skiff
