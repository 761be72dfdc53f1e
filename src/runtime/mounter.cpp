#include "mounter.hpp"
#include "skiff/runtime/detached_root.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <climits>

#include "skiff/base/copy_tree.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

uint64_t kernel_attrs(uint32_t a) {
    uint64_t k = 0;
    if (a & MountOptions::kReadOnly) k |= MOUNT_ATTR_RDONLY;
    if (a & MountOptions::kNoSuid) k |= MOUNT_ATTR_NOSUID;
    if (a & MountOptions::kNoDev) k |= MOUNT_ATTR_NODEV;
    if (a & MountOptions::kNoExec) k |= MOUNT_ATTR_NOEXEC;
    if (a & MountOptions::kNoDirAtime) k |= MOUNT_ATTR_NODIRATIME;
    if (a & MountOptions::kNoAtime)
        k |= MOUNT_ATTR_NOATIME;
    else if (a & MountOptions::kStrictAtime)
        k |= MOUNT_ATTR_STRICTATIME;
    return k;
}

uint64_t kernel_propagation(MountOptions::Propagation p) {
    switch (p) {
        case MountOptions::Propagation::kPrivate: return MS_PRIVATE;
        case MountOptions::Propagation::kSlave: return MS_SLAVE;
        case MountOptions::Propagation::kShared: return MS_SHARED;
        case MountOptions::Propagation::kUnbindable: return MS_UNBINDABLE;
        case MountOptions::Propagation::kUnchanged: break;
    }
    return 0;
}

// The kernel's own explanation of a failed fsconfig/fsmount ("e overlay: …"), if it left one.
std::string fs_context_log(int fsfd) {
    std::string out;
    char buf[512];
    for (int i = 0; i < 4; ++i) {
        ssize_t n = ::read(fsfd, buf, sizeof buf - 1);
        if (n <= 0) break;
        if (!out.empty()) out += "; ";
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Error fs_error(int fsfd, const std::string& what) {
    int err = errno;
    Error e = sys_error(what, err);
    std::string log = fs_context_log(fsfd);
    if (!log.empty()) e.message += " (" + log + ")";
    return e;
}

constexpr int kMaxSymlinks = 40;

// Opens `path` under the root, creating it and its missing parents: a directory, or an empty file.
// A dangling symlink on the way is followed as the kernel would, inside the root, and its target
// created (as runc and crun do for images whose /var/run points at a missing /run).
Result<unique_fd> open_or_create(int rootfd, const std::string& path, bool dir, int links = 0) {
    int flags = O_PATH | (dir ? O_DIRECTORY : 0);
    auto fd = sys::open_in_root(rootfd, path, flags);
    if (fd.ok() || fd.error().code != ENOENT) return fd;
    if (links > kMaxSymlinks) return sys_error("create " + path + " in the container", ELOOP);
    unique_fd parent = TRY(open_or_create(rootfd, fs::dirname(path), true, links));
    std::string name = fs::basename(path);
    int r = dir ? ::mkdirat(parent.get(), name.c_str(), 0755)
                : ::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (r >= 0 && !dir) ::close(r);
    if (r < 0 && errno == EEXIST) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(parent.get(), name.c_str(), target, sizeof target - 1);
        if (n > 0) {
            std::string t(target, static_cast<size_t>(n));
            std::string resolved = clean_path(t.front() == '/' ? t : fs::dirname(path) + "/" + t);
            TRY(open_or_create(rootfd, resolved, dir, links + 1));
        }
    } else if (r < 0) {
        return sys_error((dir ? "mkdir " : "create ") + path + " in the container");
    }
    return sys::open_in_root(rootfd, path, flags);
}

Result<void> set_attrs(int mntfd, uint32_t attrs, bool recursive, const std::string& what) {
    struct mount_attr a {};
    a.attr_set = kernel_attrs(attrs);
    if (attrs & (MountOptions::kNoAtime | MountOptions::kStrictAtime)) a.attr_clr = MOUNT_ATTR__ATIME;
    if (a.attr_set == 0) return {};
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    if (::mount_setattr(mntfd, "", flags, &a, sizeof a) < 0) return sys_error("set mount attributes of " + what);
    return {};
}

Result<void> set_propagation(int mntfd, const MountOptions& o, const std::string& what) {
    if (o.propagation == MountOptions::Propagation::kUnchanged) return {};
    struct mount_attr a {};
    a.propagation = kernel_propagation(o.propagation);
    unsigned flags = AT_EMPTY_PATH | (o.recursive_propagation ? AT_RECURSIVE : 0);
    if (::mount_setattr(mntfd, "", flags, &a, sizeof a) < 0) return sys_error("set propagation of " + what);
    return {};
}

Result<void> attach(int mntfd, int targetfd, const std::string& what) {
    if (::move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sys_error(what);
    return {};
}

// Splits overlay's "a:b\:c" list, where a backslash escapes the next character.
std::vector<std::string> split_lowerdir(std::string_view s) {
    std::vector<std::string> out(1);
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size())
            out.back() += s[++i];
        else if (s[i] == ':')
            out.emplace_back();
        else
            out.back() += s[i];
    }
    return out;
}

