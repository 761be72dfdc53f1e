#include "unpacker.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "tree.hpp"
#include "xattrs.hpp"

namespace skiff::storage {

namespace {

constexpr unsigned long long kResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

// openat2 confined to `dirfd`, refusing every symbolic link on the way; -1 with errno on failure.
int open_beneath(int dirfd, const std::string& path, int flags) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.resolve = kResolve;
    long fd;
    do fd = ::syscall(SYS_openat2, dirfd, path.empty() ? "." : path.c_str(), &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return static_cast<int>(fd);
}

std::string join_comps(const std::vector<std::string>& comps, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        if (i) out += '/';
        out += comps[i];
    }
    return out;
}

bool running_as_root() { return ::geteuid() == 0; }

// The process's umask, read without changing it (umask(2) would, for every thread).
mode_t current_umask() {
    auto status = fs::read_file("/proc/self/status");
    if (status.ok()) {
        size_t at = status->find("\nUmask:");
        if (at != std::string::npos) return static_cast<mode_t>(std::strtoul(status->c_str() + at + 7, nullptr, 8));
    }
    return 07777;  // unknown: every created file is chmod'ed
}

// A whiteout this layer wrote: a 0/0 character device, or (rootless) an empty file with overlay's
// whiteout xattr.
bool is_whiteout(int dirfd, const std::string& name, const struct stat& st) {
    if (S_ISCHR(st.st_mode)) return st.st_rdev == makedev(0, 0);
    if (!S_ISREG(st.st_mode) || st.st_size != 0) return false;
    std::string path = proc_path(dirfd, name);
    return ::lgetxattr(path.c_str(), overlay_xattr("whiteout").c_str(), nullptr, 0) >= 0;
}

// Remove dirfd/name if it is a whiteout; errno is kept when it is not.
bool remove_whiteout(int dirfd, const std::string& name) {
    int saved = errno;
    struct stat st;
    bool removed = ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(dirfd, name, st) &&
                   ::unlinkat(dirfd, name.c_str(), 0) == 0;
    if (!removed) errno = saved;
    return removed;
}

}  // namespace

Result<std::vector<std::string>> clean_entry_name(std::string_view name) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= name.size()) {
        size_t slash = name.find('/', start);
        if (slash == std::string_view::npos) slash = name.size();
        std::string_view comp = name.substr(start, slash - start);
        if (comp == "..") return make_error("escapes the layer");
        if (!comp.empty() && comp != ".") out.emplace_back(comp);
        start = slash + 1;
    }
    return out;
}

std::string overlay_xattr(std::string_view what) {
    return std::string(running_as_root() ? "trusted.overlay." : "user.overlay.") + std::string(what);
}

Unpacker::Unpacker(const ArchiveLib& lib, int root, const IdMap& idmap, std::string label)
    : lib_(lib), root_(root), idmap_(idmap), label_(std::move(label)), self_uid_(::geteuid()),
      self_gid_(::getegid()), umask_(current_umask()) {}

Error Unpacker::refuse(std::string_view name, std::string_view why) const {
    return make_error((layer_ ? "layer " : "") + label_ + ": entry \"" + std::string(name) + "\" " + std::string(why));
}

