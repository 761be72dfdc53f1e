#include "skiff/base/sys.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace skiff::sys {

Result<unique_fd> open(const std::string& path, int flags, mode_t mode) {
    return openat(AT_FDCWD, path, flags, mode);
}

Result<unique_fd> openat(int dirfd, const std::string& path, int flags, mode_t mode) {
    int fd;
    do fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return sys_error("open " + path);
    return unique_fd(fd);
}

Result<unique_fd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd;
    do fd = ::syscall(SYS_openat2, rootfd, path.c_str(), &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd < 0) return sys_error("open " + path);
    return unique_fd(static_cast<int>(fd));
}

Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("write");
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Result<std::string> read_all(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read");
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Result<struct stat> stat(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) return sys_error("stat " + path);
    return st;
}

Result<struct stat> lstat(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) return sys_error("lstat " + path);
    return st;
}

Result<void> mkdir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return sys_error("mkdir " + path);
    return {};
}

Result<void> mount(const std::string& src, const std::string& target, const char* fstype,
                   unsigned long flags, const std::string& data) {
    if (::mount(src.c_str(), target.c_str(), fstype, flags, data.empty() ? nullptr : data.c_str()) < 0)
        return sys_error("mount " + (fstype ? std::string(fstype) : src) + " on " + target);
    return {};
}

Result<void> umount(const std::string& target, int flags) {
    if (::umount2(target.c_str(), flags) < 0) return sys_error("umount " + target);
    return {};
}

Result<std::pair<unique_fd, unique_fd>> pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("pipe");
    return std::pair<unique_fd, unique_fd>{unique_fd(fds[0]), unique_fd(fds[1])};
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace skiff::sys
