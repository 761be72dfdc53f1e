#include "process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime {

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}

ChildProcess::~ChildProcess() {
    if (pid_ <= 0) return;
    signal(SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

void ChildProcess::signal(int sig) const {
    // glibc 2.36 declares pidfd_send_signal without C linkage: call it directly.
    if (pid_ > 0) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0);
}

Result<int> ChildProcess::wait() {
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid_, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) return sys_error("wait for the container's process " + std::to_string(pid_));
    pid_ = -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

namespace {

// struct clone_args of clone3(2); <linux/sched.h> would clash with glibc's <sched.h>.
struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

}  // namespace

long clone_process(uint64_t flags, int cgroup_fd, int* pidfd) {
    CloneArgs args{};
    args.flags = flags | CLONE_PIDFD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    return ::syscall(SYS_clone3, &args, sizeof args);
}

Result<SignalRelay> SignalRelay::start() {
    SignalRelay r;
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, &r.saved_) < 0) return sys_error("block signals");
    r.active_ = true;
    r.fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!r.fd_) return sys_error("signalfd");
    return r;
}

SignalRelay::SignalRelay(SignalRelay&& o) noexcept
    : saved_(o.saved_), fd_(std::move(o.fd_)), active_(std::exchange(o.active_, false)) {}

SignalRelay::~SignalRelay() {
    if (!active_) return;
    // A signal that came after the container exited has nobody to go to: drop it, do not let it
    // kill skiff once unblocked.
    while (fd_ && next()) {
    }
    ::sigprocmask(SIG_SETMASK, &saved_, nullptr);
}

std::optional<int> SignalRelay::next() {
    struct signalfd_siginfo si;
    ssize_t n;
    do n = ::read(fd_.get(), &si, sizeof si);
    while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof si)) return std::nullopt;
    return static_cast<int>(si.ssi_signo);
}

Result<CgroupDir> CgroupDir::create(const std::string& path) {
    CgroupDir d;
    if (path.empty()) return d;
    d.path_ = path;
    d.created_ = !sys::exists(path);
    TRY_CTX(fs::mkdir_p(path), "create cgroup " + path);
    d.fd_ = TRY_CTX(sys::open(path, O_PATH | O_DIRECTORY), "open cgroup " + path);
    return d;
}

CgroupDir::CgroupDir(CgroupDir&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), created_(std::exchange(o.created_, false)) {}

CgroupDir::~CgroupDir() {
    if (created_) ::rmdir(path_.c_str());
}

}  // namespace skiff::runtime
