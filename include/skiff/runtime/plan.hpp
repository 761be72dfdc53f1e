// Validate and plan: pure functions from a Spec (and a description of the host) to the ordered list
// of mount operations the container's init applies inside its own mount namespace. Nothing here
// touches the system except probe_host(), which reads what the plan needs to know about the host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// Mount(8) option words, sorted into what the kernel takes separately.
struct MountOptions {
    enum Attr : uint32_t {
        kReadOnly = 1u << 0,
        kNoSuid = 1u << 1,
        kNoDev = 1u << 2,
        kNoExec = 1u << 3,
        kNoAtime = 1u << 4,
        kStrictAtime = 1u << 5,
        kNoDirAtime = 1u << 6,
    };
    enum class Propagation { kUnchanged, kPrivate, kSlave, kShared, kUnbindable };

    uint32_t attrs = 0;                    // Attr bits set on the mount
    Propagation propagation = Propagation::kUnchanged;
    bool recursive_propagation = false;    // "rprivate", "rslave"…
    bool bind = false;                     // "bind" or "rbind"
    bool recursive = false;                // "rbind"
    bool copy_up = false;                  // "tmpcopyup": the new file system gets what it covers
    std::vector<std::string> data;         // file-system words: "mode=755", "newinstance"…

    bool has(Attr a) const { return (attrs & a) != 0; }
    bool operator==(const MountOptions&) const = default;
};

// Later words win over earlier ones ("ro" then "rw" is read-write), as mount(8).
// Fails on an unknown word for a bind mount, which takes no file-system data.
Result<MountOptions> parse_mount_options(const std::vector<std::string>& words, bool is_bind);

// "/a//b/./c/../d" → "/a/b/d"; ".." never climbs above "/". `path` must be absolute.
std::string clean_path(std::string_view path);

// Rejects a spec that cannot be run, before any namespace exists: what is missing, malformed or
// in conflict (duplicate mount destinations, relative paths, bad options, a malformed user…).
Result<void> validate(const Spec& spec);

// What the plan needs to know about the host.
struct Host {
    // Its cgroups: the mode and v1 hierarchies decide what a container's cgroup mount holds.
    CgroupHost cgroups;
    // Host device nodes bound into a privileged container (absolute paths under /dev).
    std::vector<std::string> devices;
    // skiff runs in a user namespace (rootless): device nodes cannot be made, only bound.
    bool in_user_namespace = false;
};

// Takes the cgroups as probed by the caller (which needs them for the container's cgroup too);
// lists /dev only when `privileged`.
Host probe_host(bool privileged, const CgroupHost& cgroups);

// One step of the container's file-system setup. Paths are inside the container ("/" is its root)
// and are resolved with RESOLVE_IN_ROOT when applied; missing destinations are created.
struct Op {
    enum class Kind {
        kMount,             // a new `fstype` file system named `source`, with `options.data`, on `path`
        kBind,              // host `source` bound on `path` (a file or a directory, like the source)
        kSymlink,           // `path` is created as a symlink to `source`; an existing entry is kept
        kConsole,           // the terminal's slave bound on `path`
        kMask,              // /dev/null over a file, an empty read-only tmpfs over a directory
        kReadonly,          // `path` bound on itself read-only
        kRemountReadonly,   // the mount at `path` made read-only
        kMknod,             // `device` made as a node at `path`, with its owner and mode
        // A new `fstype` (cgroup or cgroup2) file system with `options.data`, of which only the
        // cgroup the container's init is in is attached on `path`: the host's cgroup namespace
        // would show the whole hierarchy. `source` names the hierarchy as /proc/self/cgroup does
        // ("cpu,cpuacct", "name=systemd"; "" for cgroup2).
        kMountOwnCgroup,
    };
    Kind kind = Kind::kMount;
    std::string path;
    std::string source;
    std::string fstype;
    MountOptions options;
    bool optional = false;  // skipped when `path` does not exist (masked and read-only paths)
    Device device;          // kMknod

    bool operator==(const Op&) const = default;
};

struct Plan {
    Op root;              // mounted on spec.rootfs (a host path), before everything else
    std::vector<Op> ops;  // in order, after the root
};

// The ordered setup of a validated spec: the spec's mounts (a "cgroup" mount expanded for the
// host's cgroup mode and the container's cgroup namespace), the device nodes (bound from the host's /dev), the spec's own devices
// (made, or bound from the host in a user namespace), the /dev symlinks, the console, masked
// paths, read-only paths, and a read-only root last.
Result<Plan> plan(const Spec& spec, const Host& host);

// The device nodes every container gets, bound from the host (which also works without privilege).
inline constexpr const char* kDefaultDevices[] = {"/dev/null", "/dev/zero", "/dev/full",
                                                  "/dev/random", "/dev/urandom", "/dev/tty"};

}  // namespace skiff::runtime
