// The runtime spec: everything the runtime needs to start one container, as plain data.
// The engine builds it (a pure function of image config + options); the runtime validates,
// plans and applies it. The runtime knows nothing of images or registries.
#pragma once

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <utility>

#include "skiff/base/result.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/runtime/devices.hpp"

namespace skiff::runtime {

// PATH when neither the image nor the user sets one: the environment a container starts with, and
// where its command is looked for.
inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct Mount {
    std::string destination;  // inside the container
    std::string type;         // "proc", "tmpfs", "bind", "overlay", …
    std::string source;
    std::vector<std::string> options;  // mount(8) words: "ro", "nosuid", "rbind", "mode=755", data…
};

enum class SeccompMode { kDefault, kUnconfined, kProfile };

// One process limit (--ulimit nofile=1024:2048), by podman's name; RLIM_INFINITY for unlimited.
struct Rlimit {
    std::string name;  // "nofile", "nproc", "core", …
    uint64_t soft = 0;
    uint64_t hard = 0;

    bool operator==(const Rlimit&) const = default;
};

// Where one of the container's namespaces comes from: a new one, skiff's own (the host's), or the
// one at `path` (another container's, /proc/PID/ns/ipc, or any namespace file), joined.
struct Namespace {
    enum class Kind { kNew, kHost, kJoin };
    Kind kind = Kind::kNew;
    std::string path;  // kJoin

    bool operator==(const Namespace&) const = default;
};
struct Namespaces {
    Namespace net, ipc, uts, pid;  // the mount namespace is always new
    // A new cgroup namespace is made by the container's init once it is in its cgroups, so they are
    // its root; with the host's, /sys/fs/cgroup holds only the container's own cgroups (plan()).
    Namespace cgroup;
};

struct Spec {
    // Root file system: `root` is mounted on `rootfs` (a host directory) inside the container's
    // own mount namespace, so the host's mount table never sees it.
    Mount root;                 // type "overlay" (with lowerdir/upperdir/workdir options) or "bind"
    std::string rootfs;         // host directory the root is mounted on, then pivot_root'ed into
    bool readonly_rootfs = false;

    std::string id;  // the container's, for messages

    // Process.
    std::vector<std::string> args;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::string cwd = "/";
    bool create_cwd = false;       // a missing cwd is made (owned by the user), as for an image's WorkingDir
    std::string user;              // "", "name", "uid", "name:group", "uid:gid": resolved in the rootfs
    std::vector<std::string> group_add;  // more supplementary groups (gids, names, or keep-groups): user.hpp
    bool terminal = false;         // -t: a pty from the container's own devpts
    bool interactive = false;      // -i: stdin forwarded; otherwise the process gets /dev/null

    std::vector<Rlimit> rlimits;        // set on the container's init before it is released
    std::optional<int> oom_score_adj;   // likewise, -1000 to 1000

    std::string hostname;  // set in a new uts namespace only
    // --sysctl: written under /proc/sys by the container's init in its own namespaces, before its
    // command runs (only namespaced ones, checked by the engine).
    std::vector<std::pair<std::string, std::string>> sysctls;
    Namespaces namespaces;  // a new network namespace has its lo brought up
    int preserve_fds = 0;   // skiff's descriptors 3 … 3+N-1 passed on to the container's process
    unsigned umask = 022;   // the process's file mode creation mask

    std::vector<Mount> mounts;  // applied in order after the root (proc, sys, dev, /etc files, …)
    // Symlinks (path, target) made in the root file system before the mounts where nothing is at
    // that path yet: /etc/mtab → /proc/mounts, as podman makes it.
    std::vector<std::pair<std::string, std::string>> root_symlinks;
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;

