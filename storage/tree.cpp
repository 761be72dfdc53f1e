#include "tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "xattrs.hpp"

namespace skiff::storage {

namespace {

std::string child(const std::string& parent, const std::string& name) {
    return parent.empty() ? name : parent + "/" + name;
}

// The copy ends with exactly the source's attributes: a directory merged into a lower layer's copy
// loses those the lower one had, as overlay shows only the upper directory's.
Result<void> copy_xattrs(int sdir, const std::string& sname, int ddir, const std::string& dname,
                         const std::string& shown) {
    std::string spath = proc_path(sdir, sname), dpath = proc_path(ddir, dname);
    auto keys = TRY(xattr_names(spath, shown));
    auto old_keys = TRY(xattr_names(dpath, "the copy of " + shown));
    for (auto& key : old_keys) {
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
        if (::lremovexattr(dpath.c_str(), key.c_str()) < 0 && errno != ENODATA && errno != ENOTSUP)
            return sys_error("remove extended attribute " + key + " from the copy of " + shown);
    }
    for (auto& key : keys) {
        auto value = xattr_value(spath, key);
        if (!value) continue;
        if (::lsetxattr(dpath.c_str(), key.c_str(), value->data(), value->size(), 0) < 0 && errno != ENOTSUP)
            return sys_error("set extended attribute " + key + " on the copy of " + shown);
    }
    return {};
}

// Owner, mode, extended attributes and times of `st` onto ddir/dname (in that order: chown clears
// set-id bits and file capabilities).
Result<void> copy_metadata(const struct stat& st, int sdir, const std::string& sname, int ddir,
                           const std::string& dname, const std::string& shown) {
    if (::fchownat(ddir, dname.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
        !(errno == EPERM && ::geteuid() != 0))
        return sys_error("chown the copy of " + shown);
    if (!S_ISLNK(st.st_mode) && ::fchmodat(ddir, dname.c_str(), st.st_mode & 07777, 0) < 0)
        return sys_error("chmod the copy of " + shown);
    TRY(copy_xattrs(sdir, sname, ddir, dname, shown));
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(ddir, dname.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("set times of the copy of " + shown);
    return {};
}

Result<void> copy_data(int sdir, const std::string& name, int ddir, const struct stat& st, const std::string& shown) {
    unique_fd in(::openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) return sys_error("open " + shown);
    unique_fd out(::openat(ddir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return sys_error("create the copy of " + shown);
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(std::min<off_t>(left, 1 << 30)));
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("copy " + shown);
        }
        if (n == 0) break;  // the file shrank: layers are immutable, but never loop forever
        left -= n;
    }
    return {};
}

unsigned long long open_resolve() { return RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS; }

int open_beneath(int dirfd, const std::string& path, int flags) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.resolve = open_resolve();
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
}

class LayerCopier {
public:
    LayerCopier(int dst_root, std::string shown_root) : dst_root_(dst_root), shown_root_(std::move(shown_root)) {}

    Result<void> copy_dir(int sdir, int ddir, const std::string& rel) {
        auto names = TRY(fs::list_names(sdir, shown(rel)));
        for (auto& name : names) TRY(copy_entry(sdir, ddir, name, child(rel, name)));
        return {};
    }

private:
    std::string shown(const std::string& rel) const { return rel.empty() ? shown_root_ : shown_root_ + "/" + rel; }

    Result<void> copy_entry(int sdir, int ddir, const std::string& name, const std::string& rel) {
        struct stat st;
        if (::fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown(rel));
        bool whiteout = (S_ISCHR(st.st_mode) && st.st_rdev == 0) ||
                        (S_ISREG(st.st_mode) && st.st_size == 0 && overlay_attr(sdir, name, "whiteout").has_value());
        if (whiteout) return fs::remove_tree_at(ddir, name);
        struct stat dst;
        bool exists = ::fstatat(ddir, name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
        if (S_ISDIR(st.st_mode)) return copy_subdir(sdir, ddir, name, rel, st, exists && S_ISDIR(dst.st_mode), exists);
        if (exists) TRY(fs::remove_tree_at(ddir, name));
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
            auto key = std::make_pair(st.st_dev, st.st_ino);
            auto it = links_.find(key);
            if (it != links_.end()) return link_to(it->second, ddir, name, rel);
            links_.emplace(key, rel);
        }
        if (S_ISREG(st.st_mode)) {
            TRY(copy_data(sdir, name, ddir, st, shown(rel)));
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(sdir, name.c_str(), target.data(), target.size());
            if (n < 0) return sys_error("readlink " + shown(rel));
            target.resize(static_cast<size_t>(n));
            if (::symlinkat(target.c_str(), ddir, name.c_str()) < 0) return sys_error("symlink the copy of " + shown(rel));
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
            if (::mknodat(ddir, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
                return sys_error("mknod the copy of " + shown(rel));
        } else {
            return {};  // sockets: nothing to copy
        }
        return copy_metadata(st, sdir, name, ddir, name, shown(rel));
    }

    Result<void> copy_subdir(int sdir, int ddir, const std::string& name, const std::string& rel, const struct stat& st,
                             bool dst_is_dir, bool exists) {
        if (exists && !dst_is_dir) TRY(fs::remove_tree_at(ddir, name));
        if (!dst_is_dir && ::mkdirat(ddir, name.c_str(), 0700) < 0) return sys_error("mkdir the copy of " + shown(rel));
        unique_fd s(::openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!s) return sys_error("open " + shown(rel));
        unique_fd d(::openat(ddir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!d) return sys_error("open the copy of " + shown(rel));
        if (dst_is_dir && overlay_attr(sdir, name, "opaque") == "y") {
            auto names = TRY(fs::list_names(d.get(), shown(rel)));
            for (auto& n : names) TRY(fs::remove_tree_at(d.get(), n));
        }
        TRY(copy_dir(s.get(), d.get(), rel));
        return copy_metadata(st, sdir, name, ddir, name, shown(rel));
    }

    Result<void> link_to(const std::string& first, int ddir, const std::string& name, const std::string& rel) {
        auto slash = first.rfind('/');
        std::string parent = slash == std::string::npos ? "." : first.substr(0, slash);
        std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
        unique_fd p(open_beneath(dst_root_, parent, O_PATH | O_DIRECTORY));
        if (!p) return sys_error("open the copy of " + shown(parent));
        if (::linkat(p.get(), base.c_str(), ddir, name.c_str(), 0) < 0) return sys_error("link the copy of " + shown(rel));
        return {};
    }

    int dst_root_;
    std::string shown_root_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

Result<void> apply_layer_copy(int src, int dst, const std::string& shown_src) {
    LayerCopier copier(dst, shown_src);
    TRY(copier.copy_dir(src, dst, ""));
    struct stat st;
    if (::fstat(src, &st) < 0) return sys_error("stat " + shown_src);
    return copy_metadata(st, src, ".", dst, ".", shown_src);
}

}  // namespace skiff::storage
