#include "staging.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::storage {

namespace {

constexpr int kCreateAttempts = 8;
constexpr uint64_t kMiB = 1 << 20;

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Locked, and still the entry named `name`: a sweeper that took the lock first (the entry was
// new and not locked yet) has removed it or is removing it.
bool lock_and_check(int dirfd, const std::string& name, int fd) {
    if (::flock(fd, LOCK_EX | LOCK_NB) < 0) return false;
    struct stat mine, named;
    if (::fstat(fd, &mine) < 0 || ::fstatat(dirfd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) < 0) return false;
    return same_file(mine, named);
}

std::string mib(uint64_t bytes) {
    uint64_t tenths = bytes * 10 / kMiB;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MiB";
}

}  // namespace

std::string staging_dir(const StoreConfig& store) { return fs::join(store.root, "staging"); }

Result<StagingEntry> StagingEntry::create(const StoreConfig& store, const std::string& prefix, Kind kind) {
    std::string dir = staging_dir(store);
    TRY(fs::mkdir_p(dir, 0700));
    auto dirfd = TRY(sys::open(dir, O_RDONLY | O_DIRECTORY));
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
        std::string name = prefix + "-" + str::random_hex(8);
        std::string path = fs::join(dir, name);
        unique_fd fd;
        if (kind == Kind::kDirectory) {
            if (::mkdirat(dirfd.get(), name.c_str(), 0700) < 0) {
                if (errno == EEXIST) continue;
                return sys_error("mkdir " + path);
            }
            fd = unique_fd(::openat(dirfd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        } else {
            fd = unique_fd(::openat(dirfd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
            if (!fd && errno == EEXIST) continue;
            if (!fd) return sys_error("create " + path);
        }
        if (fd && lock_and_check(dirfd.get(), name, fd.get())) return StagingEntry(std::move(path), std::move(fd));
        // Taken by a sweeper before we locked it: it goes, we try another name.
    }
    return make_error("create a staging entry in " + dir + ": every attempt was swept away");
}

Result<StagingEntry> StagingEntry::adopt(const StoreConfig& store, const std::string& path, const std::string& prefix) {
    std::string dir = staging_dir(store);
    TRY(fs::mkdir_p(dir, 0700));
    auto fd = TRY(sys::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    if (::flock(fd.get(), LOCK_EX) < 0) return sys_error("lock " + path);
    std::string to = fs::join(dir, prefix + "-" + str::random_hex(8));
    if (::rename(path.c_str(), to.c_str()) < 0) return sys_error("rename " + path + " to " + to);
    return StagingEntry(std::move(to), std::move(fd));
}

StagingEntry::StagingEntry(StagingEntry&& o) noexcept : path_(std::move(o.path_)), fd_(std::move(o.fd_)), keep_(o.keep_) {
    o.keep_ = true;
}

StagingEntry::~StagingEntry() {
    if (!keep_) (void)remove();
}

Result<void> StagingEntry::remove() {
    keep_ = true;
    return fs::remove_all(path_);  // the lock is still held: no sweeper touches it meanwhile
}

void sweep_staging(const StoreConfig& store) {
    std::string dir = staging_dir(store);
    unique_fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd) return;
    auto names = fs::list_dir(dir);
    if (!names.ok()) return;
    for (auto& name : *names) {
        unique_fd fd(::openat(dirfd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) continue;  // gone, or its owner lives
        (void)fs::remove_all(fs::join(dir, name));
    }
}

uint64_t reserve_bytes(uint64_t size) {
    uint64_t floor = std::min<uint64_t>(256 * kMiB, size / 4);
    return std::clamp<uint64_t>(size / 20, floor, std::max<uint64_t>(floor, 2048 * kMiB));
}

uint64_t reserve_inodes(uint64_t inodes) { return inodes / 20; }

Result<void> SpaceReserve::wrote(uint64_t bytes) {
    bytes_ += bytes;
    if (bytes_ < kStepBytes) return {};
    bytes_ = 0;
    return check();
}

Result<void> SpaceReserve::made_entry() {
    if (++entries_ < kStepEntries) return {};
    entries_ = 0;
    return check();
}

Result<void> SpaceReserve::check() {
    struct statvfs st;
    if (::fstatvfs(fd_, &st) < 0) return sys_error(prefix() + "statvfs");
    uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
    uint64_t size = static_cast<uint64_t>(st.f_blocks) * unit;
    uint64_t avail = static_cast<uint64_t>(st.f_bavail) * unit;
    uint64_t reserve = reserve_bytes(size);
    // Each writer checks again after another step at most: stop while the steps of several are still
    // above the reserve.
    if (avail < reserve + kMarginBytes) {
        auto e = make_error(prefix() + "the store's file system would have less than " + mib(reserve) + " free (" +
                            mib(avail) + " of " + mib(size) + " free); stopped and removed what was written");
        e.code = ENOSPC;
        return e;
    }
    uint64_t inodes = reserve_inodes(st.f_files);
    if (inodes && st.f_favail < inodes + kStepEntries) {
        auto e = make_error(prefix() + "the store's file system would have fewer than " + std::to_string(inodes) +
                            " free inodes (" + std::to_string(st.f_favail) + " of " + std::to_string(st.f_files) +
                            " free); stopped and removed what was written");
        e.code = ENOSPC;
        return e;
    }
    return {};
}

}  // namespace skiff::storage
