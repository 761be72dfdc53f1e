// run_foreground(): validate and plan, clone the container's init into its namespaces, release it,
// then relay signals (and the terminal) until it exits.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "child.hpp"
#include "process.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/seccomp.hpp"
#include "skiff/runtime/spec.hpp"
#include "sync.hpp"
#include "terminal.hpp"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

namespace skiff::runtime {

namespace {

// struct clone_args of clone3(2); <linux/sched.h> would clash with glibc's <sched.h>.
struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
};

// One clone into new mount, pid, uts, ipc (and network) namespaces, straight into the cgroup.
// The cgroup namespace is made by the child once it is in its cgroup. Like fork, the child runs
// on a copy of this stack, and never returns from child_main.
Result<ChildProcess> spawn(const ChildContext& ctx, int cgroup_fd) {
    int pidfd = -1;
    CloneArgs args{};
    args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
    if (!ctx.spec.host_network) args.flags |= CLONE_NEWNET;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) {
        Error e = sys_error("clone the container's init");
        if (cgroup_fd >= 0 && errno == EBADF) e.message += " (is " + ctx.spec.cgroup_path + " a cgroup v2 directory?)";
        return e;
    }
    if (pid == 0) child_main(ctx);
    return ChildProcess(static_cast<pid_t>(pid), unique_fd(pidfd));
}

// Reads the child's messages until its exec closes the socket: the terminal's master, if any,
// or the error that stopped it (then it is reaped and the error returned).
Result<unique_fd> await_exec(int sync_fd, ChildProcess& child) {
    unique_fd master;
    for (;;) {
        auto m = TRY(sync::receive(sync_fd));
        if (!m) return master;
        if (m->kind == sync::Kind::kTerminal) {
            master = std::move(m->fd);
        } else if (m->kind == sync::Kind::kError) {
            (void)child.wait();
            return std::move(m->error);
        }
    }
}

void forward(int sig, ChildProcess& child, TerminalRelay* terminal) {
    if (sig == SIGWINCH && terminal) {
        terminal->resize();  // the kernel tells the container's foreground process group
        return;
    }
    child.signal(sig);
}

// Until the child exits: forward signals, and with a terminal copy its bytes both ways.
Result<int> supervise(ChildProcess& child, SignalRelay& signals, TerminalRelay* terminal, const Hooks& hooks) {
    bool master_open = terminal != nullptr;
    std::vector<int> watch = hooks.watch;
    for (;;) {
        struct pollfd p[16];
        nfds_t n = 0;
        p[n++] = {signals.fd(), POLLIN, 0};
        p[n++] = {child.pidfd(), POLLIN, 0};
        nfds_t watch_at = n;
        for (int fd : watch)
            if (n < 12) p[n++] = {fd, POLLIN, 0};
        nfds_t watch_end = n;
        int master_at = -1, input_at = -1;
        if (master_open) {
            master_at = static_cast<int>(n);
            p[n++] = {terminal->master(), terminal->master_events(), 0};
        }
        if (master_open && terminal->wants_input()) {
            input_at = static_cast<int>(n);
            p[n++] = {STDIN_FILENO, POLLIN, 0};
        }
        if (::poll(p, n, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("poll");
        }
        if (p[0].revents & POLLIN) {
            while (auto sig = signals.next()) forward(*sig, child, terminal);
        }
        for (nfds_t i = watch_at; i < watch_end; i++) {
            if (!p[i].revents) continue;
            if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL) && !(p[i].revents & POLLIN))
                std::erase(watch, p[i].fd);  // its writers are gone: stop watching it
            else if (hooks.readable)
                hooks.readable(p[i].fd);
        }
        if (master_at >= 0 && p[master_at].revents) master_open = TRY(terminal->on_master(p[master_at].revents));
        if (input_at >= 0 && p[input_at].revents) TRY(terminal->on_input());
        if (p[1].revents & POLLIN) break;
    }
    if (terminal) terminal->drain();
    return child.wait();
}

