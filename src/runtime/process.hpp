// skiff's handles on a running container: the child process (killed and reaped unless it was
// waited for), the signals skiff forwards to it, and its cgroup directory.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::runtime {

class ChildProcess {
public:
    ChildProcess(pid_t pid, unique_fd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ~ChildProcess();  // SIGKILL and reap, unless wait() already reaped it

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    void signal(int sig) const;
    // Reaps the child: its exit code, or 128+N when signal N killed it.
    Result<int> wait();
    // Leaves the child running and unreaped: skiff is about to exit and hand it to the host's init.
    void release() { pid_ = -1; }

private:
    pid_t pid_ = -1;
    unique_fd pidfd_;
};

// clone3(2) with CLONE_PIDFD plus `flags` (namespaces), straight into the cgroup `cgroup_fd`
// when it is not -1 (CLONE_INTO_CGROUP). As fork: 0 in the child, which runs on a copy of this
// stack; the child's pid in the parent, with its pidfd in *pidfd; -1 and errno on failure.
long clone_process(uint64_t flags, int cgroup_fd, int* pidfd);

// Blocks the signals skiff forwards (INT TERM HUP QUIT USR1 USR2 WINCH) and reads them from a
// signalfd; on destruction drops any still pending and restores the mask.
class SignalRelay {
public:
    static Result<SignalRelay> start();
    SignalRelay(SignalRelay&& o) noexcept;
    SignalRelay& operator=(SignalRelay&&) = delete;
    ~SignalRelay();

    int fd() const { return fd_.get(); }
    std::optional<int> next();  // the next pending signal, if any

private:
    SignalRelay() = default;
    sigset_t saved_{};
    unique_fd fd_;
    bool active_ = false;
};

// The container's cgroup v2 directory: created (with its parents) if missing, removed on
// destruction if it was created here. Empty path: no cgroup.
class CgroupDir {
public:
    static Result<CgroupDir> create(const std::string& path);
    CgroupDir(CgroupDir&& o) noexcept;
    CgroupDir& operator=(CgroupDir&&) = delete;
    ~CgroupDir();

    int fd() const { return fd_.get(); }  // -1 without a cgroup

private:
    CgroupDir() = default;
    std::string path_;
    unique_fd fd_;
    bool created_ = false;
};

}  // namespace skiff::runtime
