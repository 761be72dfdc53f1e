#include "child.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <optional>

#include "exec.hpp"
#include "mounter.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/user.hpp"
#include "sync.hpp"

namespace skiff::runtime {

namespace {

constexpr off_t kMaxAccountFile = 16 << 20;

// Blocks until skiff releases the child; the end of the stream means skiff is gone.
Result<void> wait_for_release(int sync_fd) {
    auto m = TRY(sync::receive(sync_fd));
    if (!m) return make_error("skiff exited before starting the container");
    if (m->kind != sync::Kind::kRelease) return make_error("sync socket: expected the release");
    return {};
}

// The container starts with every signal at its default and none blocked, whatever skiff had.
void reset_signals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Nothing mounted from here on propagates to the host; the host's unmounts still reach us.
Result<void> make_mounts_slave() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) return sys_error("make / rslave");
    return {};
}

// The container's /etc/passwd or /etc/group, opened inside its root; nothing if it has none.
Result<std::optional<std::string>> read_account_file(int rootfd, const std::string& path) {
    auto fd = sys::open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd.ok()) {
        if (fd.error().code == ENOENT) return std::optional<std::string>();
        return fd.take_error().context("read " + path + " in the container");
    }
    struct stat st;
    if (::fstat(fd->get(), &st) < 0) return sys_error("stat " + path + " in the container");
    if (!S_ISREG(st.st_mode)) return make_error(path + " in the container is not a regular file", kExitCannotInvoke);
    if (st.st_size > kMaxAccountFile) return make_error(path + " in the container is too large", kExitCannotInvoke);
    std::string text = TRY_CTX(sys::read_all(fd->get()), "read " + path + " in the container");
    return std::optional<std::string>(std::move(text));
}

Result<ResolvedUser> lookup_user(int rootfd, const std::string& user) {
    auto passwd = TRY(read_account_file(rootfd, "/etc/passwd"));
    auto group = TRY(read_account_file(rootfd, "/etc/group"));
    auto r = resolve_user(user, passwd, group);
    if (!r.ok()) return r.take_error().with_exit(kExitCannotInvoke);
    return r;
}

Result<void> set_hostname(const std::string& name) {
    if (name.empty()) return {};
    if (::sethostname(name.data(), name.size()) < 0) return sys_error("sethostname " + name);
    return {};
}

Result<void> bring_up_loopback() {
    unique_fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) return sys_error("socket for lo");
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0) return sys_error("get flags of lo");
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0) return sys_error("bring lo up");
    return {};
}

// pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
Result<void> pivot_into(int rootfd) {
    if (::fchdir(rootfd) < 0) return sys_error("chdir into the root");
    if (::syscall(SYS_pivot_root, ".", ".") < 0) return sys_error("pivot_root");
    if (::umount2(".", MNT_DETACH) < 0) return sys_error("detach the old root");
    if (::chdir("/") < 0) return sys_error("chdir /");
    return {};
}

// The container's stdio: the terminal's slave as its controlling terminal (the master goes to
// skiff), or skiff's own stdout and stderr with /dev/null as stdin unless it is interactive.
Result<void> setup_stdio(const ChildContext& c, Console& console, const ResolvedUser& user) {
    if (c.spec.terminal) {
        int slave = console.slave.get();
        if (::setsid() < 0) return sys_error("setsid");
        if (::ioctl(slave, TIOCSCTTY, 0) < 0) return sys_error("make the terminal the controlling terminal");
        if (::fchown(slave, user.uid, static_cast<gid_t>(-1)) < 0) return sys_error("chown the terminal");
        if (c.window && ::ioctl(slave, TIOCSWINSZ, &*c.window) < 0) return sys_error("set the terminal size");
        for (int fd = 0; fd < 3; ++fd)
            if (::dup2(slave, fd) < 0) return sys_error("dup2 the terminal");
        TRY(sync::send_terminal(c.sync_fd, console.master.get()));
        console.master.reset();
        console.slave.reset();
        return {};
    }
    if (c.spec.interactive) return {};
    unique_fd null = TRY(sys::open("/dev/null", O_RDONLY));
    if (::dup2(null.get(), 0) < 0) return sys_error("dup2 /dev/null on stdin");
    return {};
}

