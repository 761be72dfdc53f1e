#include "skiff/base/sys.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

extern char** environ;

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

Result<Captured> run_captured(const std::vector<std::string>& args, int stream, int timeout_ms, size_t limit) {
    if (args.empty()) return make_error("run: no program");
    auto [rd, wr] = TRY(pipe());
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    int other = stream == STDOUT_FILENO ? STDERR_FILENO : STDOUT_FILENO;
    posix_spawn_file_actions_addopen(&actions, other, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, wr.get(), stream);
    pid_t pid = 0;
    int err = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return sys_error("execute " + args[0], err);
    wr.reset();
    Captured out;
    for (;;) {
        struct pollfd p{rd.get(), POLLIN, 0};
        int n = ::poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            out.timed_out = true;
            break;
        }
        char buf[4096];
        ssize_t r = ::read(rd.get(), buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        out.output.append(buf, std::min(static_cast<size_t>(r), limit - std::min(limit, out.output.size())));
    }
    rd.reset();
    if (out.timed_out) ::kill(pid, SIGKILL);  // our child, not yet reaped: the pid is still its
    while (::waitpid(pid, &out.status, 0) < 0 && errno == EINTR) {
    }
    return out;
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace skiff::sys