// Layers one by one ("lowerdir+", Linux 6.8): a whole list is capped at 256 bytes by fsconfig.
Result<void> config_lowerdirs(int fsfd, std::string_view list) {
    std::vector<std::string> dirs = split_lowerdir(list);
    for (size_t i = 0; i < dirs.size(); ++i) {
        if (::fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dirs[i].c_str(), 0) == 0) continue;
        if (i == 0 && errno == EINVAL) {
            std::string whole(list);
            if (::fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir", whole.c_str(), 0) == 0) return {};
        }
        return fs_error(fsfd, "overlay lowerdir " + dirs[i]);
    }
    return {};
}

Result<void> config_word(int fsfd, const Op& op, const std::string& word) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
        if (::fsconfig(fsfd, FSCONFIG_SET_FLAG, word.c_str(), nullptr, 0) < 0)
            return fs_error(fsfd, op.fstype + " option " + word);
        return {};
    }
    std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    if (op.fstype == "overlay" && key == "lowerdir") return config_lowerdirs(fsfd, value);
    if (::fsconfig(fsfd, FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0) < 0)
        return fs_error(fsfd, op.fstype + " option " + word);
    return {};
}

// A new, detached file-system mount as `op` describes it.
Result<unique_fd> make_fs(const Op& op, const std::vector<std::string>& extra_flags = {}) {
    std::string what = "mount " + op.fstype + " on " + op.path;
    unique_fd fsfd(::fsopen(op.fstype.c_str(), FSOPEN_CLOEXEC));
    if (!fsfd) return sys_error(what + ": fsopen");
    if (::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, "source", op.source.c_str(), 0) < 0)
        return fs_error(fsfd.get(), what + ": source " + op.source);
    for (const std::string& w : op.options.data) TRY_CTX(config_word(fsfd.get(), op, w), what);
    for (const std::string& w : extra_flags) TRY_CTX(config_word(fsfd.get(), op, w), what);
    if (::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return fs_error(fsfd.get(), what);
    unique_fd mnt(::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, static_cast<unsigned>(kernel_attrs(op.options.attrs))));
    if (!mnt) return fs_error(fsfd.get(), what);
    return mnt;
}

// A detached copy of the mount tree at `path` (relative to `dirfd`; empty: `dirfd` itself).
Result<unique_fd> clone_tree(int dirfd, const std::string& path, bool recursive, const std::string& what) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0u);
    if (path.empty()) flags |= AT_EMPTY_PATH;
    unique_fd t(::open_tree(dirfd, path.c_str(), flags));
    if (!t) return sys_error(what + ": open_tree");
    return t;
}

