// run_foreground(): validate and plan, clone the container's init into its namespaces, release it,
// then relay signals (and the terminal) until it exits.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "child.hpp"
#include "command.hpp"
#include "namespaces.hpp"
#include "pipes.hpp"
#include "process.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/rlimits.hpp"
#include "skiff/runtime/seccomp.hpp"
#include "skiff/runtime/spec.hpp"
#include "supervise.hpp"
#include "sync.hpp"
#include "terminal.hpp"

namespace skiff::runtime {

namespace {

// One clone into a new mount namespace and the others the spec makes new (a pid namespace it joins,
// it is cloned into), straight into the cgroup2 cgroup. The child joins its v1 cgroups, then makes
// or joins its cgroup namespace (or stays in the host's). Like fork, the child runs on a copy of
// this stack, and never returns from child_main.
Result<ChildProcess> spawn(const ChildContext& ctx, int cgroup_fd) {
    uint64_t flags = clone_flags(ctx.spec.namespaces);
    auto in_pid_namespace = TRY(PidNamespaceForChildren::enter(ctx.joined));
    int pidfd = -1;
    long pid = clone_process(flags, cgroup_fd, &pidfd);
    if (pid < 0) {
        Error e = sys_error("clone the container's init");
        if (cgroup_fd >= 0 && errno == EBADF) e.message += " (is " + ctx.spec.cgroup_path + " a cgroup v2 directory?)";
        return e;
    }
    if (pid == 0) child_main(ctx);
    return ChildProcess(static_cast<pid_t>(pid), unique_fd(pidfd));
}

// The container's own cgroup: made and limited before the clone, emptied and removed whatever
// happens after (a destructor), its OOM kills reported once the container has exited.
class ManagedCgroup {
public:
    static Result<ManagedCgroup> create(const Spec& spec, const Result<CgroupHost>& host) {
        ManagedCgroup m;
        if (!spec.cgroup) return m;
        if (!host.ok()) return Error(host.error()).context("cgroup");
        m.cgroup_ = TRY_CTX(Cgroup::create(*host, spec.cgroup_name, spec.cgroup_parent), "cgroup");
        TRY(m.cgroup_->apply(spec.resources));
        TRY_CTX(m.cgroup_->restrict_devices(spec.device_rules), "cgroup");
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
    // CVE-2019-5736: a container that sees the host's processes (--pid host) must not open this
    // one's /proc/PID/exe, nor its other /proc files, nor ptrace it.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sys_error("prctl PR_SET_DUMPABLE");
    // Probed once: the mount plan and the container's cgroup both need this process's cgroups. The
    // plan can do without this process's own ones (the mode is read from /sys/fs/cgroup).
    const Result<CgroupHost> cgroups = probe_cgroups();
    Plan plan = TRY(runtime::plan(spec, probe_host(spec.privileged, cgroups.ok() ? *cgroups : probe_cgroups_from(""))));
    TRY(ensure_stdio_open());
    seccomp::Program filter = TRY(seccomp::prepare(spec));
    uint64_t capabilities = TRY(caps::to_mask(spec.capabilities));
    auto [sync_fd, child_sync_fd] = TRY(sync::socket_pair());
    SignalRelay signals = TRY(SignalRelay::start());
    CgroupDir cgroup = TRY(CgroupDir::create(spec.cgroup_path));
    if (!spec.cgroup_path.empty()) TRY(restrict_cgroup2_devices(spec.cgroup_path, spec.device_rules));
    ManagedCgroup managed = TRY(ManagedCgroup::create(spec, cgroups));
    if (managed.get() && hooks.cgroup_made) hooks.cgroup_made(managed.get()->paths());

    std::optional<PipeRelay> pipes;
    ContainerEnds theirs;
    if (!spec.terminal && !hooks.stdio) pipes.emplace(TRY(PipeRelay::make(spec.interactive, theirs, hooks.copied, {hooks.relay_stdout, hooks.relay_stderr})));

    unique_fd stub = TRY(sealed_exec_stub());
    std::optional<CgroupSelfJoin> join;
    if (managed.get()) join = TRY_CTX(managed.get()->self_join(), "cgroup");
    JoinedNamespaces joined = TRY(open_joined(spec.namespaces));
    ChildContext ctx{spec, plan, child_sync_fd.get(), stub.get(), hooks.stdio.value_or(theirs.fds()),
                     std::nullopt, filter, capabilities, join ? &*join : nullptr, joined, bool(hooks.initialized)};
    if (spec.terminal) ctx.window = hooks.window ? hooks.window() : window_size();
    ChildProcess child = TRY(spawn(ctx, managed.get() ? managed.get()->unified_fd() : cgroup.fd()));
    child_sync_fd.reset();
    theirs = {};  // the child has its copies: the pipes end when the container's do
    join.reset();  // and its own of these
    // The child joins its cgroups itself, then waits for its release: its rlimits, its OOM score
    // and its pid in the container's state come before anything of the container's.
    TRY(apply_rlimits(child.pid(), spec.rlimits));
    if (spec.oom_score_adj) TRY(set_oom_score_adj(child.pid(), *spec.oom_score_adj));
    if (hooks.started) hooks.started(child.pid());
    TRY(sync::send_release(sync_fd.get()));
    unique_fd master = TRY(await_exec(sync_fd.get(), child, hooks.initialized));
    if (hooks.executed) hooks.executed();
    if (master && hooks.terminal) hooks.terminal(master.get());

    return managed.finish(attach(child, signals, std::move(master), pipes ? &*pipes : nullptr, spec.interactive, hooks),
                          hooks);
}

}  // namespace skiff::runtime