// The directory made of the first `n` components, created (0755, root-owned) where missing when
// `create`. The descriptor is borrowed from the cache: valid until the next call.
Result<int> Unpacker::open_dir(const std::vector<std::string>& comps, size_t n, std::string_view shown,
                                     bool create) {
    std::string path = join_comps(comps, n);
    if (cached_fd_ && cached_parent_ == path) return cached_fd_.get();
    int fd = open_beneath(root_, path, O_PATH | O_DIRECTORY);
    if (fd < 0) {
        // Walk one component at a time: create what is missing, and name the component at fault.
        unique_fd cur(::fcntl(root_, F_DUPFD_CLOEXEC, 0));
        for (size_t i = 0; i < n; ++i) {
            int next = open_beneath(cur.get(), comps[i], O_PATH | O_DIRECTORY);
            // A parent this layer whited out is made again (the whiteout gives way), opaque.
            bool remade = next < 0 && errno == ENOTDIR && create && layer_ && remove_whiteout(cur.get(), comps[i]);
            if (remade) errno = ENOENT;
            if (next < 0 && errno == ENOENT && create) {
                if (::mkdirat(cur.get(), comps[i].c_str(), 0755) < 0 && errno != EEXIST)
                    return refuse(shown, "cannot be created: mkdir " + join_comps(comps, i + 1) + ": " + std::strerror(errno));
                uid_t uid = force_owner_ ? owner_uid_ : TRY(idmap_.host_uid(0));
                gid_t gid = force_owner_ ? owner_gid_ : TRY(idmap_.host_gid(0));
                if (::fchownat(cur.get(), comps[i].c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && running_as_root())
                    return refuse(shown, "cannot be created: chown " + join_comps(comps, i + 1) + ": " + std::strerror(errno));
                if (remade) TRY(make_opaque(cur.get(), comps[i], shown));
                next = open_beneath(cur.get(), comps[i], O_PATH | O_DIRECTORY);
            }
            if (next < 0) {
                std::string at = join_comps(comps, i + 1);
                if (errno == ELOOP) return refuse(shown, "escapes the layer through the symbolic link \"" + at + "\"");
                if (errno == ENOTDIR) return refuse(shown, "has a parent \"" + at + "\" that is not a directory");
                if (errno == ENOENT) return refuse(shown, "has a parent \"" + at + "\" that is not in the layer");
                if (errno == EXDEV) return refuse(shown, "escapes the layer");
                return refuse(shown, "cannot be reached: open " + at + ": " + std::strerror(errno));
            }
            cur.reset(next);
        }
        fd = cur.release();
    }
    cached_parent_ = path;
    cached_fd_.reset(fd);
    struct stat st;
    cached_setgid_ = ::fstat(fd, &st) < 0 || (st.st_mode & S_ISGID);
    return fd;
}

Result<void> Unpacker::remove_existing(int dirfd, const std::string& name, std::string_view shown) {
    auto r = fs::remove_tree_at(dirfd, name);
    if (!r.ok()) return refuse(shown, "cannot replace what an earlier entry wrote: " + r.error().message);
    return {};
}

// Outside a layer, a directory and a non-directory replace each other only when asked to.
Result<void> Unpacker::check_replace(int dirfd, const std::string& name, bool new_is_dir, std::string_view shown) const {
    if (layer_ || overwrite_) return {};
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return {};
    if (S_ISDIR(st.st_mode) && !new_is_dir) return refuse(shown, "cannot overwrite a directory with a non-directory");
    if (!S_ISDIR(st.st_mode) && new_is_dir) return refuse(shown, "cannot overwrite a non-directory with a directory");
    return {};
}

// The host owner of entry `e`: its own ids mapped, or the forced owner.
Result<std::pair<uid_t, gid_t>> Unpacker::host_owner(struct archive_entry* e, std::string_view shown) const {
    auto uid = force_owner_ ? Result<uid_t>(owner_uid_) : idmap_.host_uid(static_cast<uid_t>(lib_.archive_entry_uid(e)));
    if (!uid.ok()) return refuse(shown, "has an owner that cannot be mapped: " + uid.error().message);
    auto gid = force_owner_ ? Result<gid_t>(owner_gid_) : idmap_.host_gid(static_cast<gid_t>(lib_.archive_entry_gid(e)));
    if (!gid.ok()) return refuse(shown, "has a group that cannot be mapped: " + gid.error().message);
    return std::pair{*uid, *gid};
}

// Why a chown failed, errno's: an owner the user namespace does not map (EINVAL) named, with what
// gives a rootless user more ids.
static std::string chown_failure(uid_t uid, gid_t gid) {
    if (errno == EINVAL)
        return "is owned by uid " + std::to_string(uid) + ", gid " + std::to_string(gid) +
               ", which this user namespace does not map (/proc/self/uid_map): a rootless user needs subordinate "
               "ids that cover it in /etc/subuid and /etc/subgid";
    return std::string("cannot be chowned: ") + std::strerror(errno);
}

Result<void> Unpacker::set_owner(int dirfd, const std::string& name, struct archive_entry* e, std::string_view shown) {
    auto [uid, gid] = TRY(host_owner(e, shown));
    if (::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
        // Without privilege (rootless, no user namespace) every file stays the caller's.
        if (errno == EPERM && !running_as_root()) return {};
        return refuse(shown, chown_failure(uid, gid));
    }
    return {};
}

// set_owner for a regular file this unpacker just created (its own, in the cached directory):
// nothing to do when it was created with the owner the entry wants.
Result<void> Unpacker::set_file_owner(int fd, struct archive_entry* e, std::string_view shown) {
    auto [uid, gid] = TRY(host_owner(e, shown));
    if (uid == self_uid_ && gid == self_gid_ && !cached_setgid_) return {};
    if (::fchown(fd, uid, gid) < 0) {
        if (errno == EPERM && !running_as_root()) return {};
        return refuse(shown, chown_failure(uid, gid));
    }
    return {};
}

Result<void> Unpacker::set_xattrs(int dirfd, const std::string& name, struct archive_entry* e, std::string_view shown) {
    if (lib_.archive_entry_xattr_reset(e) == 0) return {};
    const char* key;
    const void* value;
    size_t size;
    std::string path = proc_path(dirfd, name);
    while (lib_.archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
        // Overlay's own attributes come only from whiteouts, never from a layer's author.
        if (is_overlay_xattr(key)) continue;
        if (::lsetxattr(path.c_str(), key, value, size, 0) < 0) {
            if (errno == ENOTSUP) continue;
            return refuse(shown, std::string("cannot get its extended attribute ") + key + ": " + std::strerror(errno));
        }
    }
    return {};
}

void Unpacker::entry_times(struct archive_entry* e, struct timespec times[2]) const {
    times[1].tv_sec = lib_.archive_entry_mtime(e);
    times[1].tv_nsec = lib_.archive_entry_mtime_nsec(e);
    if (lib_.archive_entry_atime_is_set(e)) {
        times[0].tv_sec = lib_.archive_entry_atime(e);
        times[0].tv_nsec = lib_.archive_entry_atime_nsec(e);
    } else {
        times[0] = times[1];
    }
}

// The lower layers' entries of this directory are hidden: the layer's tar listed none of them.
Result<void> Unpacker::make_opaque(int dirfd, const std::string& name, std::string_view shown) {
    unique_fd dir(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir || ::fsetxattr(dir.get(), overlay_xattr("opaque").c_str(), "y", 1, 0) < 0)
        return refuse(shown, std::string("cannot mark its directory opaque: ") + std::strerror(errno));
    return {};
}

Result<void> Unpacker::whiteout(int dirfd, const std::string& name, std::string_view shown) {
    if (name.empty() || name == "." || name == "..") return refuse(shown, "escapes the layer");
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) TRY(remove_existing(dirfd, name, shown));
    if (::mknodat(dirfd, name.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0) {
        uid_t uid = TRY(idmap_.host_uid(0));
        gid_t gid = TRY(idmap_.host_gid(0));
        if (::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && running_as_root())
            return refuse(shown, std::string("cannot be chowned: ") + std::strerror(errno));
        return {};
    }
    if (errno != EPERM) return refuse(shown, std::string("cannot be written as a whiteout: ") + std::strerror(errno));
    // No CAP_MKNOD: overlay's xattr whiteout (Linux 6.7), an empty file marked as one.
    unique_fd fd(::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0));
    if (!fd || ::fsetxattr(fd.get(), overlay_xattr("whiteout").c_str(), "", 0, 0) < 0)
        return refuse(shown, std::string("cannot be written as a whiteout: ") + std::strerror(errno));
    unique_fd dir(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    char cur[4];
    if (dir && ::fgetxattr(dir.get(), overlay_xattr("opaque").c_str(), cur, sizeof cur) < 0)
        (void)::fsetxattr(dir.get(), overlay_xattr("opaque").c_str(), "x", 1, 0);
    return {};
}

Result<void> Unpacker::write_file(struct archive* a, int dirfd, const std::string& name, struct archive_entry* e,
                                  std::string_view shown) {
    constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    // Created with its mode, unless it has bits that a chown would clear or the umask takes away, or
    // it goes into a directory this unpacker did not make (cp: a default ACL could change the mode).
    mode_t perm = lib_.archive_entry_mode(e) & 07777;
    bool chmod_after = (perm & 07000) || (perm & umask_) || !layer_;
    mode_t create_mode = chmod_after ? 0600 : perm;
    unique_fd fd(::openat(dirfd, name.c_str(), kCreate, create_mode));
    if (!fd && errno == EEXIST) {  // an earlier entry's: this one replaces it
        TRY(check_replace(dirfd, name, false, shown));
        TRY(remove_existing(dirfd, name, shown));
        fd = unique_fd(::openat(dirfd, name.c_str(), kCreate, create_mode));
    }
    if (!fd) return refuse(shown, std::string("cannot be created: ") + std::strerror(errno));
    la_int64_t end = 0;
    for (;;) {
        const void* buf;
        size_t size;
        la_int64_t offset;
        int r = lib_.archive_read_data_block(a, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return refuse(shown, "cannot be read: " + std::string(lib_.archive_error_string(a) ?: "archive error"));
        const char* p = static_cast<const char*>(buf);
        while (size > 0) {
            ssize_t n = ::pwrite(fd.get(), p, size, offset);
            if (n < 0) {
                if (errno == EINTR) continue;
                return refuse(shown, std::string("cannot be written: ") + std::strerror(errno));
            }
            p += n;
            offset += n;
            size -= static_cast<size_t>(n);
        }
        end = std::max(end, offset);
    }
    // Only a sparse file's tail is a hole that nothing wrote.
    if (end != lib_.archive_entry_size(e) && ::ftruncate(fd.get(), lib_.archive_entry_size(e)) < 0)
        return refuse(shown, std::string("cannot be written: ") + std::strerror(errno));
    TRY(set_file_owner(fd.get(), e, shown));
    if (chmod_after && ::fchmod(fd.get(), perm) < 0)
        return refuse(shown, std::string("cannot be chmod'ed: ") + std::strerror(errno));
    TRY(set_xattrs(dirfd, name, e, shown));
    struct timespec times[2];
    entry_times(e, times);
    if (::futimens(fd.get(), times) < 0) return refuse(shown, std::string("cannot get its times: ") + std::strerror(errno));
    return {};
}

Result<void> Unpacker::hardlink(struct archive_entry* e, int dirfd, const std::string& name, std::string_view shown) {
    const char* raw = lib_.archive_entry_hardlink(e);
    if (!raw) raw = lib_.archive_entry_hardlink_utf8(e);
    std::string target = raw ? raw : "";
    auto comps = clean_entry_name(target);
    if (!comps.ok() || comps->empty()) return refuse(shown, "links to \"" + target + "\" outside the layer");
    auto parent = open_dir(*comps, comps->size() - 1, shown, false);
    if (!parent.ok()) return refuse(shown, "links to \"" + target + "\", which is not in the layer");
    struct stat st;
    if (::fstatat(*parent, comps->back().c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return refuse(shown, "links to \"" + target + "\", which is not in the layer");
    if (S_ISDIR(st.st_mode)) return refuse(shown, "links to the directory \"" + target + "\"");
    if (::linkat(*parent, comps->back().c_str(), dirfd, name.c_str(), 0) < 0)
        return refuse(shown, "cannot link to \"" + target + "\": " + std::strerror(errno));
    return {};
}

Result<void> Unpacker::entry(struct archive* a, struct archive_entry* e) {
    const char* raw = lib_.archive_entry_pathname(e);
    if (!raw) raw = lib_.archive_entry_pathname_utf8(e);
    if (!raw) return refuse("", "has no name");
    std::string shown = raw;
    auto comps_r = clean_entry_name(shown);
    if (!comps_r.ok()) return refuse(shown, comps_r.error().message);
    std::vector<std::string> comps = comps_r.take();
    mode_t type = lib_.archive_entry_filetype(e);
    mode_t perm = lib_.archive_entry_mode(e) & 07777;

    // The root itself, "./": cp leaves the existing destination as it is; a layer's root stays as
    // the store made it (0555, root's), as containers/storage ignores that entry.
    if (comps.empty()) {
        if (layer_ && type != AE_IFDIR) return refuse(shown, "replaces the layer's root with a non-directory");
        return {};
    }

    const std::string& base = comps.back();
    int pfd = TRY(open_dir(comps, comps.size() - 1, shown, true));
    if (layer_ && str::starts_with(base, ".wh.")) {
        if (base == ".wh..wh..opq") return make_opaque(pfd, ".", shown);
        if (str::starts_with(base, ".wh..wh.")) return {};  // aufs bookkeeping, as docker skips it
        return whiteout(pfd, base.substr(4), shown);
    }

    bool is_hardlink = lib_.archive_entry_hardlink(e) || lib_.archive_entry_hardlink_utf8(e);
    if (type == AE_IFREG && !is_hardlink) return write_file(a, pfd, base, e, shown);  // replaces what is there

    struct stat st;
    bool keep_dir = false, replaces_whiteout = false;
    if (::fstatat(pfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (type == AE_IFDIR && S_ISDIR(st.st_mode) && !lib_.archive_entry_hardlink(e)) {
            keep_dir = true;
        } else {
            replaces_whiteout = layer_ && is_whiteout(pfd, base, st);
            TRY(check_replace(pfd, base, type == AE_IFDIR, shown));
            TRY(remove_existing(pfd, base, shown));
        }
    }

    if (is_hardlink) {
        // The link's directory stays open while its target's is opened (which takes the cache).
        unique_fd dir(::fcntl(pfd, F_DUPFD_CLOEXEC, 0));
        if (!dir) return refuse(shown, std::string("cannot be created: ") + std::strerror(errno));
        return hardlink(e, dir.get(), base, shown);
    }

    struct timespec times[2];
    entry_times(e, times);
    switch (type) {
        case AE_IFDIR: {
            if (!keep_dir && ::mkdirat(pfd, base.c_str(), 0700) < 0)
                return refuse(shown, std::string("cannot be created: ") + std::strerror(errno));
            if (replaces_whiteout) TRY(make_opaque(pfd, base, shown));
            TRY(set_owner(pfd, base, e, shown));
            TRY(set_xattrs(pfd, base, e, shown));
            dirs_.push_back(DeferredDir{comps, perm, {times[0], times[1]}});
            return {};
        }
        case AE_IFLNK: {
            const char* target = lib_.archive_entry_symlink(e);
            if (!target) target = lib_.archive_entry_symlink_utf8(e);
            if (!target) return refuse(shown, "is a symbolic link with no target");
            if (::symlinkat(target, pfd, base.c_str()) < 0)
                return refuse(shown, std::string("cannot be created: ") + std::strerror(errno));
            TRY(set_owner(pfd, base, e, shown));
            TRY(set_xattrs(pfd, base, e, shown));
            (void)::utimensat(pfd, base.c_str(), times, AT_SYMLINK_NOFOLLOW);
            return {};
        }
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO: {
            dev_t dev = type == AE_IFIFO ? 0 : makedev(lib_.archive_entry_rdevmajor(e), lib_.archive_entry_rdevminor(e));
            if (::mknodat(pfd, base.c_str(), type | 0600, dev) < 0) {
                // Device nodes need CAP_MKNOD: without it (rootless) they are skipped, as podman does.
                if (errno == EPERM && type != AE_IFIFO && !running_as_root()) return {};
                return refuse(shown, std::string("cannot be created: ") + std::strerror(errno));
            }
            TRY(set_owner(pfd, base, e, shown));
            if (::fchmodat(pfd, base.c_str(), perm, 0) < 0)
                return refuse(shown, std::string("cannot be chmod'ed: ") + std::strerror(errno));
            TRY(set_xattrs(pfd, base, e, shown));
            (void)::utimensat(pfd, base.c_str(), times, AT_SYMLINK_NOFOLLOW);
            return {};
        }
        case AE_IFSOCK:
            return {};  // a socket is meaningless in an image
        default:
            return refuse(shown, "has an unsupported file type");
    }
}

Result<void> Unpacker::finish() {
    cached_fd_.reset();
    std::set<std::string> done;
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
        std::string path = join_comps(it->path, it->path.size());
        if (!done.insert(path).second) continue;  // a later entry for the same directory won
        unique_fd fd(open_beneath(root_, path, O_RDONLY | O_DIRECTORY));
        if (!fd) continue;  // replaced by a later non-directory entry
        if (::fchmod(fd.get(), it->mode) < 0)
            return refuse(path.empty() ? "." : path, std::string("cannot be chmod'ed: ") + std::strerror(errno));
        if (::futimens(fd.get(), it->times) < 0)
            return refuse(path.empty() ? "." : path, std::string("cannot get its times: ") + std::strerror(errno));
    }
    dirs_.clear();
    return {};
}

}  // namespace skiff::storage