Result<void> switch_user(const ResolvedUser& u) {
    // Keep the permitted set across setresuid, so the capability step can still choose.
    if (u.uid != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return sys_error("prctl PR_SET_KEEPCAPS");
    if (::setgroups(u.groups.size(), u.groups.data()) < 0) return sys_error("setgroups");
    if (::setresgid(u.gid, u.gid, u.gid) < 0) return sys_error("setresgid " + std::to_string(u.gid));
    if (::setresuid(u.uid, u.uid, u.uid) < 0) return sys_error("setresuid " + std::to_string(u.uid));
    return {};
}

// The working directory is looked up inside the root, so a path through /proc/self/fd or a
// symlink cannot land outside it (the CVE-2024-21626 class), and checked once entered.
Result<void> enter_cwd(const std::string& cwd) {
    unique_fd root = TRY(sys::open("/", O_PATH | O_DIRECTORY));
    auto dir = sys::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY);
    if (!dir.ok())
        return Error{dir.error().code, "chdir to the working directory \"" + cwd + "\": " +
                                           std::strerror(dir.error().code), kExitCannotInvoke};
    if (::fchdir(dir->get()) < 0) return sys_error("chdir to the working directory \"" + cwd + "\"");
    char buf[PATH_MAX];
    if (::getcwd(buf, sizeof buf) == nullptr || buf[0] != '/')
        return make_error("the working directory \"" + cwd + "\" is outside the container", kExitCannotInvoke);
    return {};
}

Result<void> set_no_new_privileges() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return sys_error("prctl PR_SET_NO_NEW_PRIVS");
    return {};
}

// Only 0, 1 and 2 reach the container's process.
Result<void> close_fds_on_exec() {
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return {};
    auto fds = TRY(fs::list_dir("/proc/self/fd"));
    for (const std::string& name : fds) {
        int fd = std::atoi(name.c_str());
        if (fd > 2) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return {};
}

Result<void> init_container(const ChildContext& c) {
    const Spec& spec = c.spec;
    TRY(wait_for_release(c.sync_fd));
    // After skiff placed the child in its cgroup, so that cgroup is the namespace's root.
    if (::unshare(CLONE_NEWCGROUP) < 0) return sys_error("unshare the cgroup namespace");
    reset_signals();
    TRY(make_mounts_slave());
    unique_fd root = TRY(mount_root(c.plan.root, spec.rootfs));
    Console console;
    TRY(apply_ops(root.get(), c.plan.ops, console));
    ResolvedUser user = TRY(lookup_user(root.get(), spec.user));
    TRY(set_hostname(spec.hostname));
    if (!spec.host_network) TRY(bring_up_loopback());
    TRY(pivot_into(root.get()));
    root.reset();
    TRY(setup_stdio(c, console, user));
    // Without no_new_privs the kernel takes a filter only from a holder of CAP_SYS_ADMIN: load it
    // while still root, before the capabilities go; with it, load it last.
    if (!spec.no_new_privileges) TRY(seccomp::load(c.seccomp));
    TRY(switch_user(user));
    TRY(caps::apply_mask(c.capabilities));
    TRY(enter_cwd(spec.cwd));
    if (spec.no_new_privileges) TRY(set_no_new_privileges());
    std::vector<std::string> env = process_env(spec.env, user.home);
    std::string exe = TRY(find_executable(spec.args.front(), env_value(env, "PATH", kDefaultPath), spec.cwd));
    if (spec.no_new_privileges) TRY(seccomp::load(c.seccomp));
    TRY(close_fds_on_exec());
    return exec_command(exe, spec.args, env);
}

}  // namespace

void child_main(const ChildContext& ctx) {
    // Dies with skiff; a container whose skiff is gone would have nobody to reap it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    auto r = init_container(ctx);
    Error e = r.ok() ? make_error("the container's init returned without exec") : r.take_error();
    if (e.exit_code == kExitFailure) e.exit_code = kExitCannotInvoke;
    sync::send_error(ctx.sync_fd, e);
    ::_exit(e.exit_code);
}

}  // namespace skiff::runtime