// A closed 0, 1 or 2 in skiff would be taken by the next descriptor it opens (the sync socket,
// say) and then clobbered when the child sets up the container's stdio: fill them with /dev/null.
Result<void> ensure_stdio_open() {
    for (int fd = 0; fd < 3; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        int null = ::open("/dev/null", O_RDWR);
        if (null < 0) return sys_error("open /dev/null");
        if (null != fd) {
            ::dup2(null, fd);
            ::close(null);
        }
    }
    return {};
}

// The container's own cgroup: made and limited before the clone, emptied and removed whatever
// happens after (a destructor), its OOM kills reported once the container has exited.
class ManagedCgroup {
public:
    static Result<ManagedCgroup> create(const Spec& spec) {
        ManagedCgroup m;
        if (!spec.cgroup) return m;
        auto host = TRY_CTX(probe_cgroups(), "cgroup");
        m.cgroup_ = TRY_CTX(Cgroup::create(host, spec.cgroup_name, spec.cgroup_parent), "cgroup");
        TRY(m.cgroup_->apply(spec.resources));
        return m;
    }
    ManagedCgroup() = default;
    ManagedCgroup(ManagedCgroup&& o) noexcept : cgroup_(std::move(o.cgroup_)) { o.cgroup_.reset(); }
    ManagedCgroup& operator=(ManagedCgroup&&) = delete;
    ~ManagedCgroup() {
        if (!cgroup_) return;
        (void)cgroup_->kill_all(SIGKILL);  // what the container left behind
        (void)cgroup_->remove();
    }
    Cgroup* get() { return cgroup_ ? &*cgroup_ : nullptr; }

    Result<int> finish(Result<int> status, const Hooks& hooks) {
        if (cgroup_ && hooks.oom_killed) {
            auto oom = cgroup_->oom_killed();
            if (oom.ok() && *oom) hooks.oom_killed();
        }
        return status;
    }

private:
    std::optional<Cgroup> cgroup_;
};

}  // namespace

Result<int> run_foreground(const Spec& spec, const Hooks& hooks) {
    Plan plan = TRY(runtime::plan(spec, probe_host(spec.privileged)));
    TRY(ensure_stdio_open());
    seccomp::Program filter = TRY(seccomp::prepare(spec));
    uint64_t capabilities = TRY(caps::to_mask(spec.capabilities));
    auto [sync_fd, child_sync_fd] = TRY(sync::socket_pair());
    SignalRelay signals = TRY(SignalRelay::start());
    CgroupDir cgroup = TRY(CgroupDir::create(spec.cgroup_path));
    ManagedCgroup managed = TRY(ManagedCgroup::create(spec));
    if (managed.get() && hooks.cgroup_made) {
        std::vector<std::string> dirs;
        for (auto& [hierarchy, dir] : managed.get()->paths().v1) dirs.push_back(dir);
        if (!managed.get()->paths().unified.empty()) dirs.push_back(managed.get()->paths().unified);
        hooks.cgroup_made(dirs);
    }

    ChildContext ctx{spec, plan, child_sync_fd.get(), std::nullopt, filter, capabilities};
    struct winsize ws {};
    if (spec.terminal && (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
        ctx.window = ws;
    ChildProcess child = TRY(spawn(ctx, managed.get() ? managed.get()->unified_fd() : cgroup.fd()));
    child_sync_fd.reset();
    // The child waits for its release: in every hierarchy before it runs anything of its own.
    if (managed.get()) TRY_CTX(managed.get()->add(child.pid()), "cgroup");
    if (hooks.started) hooks.started(child.pid());
    TRY(sync::send_release(sync_fd.get()));
    unique_fd master = TRY(await_exec(sync_fd.get(), child));
    if (hooks.executed) hooks.executed();

    if (!master) return managed.finish(supervise(child, signals, nullptr, hooks), hooks);
    // As podman: skiff's terminal (if stdin is one) is raw, so the container's terminal alone
    // interprets keys and line endings, with -i or without.
    RawMode raw(STDIN_FILENO);
    struct sigaction ignore {}, saved_pipe {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved_pipe);
    TerminalRelay terminal(std::move(master), spec.interactive);
    auto status = supervise(child, signals, &terminal, hooks);
    ::sigaction(SIGPIPE, &saved_pipe, nullptr);
    return managed.finish(std::move(status), hooks);
}

}  // namespace skiff::runtime
