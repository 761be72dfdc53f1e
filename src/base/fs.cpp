#include "skiff/base/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "skiff/base/fd.hpp"
#include "skiff/base/read_beneath.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::fs {

std::string join(std::string_view a, std::string_view b) {
    if (a.empty()) return std::string(b);
    while (!b.empty() && b.front() == '/') b.remove_prefix(1);
    std::string out(a);
    if (out.back() != '/') out += '/';
    out += b;
    return out;
}

std::string dirname(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    auto pos = path.rfind('/');
    if (pos == std::string_view::npos) return ".";
    if (pos == 0) return "/";
    return std::string(path.substr(0, pos));
}

std::string basename(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    auto pos = path.rfind('/');
    return std::string(pos == std::string_view::npos ? path : path.substr(pos + 1));
}

Result<std::string> read_file(const std::string& path) {
    auto fd = TRY(sys::open(path, O_RDONLY));
    return TRY_CTX(sys::read_all(fd.get()), "read " + path);
}

Result<std::string> read_file_beneath(int rootfd, const std::string& path, size_t max) {
    auto fd = TRY(sys::open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat " + path);
    if (!S_ISREG(st.st_mode)) return Error{EINVAL, path + " is not a regular file"};
    std::string out;
    out.resize(std::min(static_cast<size_t>(st.st_size), max) + 1);
    size_t got = 0;
    // One byte more than allowed: a file grown past the bound since the stat is found out too.
    while (got < out.size()) {
        ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("read " + path);
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got == out.size() && got <= max) out.resize(std::min(out.size() * 2, max + 1));
    }
    if (got > max) return Error{EFBIG, path + " is larger than " + std::to_string(max) + " bytes"};
    out.resize(got);
    return out;
}

Result<void> fsync_dir(const std::string& path) {
    auto fd = TRY(sys::open(path, O_RDONLY | O_DIRECTORY));
    if (::fsync(fd.get()) < 0) return sys_error("fsync " + path);
    return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, Durability d,
                               unsigned mode) {
    return write_file_atomic_via(path + ".tmp-" + std::to_string(::getpid()), path, data, d, mode);
}

Result<void> write_file_atomic_via(const std::string& tmp, const std::string& path, std::string_view data,
                                   Durability d, unsigned mode) {
    {
        auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
        auto w = sys::write_all(fd.get(), data);
        if (w.ok() && d == Durability::kFsync && ::fsync(fd.get()) < 0) w = sys_error("fsync " + tmp);
        if (!w.ok()) {
            ::unlink(tmp.c_str());
            return w.take_error().context("write " + path);
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        auto e = sys_error("rename " + tmp + " to " + path);
        ::unlink(tmp.c_str());
        return e;
    }
    if (d == Durability::kFsync) TRY(fsync_dir(dirname(path)));
    return {};
}

Result<void> mkdir_p(const std::string& path, unsigned mode) {
    if (path.empty()) return {};
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return {};
        return sys_error("mkdir " + path, ENOTDIR);
    }
    std::string parent = dirname(path);
    if (parent != path) TRY(mkdir_p(parent, mode));
    return sys::mkdir(path, mode);
}

static Result<void> remove_at(int dirfd, const std::string& name, const std::string& shown, dev_t dev) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return {};
        return sys_error("stat " + shown);
    }
    if (S_ISDIR(st.st_mode)) {
        if (st.st_dev != dev) return sys_error("remove " + shown + " (a mount point)", EBUSY);
        // Make sure we may list and unlink inside, whatever modes the layer had.
        ::fchmodat(dirfd, name.c_str(), 0700, 0);
        auto fd = TRY(sys::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        DIR* d = ::fdopendir(fd.get());
        if (!d) return sys_error("opendir " + shown);
        fd.release();
        std::vector<std::string> names;
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..") names.push_back(std::move(n));
        }
        int dfd = ::dirfd(d);
        Result<void> r;
        for (auto& n : names) {
            r = remove_at(dfd, n, shown + "/" + n, dev);
            if (!r.ok()) break;
        }
        ::closedir(d);
        if (!r.ok()) return r;
        if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
            return sys_error("rmdir " + shown);
        return {};
    }
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) return sys_error("unlink " + shown);
    return {};
}

Result<void> remove_all(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return {};
        return sys_error("stat " + path);
    }
    auto parent = TRY(sys::open(dirname(path), O_RDONLY | O_DIRECTORY));
    return remove_at(parent.get(), basename(path), path, st.st_dev);
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) {
        if (errno == ENOENT) return out;
        return sys_error("opendir " + path);
    }
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(std::move(n));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::vector<std::string>> list_names(int dirfd, const std::string& shown) {
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + shown);
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return sys_error("opendir " + shown);
    }
    std::vector<std::string> out;
    errno = 0;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(std::move(n));
    }
    int err = errno;
    ::closedir(d);
    if (err) return sys_error("read " + shown, err);
    std::sort(out.begin(), out.end());
    return out;
}

Result<void> remove_tree_at(int dirfd, const std::string& name) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return {};
        return sys_error("stat " + name);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) return sys_error("unlink " + name);
        return {};
    }
    (void)::fchmodat(dirfd, name.c_str(), 0700, 0);  // so we may list and unlink inside, whatever its mode
    unique_fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_error("open " + name);
    struct stat inner;
    if (::fstat(fd.get(), &inner) == 0 && inner.st_dev != st.st_dev) return sys_error("remove " + name + " (a mount point)", EBUSY);
    auto names = TRY(list_names(fd.get(), name));
    for (auto& n : names) TRY_CTX(remove_tree_at(fd.get(), n), name);
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) return sys_error("rmdir " + name);
    return {};
}

}  // namespace skiff::fs
