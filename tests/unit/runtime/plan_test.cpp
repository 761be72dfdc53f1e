#include <catch2/catch.hpp>

#include <algorithm>

#include "skiff/runtime/plan.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

Spec runnable() {
    Spec s = default_spec();
    s.rootfs = "/var/lib/skiff/c/merged";
    s.root = {"/", "overlay", "overlay", {"lowerdir=/l/1:/l/2", "upperdir=/c/upper", "workdir=/c/work"}};
    s.args = {"true"};
    return s;
}

Host hybrid() {
    Host h;
    h.cgroups.mode = CgroupMode::kHybrid;
    h.cgroups.v1_hierarchies = {"name=systemd", "cpu,cpuacct", "memory"};
    return h;
}

std::vector<std::string> paths_of(const std::vector<Op>& ops, Op::Kind kind) {
    std::vector<std::string> out;
    for (const Op& op : ops)
        if (op.kind == kind) out.push_back(op.path);
    return out;
}

size_t index_of(const std::vector<Op>& ops, Op::Kind kind, const std::string& path) {
    for (size_t i = 0; i < ops.size(); ++i)
        if (ops[i].kind == kind && ops[i].path == path) return i;
    return ops.size();
}

std::string error_of(const Spec& s) {
    auto r = validate(s);
    return r.ok() ? "" : r.error().message;
}

}  // namespace

TEST_CASE("parse_mount_options sorts words into attributes, propagation and data") {
    auto o = parse_mount_options({"nosuid", "noexec", "strictatime", "mode=755", "size=65536k", "rprivate"}, false);
    REQUIRE(o.ok());
    CHECK(o->attrs == (MountOptions::kNoSuid | MountOptions::kNoExec | MountOptions::kStrictAtime));
    CHECK(o->propagation == MountOptions::Propagation::kPrivate);
    CHECK(o->recursive_propagation);
    CHECK(o->data == std::vector<std::string>{"mode=755", "size=65536k"});
    CHECK_FALSE(o->bind);
}

TEST_CASE("later mount words win over earlier ones") {
    auto o = parse_mount_options({"ro", "noatime", "rw", "relatime", "nodev", "dev"}, false);
    REQUIRE(o.ok());
    CHECK(o->attrs == 0);
    auto p = parse_mount_options({"strictatime", "noatime"}, false);
    CHECK(p->attrs == MountOptions::kNoAtime);
}

TEST_CASE("bind mounts take no file-system data") {
    auto o = parse_mount_options({"rbind", "ro"}, false);
    REQUIRE(o.ok());
    CHECK(o->bind);
    CHECK(o->recursive);
    CHECK(o->has(MountOptions::kReadOnly));
    auto bad = parse_mount_options({"ro", "Z"}, true);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "unknown mount option \"Z\" for a bind mount");
    CHECK_FALSE(parse_mount_options({""}, false).ok());
}

TEST_CASE("clean_path removes dots and never climbs above the root") {
    CHECK(clean_path("/a//b/./c/../d/") == "/a/b/d");
    CHECK(clean_path("/../../etc") == "/etc");
    CHECK(clean_path("/") == "/");
    CHECK(clean_path("/..") == "/");
}

TEST_CASE("default_spec is podman's") {
    Spec s = default_spec();
    std::vector<std::string> dests;
    for (const Mount& m : s.mounts) dests.push_back(m.destination);
    CHECK(dests == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                            "/sys/fs/cgroup"});
    CHECK(s.capabilities.size() == 11);
    CHECK(std::find(s.capabilities.begin(), s.capabilities.end(), "CAP_NET_RAW") == s.capabilities.end());
    CHECK(std::find(s.masked_paths.begin(), s.masked_paths.end(), "/proc/kcore") != s.masked_paths.end());
    CHECK(std::find(s.readonly_paths.begin(), s.readonly_paths.end(), "/proc/sys") != s.readonly_paths.end());
    CHECK(s.mounts[5].options.back() == "ro");
    CHECK(validate(runnable()).ok());
}