bool is_dir(int fd) {
    struct stat st;
    return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

// What the container's tree has at `target` (a directory) copied into the new file system `mnt`,
// before it is attached over it, as crun's tmpcopyup: *at() calls beneath both, no link followed.
Result<void> copy_up(int target, int mnt, const std::string& path) {
    unique_fd from(::openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!from) return sys_error("copy " + path + " into its tmpfs");
    unique_fd into(::openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!into) return sys_error("copy " + path + " into its tmpfs");
    return fs::copy_tree(from.get(), ".", into.get(), ".", {}, path);
}

Result<void> do_mount(int rootfd, const Op& op) {
    std::string what = "mount " + op.fstype + " on " + op.path;
    unique_fd target = TRY_CTX(open_or_create(rootfd, op.path, true), what);
    unique_fd mnt = TRY(make_fs(op));
    // (A read-only tmpfs comes here writable: plan() turns it read-only after the last mount.)
    if (op.options.copy_up) TRY_CTX(copy_up(target.get(), mnt.get(), op.path), what);
    TRY(attach(mnt.get(), target.get(), what));
    return set_propagation(mnt.get(), op.options, op.path);
}

Result<void> do_bind(int rootfd, const Op& op) {
    std::string what = "bind " + op.source + " on " + op.path;
    unique_fd tree = TRY(clone_tree(AT_FDCWD, op.source, op.options.recursive, what));
    TRY(set_attrs(tree.get(), op.options.attrs, op.options.recursive, op.path));
    unique_fd target = TRY_CTX(open_or_create(rootfd, op.path, is_dir(tree.get())), what);
    TRY(attach(tree.get(), target.get(), what));
    return set_propagation(tree.get(), op.options, op.path);
}

Result<void> do_symlink(int rootfd, const Op& op) {
    unique_fd parent = TRY(open_or_create(rootfd, fs::dirname(op.path), true));
    std::string name = fs::basename(op.path);
    if (::symlinkat(op.source.c_str(), parent.get(), name.c_str()) < 0 && errno != EEXIST)
        return sys_error("symlink " + op.path + " -> " + op.source);
    return {};
}

// The terminal comes from the container's own devpts instance (mounted by an earlier step).
Result<void> do_console(int rootfd, const Op& op, Console& console) {
    console = TRY(open_console(rootfd));
    std::string what = "bind the terminal on " + op.path;
    unique_fd tree = TRY(clone_tree(console.slave.get(), "", false, what));
    unique_fd target = TRY_CTX(open_or_create(rootfd, op.path, false), what);
    return attach(tree.get(), target.get(), what);
}

Result<void> do_mask(int rootfd, const Op& op) {
    auto target = sys::open_in_root(rootfd, op.path, O_PATH);
    if (!target.ok()) return op.optional && target.error().code == ENOENT ? Result<void>() : target.take_error();
    std::string what = "mask " + op.path;
    unique_fd mnt;
    if (is_dir(target->get())) {
        Op tmpfs;
        tmpfs.fstype = tmpfs.source = "tmpfs";
        tmpfs.path = op.path;
        tmpfs.options.attrs = MountOptions::kReadOnly;
        mnt = TRY_CTX(make_fs(tmpfs, {"ro", "size=0"}), what);
    } else {
        mnt = TRY(clone_tree(AT_FDCWD, "/dev/null", false, what));
    }
    return attach(mnt.get(), target->get(), what);
}

Result<void> do_readonly(int rootfd, const Op& op) {
    auto target = sys::open_in_root(rootfd, op.path, O_PATH);
    if (!target.ok()) return op.optional && target.error().code == ENOENT ? Result<void>() : target.take_error();
    std::string what = "bind " + op.path + " read-only";
    unique_fd tree = TRY(clone_tree(target->get(), "", true, what));
    TRY(set_attrs(tree.get(), MountOptions::kReadOnly, true, op.path));
    return attach(tree.get(), target->get(), what);
}

// A --device node, with the host node's numbers, owner and mode (mknod's mode is cut by the umask).
Result<void> do_mknod(int rootfd, const Op& op) {
    const Device& d = op.device;
    std::string what = "make device " + op.path;
    unique_fd parent = TRY_CTX(open_or_create(rootfd, fs::dirname(op.path), true), what);
    std::string name = fs::basename(op.path);
    mode_t mode = (d.type == 'b' ? S_IFBLK : S_IFCHR) | (d.mode & 07777);
    dev_t dev = makedev(d.major, d.minor);
    if (::mknodat(parent.get(), name.c_str(), mode, dev) < 0) {
        // What the image has there gives way, as a mount would cover it (a directory does not).
        if (errno != EEXIST || ::unlinkat(parent.get(), name.c_str(), 0) < 0 ||
            ::mknodat(parent.get(), name.c_str(), mode, dev) < 0)
            return sys_error(what);
    }
    if (::fchownat(parent.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("chown " + op.path);
    if (::fchmodat(parent.get(), name.c_str(), d.mode & 07777, 0) < 0) return sys_error("chmod " + op.path);
    return {};
}

// The cgroup this process is in, in the hierarchy `self_cgroup` (/proc/self/cgroup's text) names
// `hierarchy` ("" for cgroup2), as seen from its cgroup namespace: "/" or "/a/b".
Result<std::string> own_cgroup(const std::string& self_cgroup, const std::string& hierarchy) {
    for (const std::string& line : str::split(self_cgroup, '\n')) {
        auto first = line.find(':');
        auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos || line.compare(first + 1, second - first - 1, hierarchy) != 0) continue;
        return line.substr(second + 1);
    }
    return make_error("/proc/self/cgroup has no hierarchy \"" + hierarchy + "\"");
}

// A cgroup file system shows its whole hierarchy in the host's namespace: it is attached for a moment
// on `path`, the container's own cgroup in it copied, and the copy put in its place. (open_tree
// clones only what is attached in this mount namespace.)
Result<void> do_mount_own_cgroup(int rootfd, const Op& op, const std::string& self_cgroup) {
    std::string what = "mount " + op.fstype + " on " + op.path;
    std::string own = TRY_CTX(own_cgroup(self_cgroup, op.source), what);
    unique_fd target = TRY_CTX(open_or_create(rootfd, op.path, true), what);
    Op fs = op;
    fs.source = op.fstype;
    auto made = make_fs(fs);
    if (!made.ok() && made.error().code == EPERM) {
        // A rootless container may not mount a hierarchy of the host's cgroup namespace: the host's
        // own mount of it, at the same path, is cloned from where the cgroup is, as crun does.
        unique_fd subtree = TRY(clone_tree(AT_FDCWD, op.path + (own == "/" ? "" : own), false, what + ": the host's " + op.path));
        TRY(set_attrs(subtree.get(), op.options.attrs, false, op.path));
        TRY(attach(subtree.get(), target.get(), what));
        return set_propagation(subtree.get(), op.options, op.path);
    }
    unique_fd whole = TRY(std::move(made));
    TRY(attach(whole.get(), target.get(), what));
    auto subtree = clone_tree(whole.get(), own.substr(1), false, what + ": its cgroup " + own);
    std::string attached = "/proc/self/fd/" + std::to_string(whole.get());
    if (::umount2(attached.c_str(), MNT_DETACH) < 0) return sys_error(what + ": detach the whole hierarchy");
    if (!subtree.ok()) return subtree.take_error();
    TRY(attach(subtree->get(), target.get(), what));
    return set_propagation(subtree->get(), op.options, op.path);
}

Result<void> do_remount_readonly(int rootfd, const Op& op) {
    unique_fd target = TRY(sys::open_in_root(rootfd, op.path, O_PATH | O_DIRECTORY));
    return set_attrs(target.get(), MountOptions::kReadOnly, false, op.path);
}

}  // namespace

namespace {

// The root's mount, not yet attached anywhere; `rootfs` names it in errors.
Result<unique_fd> detached_root(const Op& root, const std::string& rootfs) {
    if (root.kind == Op::Kind::kBind) {
        std::string what = "bind " + root.source + " on " + rootfs;
        unique_fd mnt = TRY(clone_tree(AT_FDCWD, root.source, root.options.recursive, what));
        TRY(set_attrs(mnt.get(), root.options.attrs, root.options.recursive, rootfs));
        return mnt;
    }
    Op op = root;
    op.path = rootfs;
    return make_fs(op);
}

}  // namespace

Result<unique_fd> mount_detached_root(const Mount& root) {
    bool bind = root.type == "bind";
    Op op;
    op.kind = bind ? Op::Kind::kBind : Op::Kind::kMount;
    op.path = "/";
    op.fstype = root.type;
    op.source = root.source.empty() ? root.type : root.source;
    op.options = TRY(parse_mount_options(root.options, bind));
    return detached_root(op, "a detached root");
}

Result<void> attach_detached_root(const unique_fd& mnt, const std::string& target) {
    if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sys_error("mount on " + target);
    return {};
}

Result<unique_fd> mount_root(const Op& root, const std::string& rootfs) {
    unique_fd mnt = TRY(detached_root(root, rootfs));
    if (::move_mount(mnt.get(), "", AT_FDCWD, rootfs.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sys_error("mount the root on " + rootfs);
    return mnt;
}

Result<Console> open_console(int rootfd) {
    Console console;
    console.master = TRY_CTX(sys::open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY), "open the terminal");
    int unlock = 0;
    if (::ioctl(console.master.get(), TIOCSPTLCK, &unlock) < 0) return sys_error("unlock the terminal");
    console.slave.reset(::ioctl(console.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!console.slave) return sys_error("open the terminal's slave");
    return console;
}

Result<void> apply_ops(int rootfd, const std::vector<Op>& ops, Console& console) {
    std::string self_cgroup;  // read once, at the first kMountOwnCgroup
    for (const Op& op : ops) {
        switch (op.kind) {
            case Op::Kind::kMount: TRY(do_mount(rootfd, op)); break;
            case Op::Kind::kBind: TRY(do_bind(rootfd, op)); break;
            case Op::Kind::kSymlink: TRY(do_symlink(rootfd, op)); break;
            case Op::Kind::kConsole: TRY(do_console(rootfd, op, console)); break;
            case Op::Kind::kMask: TRY(do_mask(rootfd, op)); break;
            case Op::Kind::kReadonly: TRY(do_readonly(rootfd, op)); break;
            case Op::Kind::kRemountReadonly: TRY(do_remount_readonly(rootfd, op)); break;
            case Op::Kind::kMknod: TRY(do_mknod(rootfd, op)); break;
            case Op::Kind::kMountOwnCgroup:
                if (self_cgroup.empty()) self_cgroup = TRY_CTX(fs::read_file("/proc/self/cgroup"), "mount " + op.path);
                TRY(do_mount_own_cgroup(rootfd, op, self_cgroup));
                break;
        }
    }
    return {};
}

}  // namespace skiff::runtime
