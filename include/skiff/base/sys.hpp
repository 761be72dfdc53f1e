// Thin system-call wrappers: O_CLOEXEC always, EINTR retried, errors as values, no policy.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::sys {

Result<unique_fd> open(const std::string& path, int flags, mode_t mode = 0);
Result<unique_fd> openat(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` is resolved as if `rootfd` were "/".
Result<unique_fd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode = 0);
Result<void> write_all(int fd, std::string_view data);
Result<std::string> read_all(int fd);
Result<struct stat> stat(const std::string& path);
Result<struct stat> lstat(const std::string& path);
Result<void> mkdir(const std::string& path, mode_t mode);  // EEXIST is success
Result<void> mount(const std::string& src, const std::string& target, const char* fstype,
                   unsigned long flags, const std::string& data = {});
Result<void> umount(const std::string& target, int flags = 0);
Result<std::pair<unique_fd, unique_fd>> pipe();
bool exists(const std::string& path);

// What a program wrote, run by run_captured.
struct Captured {
    int status = 0;          // its wait status
    bool timed_out = false;  // killed after timeout_ms
    std::string output;
};
// Runs argv (argv[0] looked up in PATH) with stdin and the stream not captured on /dev/null, and
// captures `stream` (STDOUT_FILENO or STDERR_FILENO), at most `limit` bytes; the process is killed
// when it runs longer than `timeout_ms` (negative: no limit). An error when it cannot be executed.
Result<Captured> run_captured(const std::vector<std::string>& argv, int stream, int timeout_ms, size_t limit);

}  // namespace skiff::sys