TEST_CASE("validate rejects what cannot run, before any namespace exists") {
    Spec s = runnable();
    s.args.clear();
    CHECK(error_of(s) == "no command to run: the process arguments are empty");

    s = runnable();
    s.rootfs = "merged";
    CHECK(error_of(s) == "rootfs \"merged\" is not an absolute path");

    s = runnable();
    s.root.options = {"upperdir=/u", "workdir=/w"};
    CHECK(error_of(s) == "root overlay on /var/lib/skiff/c/merged has no lowerdir");

    s = runnable();
    s.root.options = {"lowerdir=/l/1", "upperdir=/u"};
    CHECK(error_of(s) == "root overlay on /var/lib/skiff/c/merged needs both upperdir and workdir");

    s = runnable();
    s.root.options = {"lowerdir=/l/1"};
    CHECK_FALSE(validate(s).ok());
    s.root.options = {"lowerdir=/l/1:/l/2"};
    CHECK(validate(s).ok());

    s = runnable();
    s.root = {"/", "zfs", "tank", {}};
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.mounts.push_back({"/proc/", "tmpfs", "tmpfs", {}});
    CHECK(error_of(s) == "/proc: duplicate mount destination");

    s = runnable();
    s.mounts.push_back({"data", "bind", "/srv", {"rbind"}});
    CHECK(error_of(s) == "mount destination \"data\" is not an absolute path");

    s = runnable();
    s.mounts.push_back({"/data", "bind", "srv", {"rbind"}});
    CHECK(error_of(s) == "bind source for /data \"srv\" is not an absolute path");

    s = runnable();
    s.mounts.push_back({"/data", "bind", "/srv", {"rbind", "U"}});
    CHECK(error_of(s) == "mount on /data: unknown mount option \"U\" for a bind mount");

    s = runnable();
    s.mounts.push_back({"/x/..", "tmpfs", "tmpfs", {}});
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.cwd = "work";
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.env = {"PATH=/bin", "=oops"};
    CHECK(error_of(s) == "environment entry \"=oops\" is not KEY=VALUE");

    s = runnable();
    s.user = "alice:";
    CHECK(error_of(s) == "invalid user \"alice:\": want USER[:GROUP]");

    s = runnable();
    s.hostname = std::string(65, 'h');
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.capabilities = {"NET_ADMIN"};
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.seccomp = SeccompMode::kProfile;
    CHECK_FALSE(validate(s).ok());

    s = runnable();
    s.cgroup_path = "skiff/abc";
    CHECK_FALSE(validate(s).ok());
}

