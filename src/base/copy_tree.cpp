#include "skiff/base/copy_tree.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"

namespace skiff::fs {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

class Copier {
public:
    // Modes are given exactly: the process's umask is 0 while a copy runs.
    explicit Copier(const TreeCopyOptions& opts) : opts_(opts), buf_(1 << 20), umask_(::umask(0)) {}
    ~Copier() { ::umask(umask_); }
    Copier(const Copier&) = delete;
    Copier& operator=(const Copier&) = delete;

    // `dshown` is the destination's path as errors show it.
    Result<void> entry(int sdir, const std::string& sname, int ddir, const std::string& dname, const std::string& shown,
                       const std::string& dshown) {
        struct stat st;
        if (::fstatat(sdir, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown);
        if (S_ISDIR(st.st_mode)) return directory(sdir, sname, st, ddir, dname, shown, dshown);
        if (S_ISSOCK(st.st_mode)) return {};  // a socket has no copy, as podman skips it
        TRY(make_room(ddir, dname, false, dshown));
        if (S_ISREG(st.st_mode)) {
            // O_NONBLOCK: a FIFO swapped in since the stat must not block the copy.
            unique_fd in(::openat(sdir, sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
            if (!in) return sys_error("open " + shown);
            struct stat now;
            if (::fstat(in.get(), &now) < 0 || !S_ISREG(now.st_mode)) return make_error(shown + ": changed while it was copied");
            return file(in.get(), now, ddir, dname, shown);
        }
        if (S_ISLNK(st.st_mode)) return symlink(sdir, sname, st, ddir, dname, shown);
        return special(st, ddir, dname, shown);
    }

    Result<void> file(int in, const struct stat& st, int ddir, const std::string& dname, const std::string& shown) {
        unique_fd out(::openat(ddir, dname.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out) return sys_error("create " + dname);
        for (;;) {
            ssize_t n = ::read(in, buf_.data(), buf_.size());
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0) return sys_error("read " + shown);
            if (n == 0) break;
            for (ssize_t done = 0; done < n;) {
                ssize_t w = ::write(out.get(), buf_.data() + done, static_cast<size_t>(n - done));
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) return sys_error("write " + dname);
                done += w;
            }
        }
        return attributes(out.get(), st, dname);
    }

    // Before a non-directory (or, `is_dir`, a directory) is made at ddir/dname: what is there goes,
    // unless that would replace a directory with a non-directory or back without --overwrite
    // (then an error in podman's words, naming the destination `dshown`).
    // Returns nothing; a directory that stays is left for the caller to merge into.
    Result<void> make_room(int ddir, const std::string& dname, bool is_dir, const std::string& dshown) {
        struct stat st;
        if (::fstatat(ddir, dname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return {};
        if (is_dir && S_ISDIR(st.st_mode)) return {};
        if (!opts_.overwrite && (S_ISDIR(st.st_mode) || is_dir))
            return make_error("error creating \"" + dshown + "\": " + (is_dir ? "mkdir " : "open ") + dshown + ": file exists");
        auto removed = remove_tree_at(ddir, dname);
        if (!removed.ok()) return removed.take_error().context("replace " + dname);
        return {};
    }

private:
    Result<void> directory(int sdir, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                           const std::string& shown, const std::string& dshown) {
        unique_fd src(::openat(sdir, sname.c_str(), kDirFlags));
        if (!src) return sys_error("open " + shown);
        TRY(make_room(ddir, dname, true, dshown));
        bool made = ::mkdirat(ddir, dname.c_str(), 0700) == 0;
        if (!made && errno != EEXIST) return sys_error("mkdir " + dname);
        unique_fd dst(::openat(ddir, dname.c_str(), kDirFlags));
        if (!dst) return sys_error("open " + dname);
        std::string under = dshown == "/" ? "" : dshown;
        for (auto& n : TRY(list_names(src.get(), shown))) TRY(entry(src.get(), n, dst.get(), n, shown + "/" + n, under + "/" + n));
        return made ? attributes(dst.get(), st, dname) : Result<void>();
    }

    Result<void> symlink(int sdir, const std::string& sname, const struct stat& st, int ddir, const std::string& dname,
                         const std::string& shown) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(sdir, sname.c_str(), target.data(), target.size());
        if (n < 0) return sys_error("read link " + shown);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), ddir, dname.c_str()) < 0) return sys_error("symlink " + dname);
        return at_attributes(ddir, dname, st);
    }

    Result<void> special(const struct stat& st, int ddir, const std::string& dname, const std::string& shown) {
        if (::mknodat(ddir, dname.c_str(), st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0)
            return sys_error("create " + dname + " (a copy of " + shown + ")");
        return at_attributes(ddir, dname, st);
    }

    std::pair<uid_t, gid_t> owner(const struct stat& st) const {
        return opts_.owner ? *opts_.owner : std::make_pair(st.st_uid, st.st_gid);
    }

    // Owner first: chown clears the set-id bits the mode then sets.
    Result<void> attributes(int fd, const struct stat& st, const std::string& dname) {
        auto [uid, gid] = owner(st);
        if (::fchown(fd, uid, gid) < 0) return sys_error("chown " + dname);
        if (::fchmod(fd, st.st_mode & 07777) < 0) return sys_error("chmod " + dname);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (::futimens(fd, times) < 0) return sys_error("set the times of " + dname);
        return {};
    }

    // For links and device nodes, which cannot be opened: calls that never follow a link.
    Result<void> at_attributes(int ddir, const std::string& dname, const struct stat& st) {
        auto [uid, gid] = owner(st);
        if (::fchownat(ddir, dname.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("chown " + dname);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (::utimensat(ddir, dname.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("set the times of " + dname);
        return {};
    }

    const TreeCopyOptions& opts_;
    std::vector<char> buf_;
    mode_t umask_;
};

// The destination dst_dir/dst_name as errors show it.
std::string shown_in(const TreeCopyOptions& opts, const std::string& dst_name) {
    std::string dir = opts.dest_shown.empty() || opts.dest_shown == "/" ? "" : opts.dest_shown;
    return dst_name == "." ? (dir.empty() ? "/" : dir) : dir + "/" + dst_name;
}

}  // namespace

Result<void> copy_tree(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                       const TreeCopyOptions& opts, const std::string& shown) {
    Copier c(opts);
    return c.entry(src_dir, src_name, dst_dir, dst_name, shown, shown_in(opts, dst_name));
}

Result<void> copy_open_file(int src, const struct stat& st, int dst_dir, const std::string& dst_name,
                            const TreeCopyOptions& opts, const std::string& shown) {
    Copier c(opts);
    TRY(c.make_room(dst_dir, dst_name, false, shown_in(opts, dst_name)));
    return c.file(src, st, dst_dir, dst_name, shown);
}

}  // namespace skiff::fs
