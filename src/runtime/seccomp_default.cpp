// podman's default seccomp profile (containers/common pkg/seccomp/default_linux.go, 2025), kept as
// skiff's own table. What is not named here fails with ENOSYS, so a program probing for a newer
// system call falls back as it would on an older kernel; calls that exist but are refused fail
// with EPERM. Several groups depend on the container's capabilities: a call is allowed with the
// capability that guards it and refused with EPERM without it.
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>

#include "seccomp_profile.hpp"

namespace skiff::runtime::seccomp {
namespace {

using Names = std::initializer_list<const char*>;

// Known, refused.
constexpr Names kRefused = {
    "bdflush", "cachestat", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake",
    "io_pgetevents", "io_pgetevents_time64", "kexec_file_load", "kexec_load", "map_shadow_stack",
    "migrate_pages", "move_pages", "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname",
    "oldstat", "olduname", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "sgetmask",
    "ssetmask", "swapoff", "swapon", "syscall", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
    "vm86old", "vmsplice",
};

// Allowed whatever the capabilities: the kernel's own permission checks guard them.
constexpr Names kAllowed = {
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "clone", "clone3", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fanotify_init", "fanotify_mark", "fchdir",
    "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
    "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig",
    "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futimesat",
    "get_mempolicy", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents",
    "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
    "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
    "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
    "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_setup",
    "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "keyctl", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
    "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
    "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "mbind", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mmap2", "mount", "mount_setattr", "move_mount", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
    "newfstatat", "open", "open_tree", "openat", "openat2", "pause", "pidfd_getfd", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pivot_root", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6",
    "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
    "readlink", "readlinkat", "readv", "reboot", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
    "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy",
    "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
    "setns", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt",
    "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaltstack", "signal", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall",
    "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
    "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "syslog", "tee", "tgkill",
    "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
    "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
    "truncate64", "ugetrlimit", "umask", "umount", "umount2", "uname", "unlink", "unlinkat",
    "unshare", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "wait4", "waitid",
    "waitpid", "write", "writev",
};

// personality(2) with the personas a program may legitimately ask for: PER_LINUX, PER_LINUX32,
// UNAME26, UNAME26|PER_LINUX32, and 0xffffffff (the query).
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

struct ArchOnly {
    const char* arches;  // Go's names, space separated
    Names names;
};

const ArchOnly kArchOnly[] = {
    {"ppc64le", {"sync_file_range2", "swapcontext"}},
    {"arm arm64", {"arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls", "sync_file_range2"}},
    {"amd64 x32", {"arch_prctl"}},
    {"amd64 x32 x86", {"modify_ldt"}},
    {"s390 s390x", {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}},
    {"riscv64", {"riscv_flush_icache"}},
};

// Allowed with the capability, EPERM without it.
struct CapGuarded {
    const char* cap;
    Names names;
};

// In this order, after CAP_DAC_READ_SEARCH's and CAP_SYS_ADMIN's groups.
const CapGuarded kCapGuarded[] = {
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "finit_module", "init_module", "query_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE", {"kcmp", "process_madvise"}},
    {"CAP_SYS_RAWIO", {"ioperm", "iopl"}},
    {"CAP_SYS_TIME", {"clock_settime", "clock_settime64", "settimeofday", "stime"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
};

std::vector<std::string> words(const char* s) {
    std::vector<std::string> out;
    std::string cur;
    for (; *s; ++s) {
        if (*s == ' ') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += *s;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

std::vector<std::string> to_vector(Names names) {
    return std::vector<std::string>(names.begin(), names.end());
}

constexpr Action kAllow{ActionKind::kAllow, std::nullopt};
constexpr Action kEperm{ActionKind::kErrno, EPERM};

SyscallRule rule(Names names, Action action) {
    SyscallRule r;
    r.names = to_vector(names);
    r.action = action;
    return r;
}

SyscallRule with_caps(SyscallRule r, const char* caps) {
    r.includes.caps = words(caps);
    return r;
}

SyscallRule without_caps(SyscallRule r, const char* caps) {
    r.excludes.caps = words(caps);
    return r;
}

ArgRule arg(unsigned index, uint64_t value, ArgOp op) {
    return ArgRule{index, value, 0, op};
}

// The socket rules: with CAP_AUDIT_WRITE every socket; without it, an audit netlink socket
// fails with EINVAL and every other is allowed.
void add_socket_rules(Profile& p) {
    SyscallRule audit = without_caps(rule({"socket"}, Action{ActionKind::kErrno, EINVAL}), "CAP_AUDIT_WRITE");
    audit.args = {arg(0, AF_NETLINK, ArgOp::kEqual), arg(2, NETLINK_AUDIT, ArgOp::kEqual)};
    p.syscalls.push_back(audit);
    SyscallRule not_audit = without_caps(rule({"socket"}, kAllow), "CAP_AUDIT_WRITE");
    not_audit.args = {arg(2, NETLINK_AUDIT, ArgOp::kNotEqual)};
    p.syscalls.push_back(not_audit);
    SyscallRule not_netlink = without_caps(rule({"socket"}, kAllow), "CAP_AUDIT_WRITE");
    not_netlink.args = {arg(0, AF_NETLINK, ArgOp::kNotEqual)};
    p.syscalls.push_back(not_netlink);
    p.syscalls.push_back(with_caps(rule({"socket"}, kAllow), "CAP_AUDIT_WRITE"));
}

Profile build_default() {
    Profile p;
    p.default_action = Action{ActionKind::kErrno, ENOSYS};
    p.arch_map = {
        {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
        {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
        {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
        {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
        {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
        {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
    };
    // Order matters where one call has several rules: libseccomp keeps the first of two rules
    // with the same conditions (setns below is allowed, whatever CAP_SYS_ADMIN says).
    p.syscalls.push_back(rule(kRefused, kEperm));
    p.syscalls.push_back(rule(kAllowed, kAllow));
    for (uint64_t persona : kPersonalities) {
        SyscallRule r = rule({"personality"}, kAllow);
        r.args = {arg(0, persona, ArgOp::kEqual)};
        p.syscalls.push_back(std::move(r));
    }
    for (const ArchOnly& a : kArchOnly) {
        SyscallRule r = rule(a.names, kAllow);
        r.includes.arches = words(a.arches);
        p.syscalls.push_back(std::move(r));
    }
    p.syscalls.push_back(with_caps(rule({"open_by_handle_at"}, kAllow), "CAP_DAC_READ_SEARCH"));
    p.syscalls.push_back(without_caps(rule({"open_by_handle_at"}, kEperm), "CAP_DAC_READ_SEARCH"));
    p.syscalls.push_back(with_caps(rule({"bpf", "lookup_dcookie", "quotactl", "quotactl_fd", "setdomainname",
                                         "sethostname", "setns"}, kAllow), "CAP_SYS_ADMIN"));
    p.syscalls.push_back(without_caps(rule({"lookup_dcookie", "perf_event_open", "quotactl", "quotactl_fd",
                                            "setdomainname", "sethostname", "setns"}, kEperm), "CAP_SYS_ADMIN"));
    for (const CapGuarded& g : kCapGuarded) {
        p.syscalls.push_back(with_caps(rule(g.names, kAllow), g.cap));
        p.syscalls.push_back(without_caps(rule(g.names, kEperm), g.cap));
    }
    add_socket_rules(p);
    p.syscalls.push_back(without_caps(rule({"bpf"}, kEperm), "CAP_SYS_ADMIN CAP_BPF"));
    p.syscalls.push_back(with_caps(rule({"bpf"}, kAllow), "CAP_BPF"));
    p.syscalls.push_back(without_caps(rule({"perf_event_open"}, kEperm), "CAP_SYS_ADMIN CAP_BPF"));
    p.syscalls.push_back(with_caps(rule({"perf_event_open"}, kAllow), "CAP_PERFMON"));
    return p;
}

}  // namespace

const char* const kDefaultProfileRevision = "containers-common-2025-08.1";

const Profile& default_profile() {
    static const Profile profile = build_default();
    return profile;
}

const std::vector<std::string>& default_profile_caps() {
    static const std::vector<std::string> caps = [] {
        std::vector<std::string> out;
        for (const SyscallRule& r : default_profile().syscalls)
            for (const auto* list : {&r.includes.caps, &r.excludes.caps})
                for (const std::string& c : *list)
                    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
        std::sort(out.begin(), out.end());
        return out;
    }();
    return caps;
}

}  // namespace skiff::runtime::seccomp