TEST_CASE("plan: the root, then the spec's mounts in order, devices, symlinks, masks, read-only paths") {
    Spec s = runnable();
    s.mounts.push_back({"/etc/hosts", "bind", "/run/skiff/c/hosts", {"bind", "ro"}});
    auto p = plan(s, hybrid());
    REQUIRE(p.ok());
    CHECK(p->root.kind == Op::Kind::kMount);
    CHECK(p->root.fstype == "overlay");
    CHECK(p->root.options.data ==
          std::vector<std::string>{"lowerdir=/l/1:/l/2", "upperdir=/c/upper", "workdir=/c/work"});

    const auto& ops = p->ops;
    CHECK(ops[0] == Op{Op::Kind::kMount, "/proc", "proc", "proc",
                       MountOptions{MountOptions::kNoSuid | MountOptions::kNoExec | MountOptions::kNoDev,
                                    MountOptions::Propagation::kUnchanged, false, false, false, false, {}},
                       false, {}});
    CHECK(ops[1].path == "/dev");
    CHECK(ops[1].options.data == std::vector<std::string>{"mode=755", "size=65536k"});

    size_t hosts = index_of(ops, Op::Kind::kBind, "/etc/hosts");
    size_t null = index_of(ops, Op::Kind::kBind, "/dev/null");
    size_t ptmx = index_of(ops, Op::Kind::kSymlink, "/dev/ptmx");
    size_t kcore = index_of(ops, Op::Kind::kMask, "/proc/kcore");
    size_t sys_ro = index_of(ops, Op::Kind::kReadonly, "/proc/sys");
    CHECK(hosts < null);
    CHECK(null < ptmx);
    CHECK(ptmx < kcore);
    CHECK(kcore < sys_ro);
    CHECK(sys_ro < ops.size());
    CHECK(ops[hosts].options.has(MountOptions::kReadOnly));
    CHECK(ops[kcore].optional);
    CHECK(ops[ptmx].source == "pts/ptmx");

    std::vector<std::string> devices(std::begin(kDefaultDevices), std::end(kDefaultDevices));
    CHECK(paths_of(ops, Op::Kind::kBind) ==
          std::vector<std::string>{"/etc/hosts", "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                   "/dev/urandom", "/dev/tty"});
    CHECK(index_of(ops, Op::Kind::kConsole, "/dev/console") == ops.size());
    CHECK(index_of(ops, Op::Kind::kRemountReadonly, "/") == ops.size());
}

TEST_CASE("plan: a terminal gets /dev/console after /dev/pts, and --read-only remounts the root last") {
    Spec s = runnable();
    s.terminal = true;
    s.readonly_rootfs = true;
    auto p = plan(s, hybrid());
    REQUIRE(p.ok());
    size_t console = index_of(p->ops, Op::Kind::kConsole, "/dev/console");
    CHECK(console > index_of(p->ops, Op::Kind::kMount, "/dev/pts"));
    CHECK(console < p->ops.size());
    CHECK(p->ops.back() == Op{Op::Kind::kRemountReadonly, "/", "", "", {}, false, {}});
}

TEST_CASE("plan: a bind root") {
    Spec s = runnable();
    s.root = {"/", "bind", "/var/lib/skiff/vfs/c", {"rbind"}};
    auto p = plan(s, hybrid());
    REQUIRE(p.ok());
    CHECK(p->root.kind == Op::Kind::kBind);
    CHECK(p->root.source == "/var/lib/skiff/vfs/c");
    CHECK(p->root.options.recursive);
}

TEST_CASE("plan: the cgroup mount follows the host's cgroup mode") {
    Spec s = runnable();
    Host unified;
    unified.cgroups.mode = CgroupMode::kUnified;
    auto u = plan(s, unified);
    REQUIRE(u.ok());
    size_t at = index_of(u->ops, Op::Kind::kMount, "/sys/fs/cgroup");
    REQUIRE(at < u->ops.size());
    CHECK(u->ops[at].fstype == "cgroup2");
    CHECK(u->ops[at].options.has(MountOptions::kReadOnly));

    auto h = plan(s, hybrid());
    REQUIRE(h.ok());
    const auto& ops = h->ops;
    at = index_of(ops, Op::Kind::kMount, "/sys/fs/cgroup");
    REQUIRE(at < ops.size());
    CHECK(ops[at].fstype == "tmpfs");
    CHECK_FALSE(ops[at].options.has(MountOptions::kReadOnly));
    CHECK(ops[at + 1].path == "/sys/fs/cgroup/systemd");
    CHECK(ops[at + 1].options.data == std::vector<std::string>{"name=systemd"});
    CHECK(ops[at + 2].path == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(ops[at + 2].options.data == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(ops[at + 3] == Op{Op::Kind::kSymlink, "/sys/fs/cgroup/cpu", "cpu,cpuacct", "", {}, false, {}});
    CHECK(ops[at + 4] == Op{Op::Kind::kSymlink, "/sys/fs/cgroup/cpuacct", "cpu,cpuacct", "", {}, false, {}});
    CHECK(ops[at + 5].path == "/sys/fs/cgroup/memory");
    CHECK(ops[at + 6].path == "/sys/fs/cgroup/unified");
    CHECK(ops[at + 6].fstype == "cgroup2");
    CHECK(ops[at + 7] == Op{Op::Kind::kRemountReadonly, "/sys/fs/cgroup", "", "", {}, false, {}});

    Host none;
    auto n = plan(s, none);
    REQUIRE(n.ok());
    CHECK(index_of(n->ops, Op::Kind::kMount, "/sys/fs/cgroup") == n->ops.size());
}

TEST_CASE("plan: in the host's cgroup namespace each hierarchy holds only the container's own cgroup") {
    Spec s = runnable();
    s.namespaces.cgroup.kind = Namespace::Kind::kHost;
    auto h = plan(s, hybrid());
    REQUIRE(h.ok());
    const auto& ops = h->ops;
    size_t at = index_of(ops, Op::Kind::kMount, "/sys/fs/cgroup");
    REQUIRE(at < ops.size());
    CHECK(ops[at].fstype == "tmpfs");
    // source: the hierarchy as /proc/self/cgroup names it, where the container's init finds its cgroup.
    CHECK(ops[at + 1].kind == Op::Kind::kMountOwnCgroup);
    CHECK(ops[at + 1].path == "/sys/fs/cgroup/systemd");
    CHECK(ops[at + 1].source == "name=systemd");
    CHECK(ops[at + 1].options.data == std::vector<std::string>{"name=systemd"});
    CHECK(ops[at + 2].kind == Op::Kind::kMountOwnCgroup);
    CHECK(ops[at + 2].source == "cpu,cpuacct");
    CHECK(ops[at + 2].fstype == "cgroup");
    CHECK(ops[at + 2].options.has(MountOptions::kReadOnly));
    CHECK(ops[at + 5].source == "memory");
    CHECK(ops[at + 6].kind == Op::Kind::kMountOwnCgroup);
    CHECK(ops[at + 6].path == "/sys/fs/cgroup/unified");
    CHECK(ops[at + 6].fstype == "cgroup2");
    CHECK(ops[at + 6].source.empty());
    CHECK(ops[at + 7] == Op{Op::Kind::kRemountReadonly, "/sys/fs/cgroup", "", "", {}, false, {}});

    Host unified;
    unified.cgroups.mode = CgroupMode::kUnified;
    auto u = plan(s, unified);
    REQUIRE(u.ok());
    at = index_of(u->ops, Op::Kind::kMountOwnCgroup, "/sys/fs/cgroup");
    REQUIRE(at < u->ops.size());
    CHECK(u->ops[at].fstype == "cgroup2");
    CHECK(u->ops[at].source.empty());

    // A joined namespace shows its own root, as a new one does: the whole file system is mounted.
    s.namespaces.cgroup = {Namespace::Kind::kJoin, "/proc/7/ns/cgroup"};
    auto j = plan(s, hybrid());
    REQUIRE(j.ok());
    CHECK(paths_of(j->ops, Op::Kind::kMountOwnCgroup).empty());
    CHECK(index_of(j->ops, Op::Kind::kMount, "/sys/fs/cgroup/memory") < j->ops.size());
}

TEST_CASE("plan: privileged means host devices, writable /sys, no masked or read-only paths") {
    Spec s = runnable();
    s.privileged = true;
    Host h = hybrid();
    h.devices = {"/dev/null", "/dev/loop0", "/dev/net/tun"};
    auto p = plan(s, h);
    REQUIRE(p.ok());
    auto binds = paths_of(p->ops, Op::Kind::kBind);
    CHECK(std::count(binds.begin(), binds.end(), "/dev/null") == 1);
    CHECK(std::count(binds.begin(), binds.end(), "/dev/loop0") == 1);
    CHECK(std::count(binds.begin(), binds.end(), "/dev/net/tun") == 1);
    CHECK(paths_of(p->ops, Op::Kind::kMask).empty());
    CHECK(paths_of(p->ops, Op::Kind::kReadonly).empty());
    CHECK_FALSE(p->ops[index_of(p->ops, Op::Kind::kMount, "/sys")].options.has(MountOptions::kReadOnly));
    CHECK(index_of(p->ops, Op::Kind::kRemountReadonly, "/sys/fs/cgroup") == p->ops.size());

    s.privileged = false;
    auto q = plan(s, h);
    binds = paths_of(q->ops, Op::Kind::kBind);
    CHECK(std::count(binds.begin(), binds.end(), "/dev/loop0") == 0);
}

TEST_CASE("plan refuses an invalid spec") {
    Spec s = runnable();
    s.args.clear();
    CHECK_FALSE(plan(s, hybrid()).ok());
}

TEST_CASE("plan: a read-only tmpfs is filled and mounted beneath while writable, then turned read-only") {
    Spec s = runnable();
    s.mounts.push_back({"/etc", "tmpfs", "tmpfs", {"ro", "nosuid", "tmpcopyup"}});
    s.mounts.push_back({"/etc/hosts", "bind", "/run/c/hosts", {"rbind", "ro"}});
    auto p = plan(s, hybrid());
    REQUIRE(p.ok());
    const auto& ops = p->ops;
    size_t tmpfs = index_of(ops, Op::Kind::kMount, "/etc");
    size_t hosts = index_of(ops, Op::Kind::kBind, "/etc/hosts");
    size_t readonly = index_of(ops, Op::Kind::kRemountReadonly, "/etc");
    REQUIRE(readonly < ops.size());
    CHECK(tmpfs < hosts);
    CHECK(hosts < readonly);
    CHECK(ops[tmpfs].options.copy_up);
    CHECK_FALSE(ops[tmpfs].options.has(MountOptions::kReadOnly));
    CHECK(ops[tmpfs].options.has(MountOptions::kNoSuid));
    CHECK(ops[tmpfs].options.data.empty());  // tmpcopyup is skiff's word, never the kernel's
}

TEST_CASE("plan: tmpcopyup is for a tmpfs only") {
    Spec s = runnable();
    s.mounts.push_back({"/data", "bind", "/srv/data", {"rbind", "tmpcopyup"}});
    CHECK(error_of(s).find("tmpcopyup can be used only with tmpfs") != std::string::npos);
}

TEST_CASE("plan: --device nodes are made, bound from the host in a user namespace, and replace a default") {
    Spec s = runnable();
    s.devices = {Device{"/dev/fuse", "/dev/fuse", 'c', 10, 229, 0666, 0, 0},
                 Device{"/dev/null", "/dev/zero", 'c', 1, 5, 0666, 0, 0}};
    Host h = hybrid();
    auto p = plan(s, h);
    REQUIRE(p.ok());
    CHECK(paths_of(p->ops, Op::Kind::kMknod) == std::vector<std::string>{"/dev/fuse", "/dev/null"});
    CHECK(index_of(p->ops, Op::Kind::kBind, "/dev/null") == p->ops.size());  // replaced
    CHECK(index_of(p->ops, Op::Kind::kBind, "/dev/zero") < index_of(p->ops, Op::Kind::kMknod, "/dev/fuse"));
    CHECK(p->ops[index_of(p->ops, Op::Kind::kMknod, "/dev/null")].device == s.devices[1]);
    CHECK(index_of(p->ops, Op::Kind::kMknod, "/dev/fuse") < index_of(p->ops, Op::Kind::kSymlink, "/dev/fd"));

    h.in_user_namespace = true;
    p = plan(s, h);
    REQUIRE(p.ok());
    CHECK(paths_of(p->ops, Op::Kind::kMknod).empty());
    const Op& fuse = p->ops[index_of(p->ops, Op::Kind::kBind, "/dev/fuse")];
    CHECK(fuse.source == "/dev/fuse");
    CHECK(fuse.options.bind);
    CHECK(p->ops[index_of(p->ops, Op::Kind::kBind, "/dev/null")].source == "/dev/zero");
}

TEST_CASE("validate: device paths absolute and unique, types c or b, rules well formed") {
    Spec s = runnable();
    s.devices = {Device{"dev/fuse", "/dev/fuse", 'c', 10, 229, 0666, 0, 0}};
    CHECK(error_of(s).find("device path") != std::string::npos);
    s.devices = {Device{"/dev/f", "/dev/fuse", 'c', 10, 229, 0666, 0, 0}, Device{"/dev//f", "/dev/fuse", 'c', 10, 229, 0666, 0, 0}};
    CHECK(error_of(s).find("duplicate device path") != std::string::npos);
    s.devices = {Device{"/dev/f", "/dev/fuse", 'x', 10, 229, 0666, 0, 0}};
    CHECK(error_of(s).find("type must be c or b") != std::string::npos);
    s.devices.clear();
    s.device_rules.push_back(DeviceRule{true, 'c', 1u, 3u, "rx"});
    CHECK(error_of(s).find("invalid device rule") != std::string::npos);
}
