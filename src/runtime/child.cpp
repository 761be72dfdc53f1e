#include "child.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "mounter.hpp"
#include "process_setup.hpp"
#include "skiff/base/sys.hpp"
#include "sync.hpp"

namespace skiff::runtime {

namespace {

// Nothing mounted from here on propagates to the host; the host's unmounts still reach us.
Result<void> make_mounts_slave() {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) return sys_error("make / rslave");
    return {};
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

// /proc/sys/NAME for a sysctl's dotted name: dots are separators, and a slash in it (an interface
// "eth0.1" is named eth0/1 there) is a dot in the file's name.
Result<std::string> sysctl_path(const std::string& name) {
    std::string rel = name;
    for (char& ch : rel) ch = ch == '.' ? '/' : ch == '/' ? '.' : ch;
    std::string framed = "/" + rel + "/";
    if (framed.find("/../") != std::string::npos || framed.find("/./") != std::string::npos)
        return make_error("sysctl " + name + ": not a parameter's name");
    return "/proc/sys/" + rel;
}

// Through the host's /proc, before pivoting: a namespaced parameter's file is the one of the
// writer's own namespace, which is the container's now.
Result<void> write_sysctls(const std::vector<std::pair<std::string, std::string>>& sysctls) {
    for (auto& [name, value] : sysctls) {
        std::string path = TRY(sysctl_path(name));
        unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd) return sys_error("open " + path);
        if (::write(fd.get(), value.data(), value.size()) < 0) return sys_error("write " + path);
    }
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
// skiff), or the pipes skiff relays, with /dev/null as stdin unless it is interactive.
Result<void> setup_stdio(const ChildContext& c, Console& console, const ResolvedUser& user) {
    if (c.spec.terminal) return take_terminal(console, user, c.window, c.sync_fd);
    return take_stdio(c.stdio, c.spec.interactive);
}

Result<void> init_container(const ChildContext& c) {
    const Spec& spec = c.spec;
    // Before anything else, so its limits and device rules hold for all that follows. It moves
    // itself, which spares skiff the kernel's wait for a grace period (CgroupSelfJoin).
    if (c.cgroups) TRY_CTX(c.cgroups->join(), "cgroup");
    TRY(sync::wait_for_release(c.sync_fd));
    TRY(join_in_child(c.joined));
    TRY(write_sysctls(spec.sysctls));
    // In its cgroups (the cgroup2 one since the clone), so they are the namespace's root.
    if (spec.namespaces.cgroup.kind == Namespace::Kind::kNew && ::unshare(CLONE_NEWCGROUP) < 0)
        return sys_error("unshare the cgroup namespace");
    reset_signals();
    TRY(make_mounts_slave());
    unique_fd root = TRY(mount_root(c.plan.root, spec.rootfs));
    Console console;
    TRY(apply_ops(root.get(), c.plan.ops, console));
    ResolvedUser user = TRY(lookup_user(root.get(), spec.user, spec.group_add));
    if (spec.namespaces.uts.kind == Namespace::Kind::kNew) TRY(set_hostname(spec.hostname));
    if (spec.namespaces.net.kind == Namespace::Kind::kNew) TRY(bring_up_loopback());
    TRY(pivot_into(root.get()));
    root.reset();
    TRY(setup_stdio(c, console, user));
    if (c.hold) {
        TRY(sync::send_ready(c.sync_fd));
        TRY(sync::wait_for_release(c.sync_fd));
    }
    return finish_and_exec(spec, user, c.seccomp, c.capabilities, c.stub_fd, c.sync_fd);
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
