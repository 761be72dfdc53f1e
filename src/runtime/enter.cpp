// exec_in_container(): skiff joins the pid namespace of the container's init just long enough to
// clone a child into it (and into its cgroup); the child joins the other namespaces, sets itself
// up as the init was and execs. skiff stays outside, out of the container's sight, and is the
// child's parent: it forwards signals, relays the terminal and collects the exit status.
#include "skiff/runtime/enter.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <optional>

#include <linux/magic.h>

#include "mounter.hpp"
#include "process.hpp"
#include "process_setup.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/runtime/rlimits.hpp"
#include "skiff/runtime/seccomp.hpp"
#include "command.hpp"
#include "supervise.hpp"
#include "sync.hpp"
#include "terminal.hpp"

namespace skiff::runtime {

namespace {

// What the cloned child needs, all of it computed by skiff before the clone.
struct EnterContext {
    const Spec& spec;
    InitProcess init;
    int sync_fd;  // the child's end (close-on-exec)
    int stub_fd;  // skiff's exec stub, sealed (sealed_exec_stub(); close-on-exec)
    std::array<int, 3> stdio;  // without a terminal: the pipes' container ends (close-on-exec)
    bool detach;
    std::optional<struct winsize> window;
    const seccomp::Program& seccomp;
    uint64_t capabilities;
    const CgroupSelfJoin& cgroups;  // the init's v1 cgroups, joined first
};

// Every namespace of the init but its pid namespace (the child was cloned into that one) and its
// user namespace (it has none of its own).
// Through the pidfd, all at once (Linux 5.8); else through /proc/PID/ns, all opened while /proc is
// still the host's, the mount namespace joined last.
Result<void> join_namespaces(const InitProcess& init) {
    static constexpr std::pair<const char*, int> kFiles[] = {
        {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET}, {"mnt", CLONE_NEWNS}};
    // Only those that are not already this process's: a namespace the container shares with the
    // host (--cgroupns host, --network host) may not be joined again by a rootless skiff, whose user
    // namespace does not own it.
    const std::string theirs = "/proc/" + std::to_string(init.pid) + "/ns/";
    int joined = 0;
    for (auto& [name, flag] : kFiles) {
        struct stat a, b;
        bool same = ::stat((std::string("/proc/self/ns/") + name).c_str(), &a) == 0 &&
                    ::stat((theirs + name).c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
        if (!same) joined |= flag;
    }
    if (joined == 0 || ::setns(init.pidfd, joined) == 0) return {};
    if (errno != EINVAL) return sys_error("join the namespaces of the container's process " + std::to_string(init.pid));
    unique_fd fds[std::size(kFiles)];
    for (size_t i = 0; i < std::size(kFiles); ++i)
        if (joined & kFiles[i].second) fds[i] = TRY(sys::open(theirs + kFiles[i].first, O_RDONLY));
    for (size_t i = 0; i < std::size(kFiles); ++i)
        if ((joined & kFiles[i].second) && ::setns(fds[i].get(), kFiles[i].second) < 0)
            return sys_error(std::string("join the container's ") + kFiles[i].first + " namespace");
    return {};
}

// -d: a session of its own and nothing of skiff's, which returns at once. -t: a terminal from the
// container's devpts. Otherwise the pipes skiff relays (stdin's only with -i).
Result<void> setup_stdio(const EnterContext& c, int rootfd, const ResolvedUser& user) {
    if (c.detach) {
        if (::setsid() < 0) return sys_error("setsid");
        unique_fd null = TRY(sys::open("/dev/null", O_RDWR));
        for (int fd = 0; fd < 3; ++fd)
            if (::dup2(null.get(), fd) < 0) return sys_error("dup2 /dev/null");
        return {};
    }
    if (c.spec.terminal) {
        Console console = TRY(open_console(rootfd));
        return take_terminal(console, user, c.window, c.sync_fd);
    }
    return take_stdio(c.stdio, c.spec.interactive);
}

Result<void> enter(const EnterContext& c) {
    // Nothing of its own before it is in every cgroup of the container: its device rules (v1
    // devices controller) hold from the first instruction of what it runs.
    TRY(c.cgroups.join());
    reset_signals();
    TRY(sync::wait_for_release(c.sync_fd));
    // The container's --ulimit and --oom-score-adj hold for what is exec'd in it as for its init. Set
    // here, still in skiff's mount namespace (its /proc; getpid() would name the container's pid).
    TRY(apply_rlimits(0, c.spec.rlimits));
    if (c.spec.oom_score_adj) TRY(set_oom_score_adj(0, *c.spec.oom_score_adj));
    TRY(join_namespaces(c.init));
    // Joining the mount namespace put this process's root and working directory at its root.
    unique_fd root = TRY(sys::open("/", O_PATH | O_DIRECTORY));
    ResolvedUser user = TRY(lookup_user(root.get(), c.spec.user, c.spec.group_add));
    TRY(setup_stdio(c, root.get(), user));
    root.reset();
    return finish_and_exec(c.spec, user, c.seccomp, c.capabilities, c.stub_fd, c.sync_fd);
}

[[noreturn]] void enter_main(const EnterContext& c) {
    // Until exec: killed with skiff, so nothing half set up is left behind in the container.
    if (!c.detach) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    auto r = enter(c);
    Error e = r.ok() ? make_error("the exec'd process's set-up returned without exec") : r.take_error();
    if (e.exit_code == kExitFailure) e.exit_code = kExitCannotInvoke;
    sync::send_error(c.sync_fd, e);
    ::_exit(e.exit_code);
}

// The cgroup2 directory of `pid`'s cgroup, for CLONE_INTO_CGROUP; -1 on a host without cgroup2.
Result<unique_fd> open_cgroup_of(pid_t pid) {
    std::string mount;
    for (const char* m : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        struct statfs st;
        if (::statfs(m, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
            mount = m;
            break;
        }
    }
    if (mount.empty()) return unique_fd();
    std::string file = "/proc/" + std::to_string(pid) + "/cgroup";
    std::string text = TRY(fs::read_file(file));
    for (const std::string& line : str::split(text, '\n')) {
        if (!str::starts_with(line, "0::")) continue;
        std::string path = mount + line.substr(3);
        return TRY_CTX(sys::open(path, O_RDONLY | O_DIRECTORY), "open the container's cgroup");
    }
    return unique_fd();
}

// On a hybrid host the container's limits live in its cgroup v1 hierarchies: the child joins each
// cgroup `init` is in there itself (the cgroup2 part at the clone). A hierarchy the host does not
// mount there is skipped; one that refuses the child is an error (its device rules among them).
Result<CgroupSelfJoin> v1_cgroups_of(pid_t init) {
    std::string text = TRY(fs::read_file("/proc/" + std::to_string(init) + "/cgroup"));
    std::vector<std::string> dirs;
    for (const std::string& line : str::split(text, '\n')) {
        auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        std::string hierarchy = line.substr(first + 1, second - first - 1);
        if (hierarchy.empty() || str::starts_with(hierarchy, "name=")) continue;
        dirs.push_back("/sys/fs/cgroup/" + hierarchy + line.substr(second + 1));
    }
    return TRY_CTX(CgroupSelfJoin::open(dirs, /*skip_missing=*/true), "join the container's cgroups");
}

// The child is cloned from skiff with skiff's pid namespace for children switched to the
// container's, then switched back: skiff itself never enters it.
Result<ChildProcess> spawn(const EnterContext& ctx, int cgroup_fd) {
    unique_fd own = TRY(sys::open("/proc/self/ns/pid", O_RDONLY));
    if (::setns(ctx.init.pidfd, CLONE_NEWPID) < 0) return sys_error("join the container's pid namespace");
    int pidfd = -1;
    long pid = clone_process(0, cgroup_fd, &pidfd);
    int err = errno;
    if (pid == 0) enter_main(ctx);
    std::optional<ChildProcess> child;
    if (pid > 0) child.emplace(static_cast<pid_t>(pid), unique_fd(pidfd));
    // A rootless skiff may not join the host's pid namespace again (the host's user namespace owns
    // it): its children stay in the container's, and exec makes no other.
    if (::setns(own.get(), CLONE_NEWPID) < 0 && !(errno == EPERM && rootless_process()))
        return sys_error("return to skiff's pid namespace");
    if (pid < 0) {
        // ENOMEM: the namespace's init has exited and no process may join it any more.
        if (err == ENOMEM) return make_error("can only create exec sessions on running containers: container state improper");
        return sys_error("clone a process into the container", err);
    }
    return std::move(*child);
}

}  // namespace

Result<int> exec_in_container(const InitProcess& init, const Spec& spec, bool detach,
                              const std::function<void(pid_t)>& executed) {
    // CVE-2019-5736: from its clone on, the child is in the container's pid namespace with skiff's
    // memory, so its /proc/PID/exe is skiff's binary. A non-dumpable process's /proc/PID/exe and
    // /proc/PID/fd are closed to every other process without CAP_SYS_PTRACE; the child inherits
    // this, and exec gives the container's command its own.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sys_error("prctl PR_SET_DUMPABLE");
    if (spec.args.empty()) return make_error("must provide a non-empty command to start an exec session");
    TRY(ensure_stdio_open());
    seccomp::Program filter = TRY(seccomp::prepare(spec));
    uint64_t capabilities = TRY(caps::to_mask(spec.capabilities));
    // A rootless container without a cgroup of its own runs in the user's: so does the process.
    unique_fd cgroup;
    CgroupSelfJoin v1_cgroups;
    if (spec.cgroup || !rootless_process()) {
        cgroup = TRY(open_cgroup_of(init.pid));
        v1_cgroups = TRY(v1_cgroups_of(init.pid));
    }
    auto [sync_fd, child_sync_fd] = TRY(sync::socket_pair());
    std::optional<SignalRelay> signals;
    if (!detach) signals.emplace(TRY(SignalRelay::start()));

    std::optional<PipeRelay> pipes;
    ContainerEnds theirs;
    if (!spec.terminal && !detach) pipes.emplace(TRY(PipeRelay::make(spec.interactive, theirs)));

    unique_fd stub = TRY(sealed_exec_stub());
    EnterContext ctx{spec, init, child_sync_fd.get(), stub.get(), theirs.fds(), detach, std::nullopt,
                     filter, capabilities, v1_cgroups};
    if (spec.terminal && !detach) ctx.window = window_size();
    ChildProcess child = TRY(spawn(ctx, cgroup.get()));
    child_sync_fd.reset();
    theirs = {};  // the child has its copies: the pipes end when the container's do
    v1_cgroups = {};  // and its own of these
    TRY(sync::send_release(sync_fd.get()));
    unique_fd master = TRY(await_exec(sync_fd.get(), child));
    if (executed) executed(child.pid());
    if (detach) {
        child.release();
        return 0;
    }
    return attach(child, *signals, std::move(master), pipes ? &*pipes : nullptr, spec.interactive);
}

}  // namespace skiff::runtime