    std::vector<std::string> capabilities;  // "CAP_*": bounding, effective, permitted; inheritable empty
    bool no_new_privileges = false;
    bool privileged = false;  // no masked/readonly paths, all caps, no seccomp, host devices
    bool host_ttys = true;    // privileged: the host's /dev/tty* among them (podman leaves them out for systemd)
    // Device nodes made in the container (--device), and what its cgroup lets it open or make:
    // rules in order, the last that matches deciding (default_spec() has podman's list; empty:
    // no restriction). Applied to its cgroup before it runs anything of its own.
    std::vector<Device> devices;
    std::vector<DeviceRule> device_rules;
    SeccompMode seccomp = SeccompMode::kDefault;
    std::string seccomp_profile;  // JSON profile path with kProfile
    std::string cache_dir;        // where the compiled default seccomp filter may be cached

    // A cgroup2 directory to start in, made if missing, its device rules attached there (tests).
    std::string cgroup_path;

    // A cgroup of its own (the usual case): made as `cgroup_name` beneath skiff's own cgroup (or
    // `cgroup_parent`) in every hierarchy the host has, limited by `resources`, removed after.
    bool cgroup = false;
    std::string cgroup_name;
    std::string cgroup_parent;
    Resources resources;
};

// podman's defaults: the mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys), masked and
// read-only paths, and the default capability set. The engine starts from these.
Spec default_spec();

struct Hooks {
    std::function<void(pid_t)> started;  // the container's pid 1 is running (before exec)
    std::function<void()> executed;      // its command has been executed
    // Set: the container's init stops right before it executes the command, everything else set up
    // (`init`), and this is called with its pid; the command is executed once it returns. A caller
    // that decides against it kills the pid instead.
    std::function<void(pid_t)> initialized;
    // More descriptors to watch while the container runs (a monitor's output pipes): `readable`
    // is called on this thread when one has data or has hung up. No threads: a clone from a
    // process with threads could catch one holding a lock the child then waits for forever.
    // `readable` reads once and says how many bytes it took (0 at the end); after the container's
    // exit, what the descriptors hold then is read through it too.
    std::vector<int> watch;
    std::function<size_t(int fd)> readable;
    // The container's stdin, stdout and stderr when it has no terminal, made for it by the caller (a
    // monitor's pipes; stdin is /dev/null anyway without -i). Unset: the runtime makes pipes and
    // relays them to and from skiff's own stdio, whose descriptors the container never gets.
    std::optional<std::array<int, 3>> stdio;
    // Without `stdio`: each piece of the container's output as it is copied to skiff's stdout or
    // stderr (a terminal's is stdout), for a foreground run's log.
    std::function<void(bool is_stderr, std::string_view data)> copied;
    // Without `stdio`: whether the container's stdout and stderr reach skiff's (run -a); one that
    // does not is still read, and `copied`.
    bool relay_stdout = true, relay_stderr = true;
    // Descriptors whose set changes while the container runs (a monitor's attach socket and its
    // clients): `poll_set` is asked for them at each turn of the loop, `polled` told their events.
    std::function<void(std::vector<struct pollfd>& add)> poll_set;
    std::function<void(const struct pollfd& p)> polled;
    // The master side of the container's terminal (-t), once known; it stays open until the
    // container has exited (window sizes can be set on it).
    std::function<void(int master)> terminal;
    // The size the container's terminal starts with, when it is not skiff's own terminal's (a
    // monitor has none: its attached client's).
    std::function<std::optional<struct winsize>()> window;
    std::function<void()> oom_killed;  // the kernel's OOM killer killed a process in its cgroup
    // The container's own cgroup directories, once made (before `started`): recorded so that a
    // later command can remove them if this process dies before it does.
    std::function<void(const CgroupPaths& paths)> cgroup_made;
};

// Start the container in the foreground with its stdio relayed to skiff's own, forward signals (and with a
// terminal, raw mode and window size), wait for it. Returns the exit status as podman reports it:
// the exit code, or 128+N when killed by signal N. A container that could not start is an Error
// whose message is the one line to print after "Error: " and whose exit_code is podman's: 125
// when refused before anything ran (validate()), 127 when the command is not found, 126 for any
// other failure of the container's set-up or exec.
Result<int> run_foreground(const Spec& spec, const Hooks& hooks = {});

}  // namespace skiff::runtime
