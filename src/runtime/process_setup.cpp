#include "process_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "skiff/base/fs.hpp"
#include "skiff/base/read_beneath.hpp"
#include "command.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/spec.hpp"
#include "sync.hpp"

namespace skiff::runtime {

namespace {

// The container's /etc/passwd or /etc/group, read inside its root; nothing if it has none.
Result<std::optional<std::string>> read_account_file(int rootfd, const std::string& path) {
    auto text = fs::read_file_beneath(rootfd, path, fs::kMaxAccountFile);
    if (text.ok()) return std::optional<std::string>(text.take());
    if (text.error().code == ENOENT) return std::optional<std::string>();
    // read_file_beneath's EINVAL and EFBIG: a file of another kind, or one over the bound.
    if (text.error().code == EINVAL) return make_error(path + " in the container is not a regular file", kExitCannotInvoke);
    if (text.error().code == EFBIG) return make_error(path + " in the container is too large", kExitCannotInvoke);
    return text.take_error().context("read " + path + " in the container").with_exit(kExitCannotInvoke);
}

Result<void> switch_user(const ResolvedUser& u) {
    // Keep the permitted set across setresuid, so the capability step can still choose.
    if (u.uid != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return sys_error("prctl PR_SET_KEEPCAPS");
    if (!u.keep_groups && ::setgroups(u.groups.size(), u.groups.data()) < 0) return sys_error("setgroups");
    if (::setresgid(u.gid, u.gid, u.gid) < 0) return sys_error("setresgid " + std::to_string(u.gid));
    if (::setresuid(u.uid, u.uid, u.uid) < 0) return sys_error("setresuid " + std::to_string(u.uid));
    return {};
}

// An image's working directory is made when missing, owned by the user, as podman makes it; the
// user's own --workdir is not.
Result<void> make_cwd(const std::string& cwd, const ResolvedUser& user) {
    if (sys::exists(cwd)) return {};
    TRY_CTX(fs::mkdir_p(cwd, 0755), "creating the container's workdir");
    if (::chown(cwd.c_str(), user.uid, user.gid) < 0) return sys_error("chowning the container's workdir " + cwd);
    return {};
}

// The CVE-2024-21626 class: the working directory is checked once entered.
Result<void> enter_cwd(const std::string& cwd, const std::string& id) {
    unique_fd root = TRY(sys::open("/", O_PATH | O_DIRECTORY));
    auto dir = sys::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY);
    if (!dir.ok() && dir.error().code == ENOENT)
        return make_error("workdir \"" + cwd + "\" does not exist on container " + id, kExitCannotInvoke);
    if (!dir.ok() && dir.error().code == ENOTDIR)
        return make_error("workdir \"" + cwd + "\" exists on container " + id + ", but is not a directory", kExitCannotInvoke);
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

// Every descriptor from 3 closes on exec but the `preserved` after stdio (--preserve-fds), which
// stay as skiff was given them.
Result<void> close_fds_on_exec(int preserved) {
    unsigned first = 3u + static_cast<unsigned>(preserved);
    if (::syscall(SYS_close_range, first, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return {};
    auto fds = TRY(fs::list_dir("/proc/self/fd"));
    for (const std::string& name : fds) {
        int fd = std::atoi(name.c_str());
        if (fd >= static_cast<int>(first)) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return {};
}

}  // namespace

void reset_signals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

Result<ResolvedUser> lookup_user(int rootfd, const std::string& user, const std::vector<std::string>& group_add) {
    auto passwd = TRY(read_account_file(rootfd, "/etc/passwd"));
    auto group = TRY(read_account_file(rootfd, "/etc/group"));
    auto r = resolve_user(user, passwd, group);
    if (!r.ok()) return r.take_error().with_exit(kExitCannotInvoke);
    auto added = add_groups(*r, group_add, group);
    if (!added.ok()) return added.take_error().with_exit(kExitCannotInvoke);
    return r;
}

Result<void> take_stdio(const std::array<int, 3>& fds, bool interactive) {
    if (::setsid() < 0) return sys_error("setsid");
    if (::dup2(fds[1], 1) < 0 || ::dup2(fds[2], 2) < 0) return sys_error("dup2 the container's stdout and stderr");
    if (interactive) {
        if (::dup2(fds[0], 0) < 0) return sys_error("dup2 the container's stdin");
        return {};
    }
    unique_fd null = TRY(sys::open("/dev/null", O_RDONLY));
    if (::dup2(null.get(), 0) < 0) return sys_error("dup2 /dev/null on stdin");
    return {};
}

Result<void> take_terminal(Console& console, const ResolvedUser& user, const std::optional<struct winsize>& window,
                           int sync_fd) {
    int slave = console.slave.get();
    if (::setsid() < 0) return sys_error("setsid");
    if (::ioctl(slave, TIOCSCTTY, 0) < 0) return sys_error("make the terminal the controlling terminal");
    if (::fchown(slave, user.uid, static_cast<gid_t>(-1)) < 0) return sys_error("chown the terminal");
    if (window && ::ioctl(slave, TIOCSWINSZ, &*window) < 0) return sys_error("set the terminal size");
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(slave, fd) < 0) return sys_error("dup2 the terminal");
    TRY(sync::send_terminal(sync_fd, console.master.get()));
    console.master.reset();
    console.slave.reset();
    return {};
}

Result<void> finish_and_exec(const Spec& spec, const ResolvedUser& user, const seccomp::Program& filter,
                             uint64_t capabilities, int stub_fd, int sync_fd) {
    // Without no_new_privs the kernel takes a filter only from a holder of CAP_SYS_ADMIN: load it
    // while still root, before the capabilities go; with it, load it last.
    if (!spec.no_new_privileges) TRY(seccomp::load(filter));
    if (spec.create_cwd) TRY(make_cwd(spec.cwd, user));
    TRY(switch_user(user));
    // A change of uid resets dumpability to fs.suid_dumpable, which may be 1: until exec, this
    // process's /proc/PID/exe (skiff) stays closed to the container's other processes.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sys_error("prctl PR_SET_DUMPABLE");
    TRY(caps::apply_mask(capabilities));
    TRY(enter_cwd(spec.cwd, spec.id));
    if (spec.no_new_privileges) TRY(set_no_new_privileges());
    std::vector<std::string> env = process_env(spec.env, user.home);
    std::string exe = TRY(find_executable(spec.args.front(), env_value(env, "PATH", kDefaultPath), spec.cwd));
    if (spec.no_new_privileges) TRY(seccomp::load(filter));
    ::umask(static_cast<mode_t>(spec.umask & 0777));
    TRY(close_fds_on_exec(spec.preserve_fds));
    return exec_command(stub_fd, sync_fd, exe, spec.args, env);
}

}  // namespace skiff::runtime
