// Changes of a tree against the tree its lower layers make. The lower tree is read once into a map
// of path → (layer, stat), bottom layer first, applying whiteouts and opaque directories as overlay
// would; then the upper tree (or the vfs copy) is walked against it.
#include "skiff/storage/changes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/layers.hpp"
#include "xattrs.hpp"

namespace skiff::storage {

namespace {

bool is_whiteout(int dirfd, const std::string& name, const struct stat& st) {
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) return true;
    return S_ISREG(st.st_mode) && st.st_size == 0 && overlay_attr(dirfd, name, "whiteout").has_value();
}

bool is_opaque(int dirfd, const std::string& name) {
    return overlay_attr(dirfd, name, "opaque") == std::optional<std::string>("y");
}

Result<unique_fd> open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
    unique_fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_error("open " + shown);
    return fd;
}

// "/a/b" → "/a/b/": the prefix every descendant's path starts with.
std::string below(const std::string& path) { return path == "/" ? path : path + "/"; }

std::string child_path(const std::string& dir, const std::string& name) { return below(dir) + name; }

// The tree a list of layers makes, as overlay shows it.
class LowerTree {
public:
    struct Node {
        struct stat st;
        size_t layer;  // index into dirs_
    };

    static Result<LowerTree> read(const std::vector<std::string>& topmost_first) {
        LowerTree t;
        for (auto it = topmost_first.rbegin(); it != topmost_first.rend(); ++it) {
            auto fd = TRY(sys::open(*it, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            t.fds_.push_back(std::move(fd));
            t.dirs_.push_back(*it);
            TRY(t.apply(t.fds_.back().get(), "/", t.fds_.size() - 1));
        }
        return t;
    }

    const Node* find(const std::string& path) const {
        auto it = nodes_.find(path);
        return it == nodes_.end() ? nullptr : &it->second;
    }

    // The names directly under `dir`, in byte order.
    std::vector<std::string> children(const std::string& dir) const {
        std::vector<std::string> out;
        std::string prefix = below(dir);
        for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix); ++it) {
            std::string rest = it->first.substr(prefix.size());
            if (!rest.empty() && rest.find('/') == std::string::npos) out.push_back(rest);
        }
        return out;
    }

    // The node's file opened read-only (no link followed), or its link target.
    Result<unique_fd> open(const std::string& path, const Node& n) const {
        return sys::open_in_root(fds_[n.layer].get(), path, O_RDONLY | O_NOFOLLOW);
    }
    Result<std::string> link_target(const std::string& path, const Node& n) const {
        auto fd = TRY(sys::open_in_root(fds_[n.layer].get(), path, O_PATH | O_NOFOLLOW));
        std::string target(static_cast<size_t>(n.st.st_size) + 1, '\0');
        ssize_t len = ::readlinkat(fd.get(), "", target.data(), target.size());
        if (len < 0) return sys_error("read link " + dirs_[n.layer] + path);
        target.resize(static_cast<size_t>(len));
        return target;
    }

private:
    void erase_below(const std::string& path) {
        std::string prefix = below(path);
        auto it = nodes_.lower_bound(prefix);
        while (it != nodes_.end() && it->first.starts_with(prefix)) it = nodes_.erase(it);
    }

    Result<void> apply(int dirfd, const std::string& dir, size_t layer) {
        std::string shown = dirs_[layer] + (dir == "/" ? "" : dir);
        for (auto& name : TRY(fs::list_names(dirfd, shown))) {
            struct stat st;
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown + "/" + name);
            std::string path = child_path(dir, name);
            if (is_whiteout(dirfd, name, st)) {
                nodes_.erase(path);
                erase_below(path);
                continue;
            }
            // Anything but a directory, or an opaque directory, hides what lower layers had below it.
            if (!S_ISDIR(st.st_mode) || is_opaque(dirfd, name)) erase_below(path);
            nodes_[path] = Node{st, layer};
            if (S_ISDIR(st.st_mode)) {
                auto sub = TRY(open_dir_at(dirfd, name, shown + "/" + name));
                TRY(apply(sub.get(), path, layer));
            }
        }
        return {};
    }

    std::vector<unique_fd> fds_;
    std::vector<std::string> dirs_;
    std::map<std::string, Node> nodes_;
};

bool same_time(const struct timespec& a, const struct timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool same_meta(const struct stat& a, const struct stat& b) {
    return a.st_mode == b.st_mode && a.st_uid == b.st_uid && a.st_gid == b.st_gid;
}

void sort_changes(std::vector<Change>& changes) {
    std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.path < b.path; });
}

// Walks an overlay-form tree: entries are added or changed, whiteouts deletions.
class LayerWalk {
public:
    LayerWalk(const LowerTree& lower, std::string shown_root) : lower_(lower), shown_root_(std::move(shown_root)) {}

    // True when anything under `dir` changed.
    Result<bool> dir(int dirfd, const std::string& dir) {
        std::string shown = shown_root_ + (dir == "/" ? "" : dir);
        bool any = false;
        for (auto& name : TRY(fs::list_names(dirfd, shown))) {
            struct stat st;
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown + "/" + name);
            std::string path = child_path(dir, name);
            const auto* old = lower_.find(path);
            if (is_whiteout(dirfd, name, st)) {
                if (old) {
                    out.push_back({path, ChangeKind::kDeleted});
                    any = true;
                }
                continue;
            }
            if (!S_ISDIR(st.st_mode)) {
                out.push_back({path, old ? ChangeKind::kChanged : ChangeKind::kAdded});
                any = true;
                continue;
            }
            size_t at = out.size();
            out.push_back({path, old ? ChangeKind::kChanged : ChangeKind::kAdded});
            bool was_dir = old && S_ISDIR(old->st.st_mode);
            bool inside = false;
            if (was_dir && is_opaque(dirfd, name)) inside = TRY(hidden(dirfd, name, path));
            auto sub = TRY(open_dir_at(dirfd, name, shown + "/" + name));
            inside = TRY(this->dir(sub.get(), path)) || inside;
            // A directory that was there below, is unchanged itself and holds no change is left out.
            bool keep = !was_dir || inside || !same_meta(st, old->st) || !same_time(st.st_mtim, old->st.st_mtim);
            if (!keep) out.erase(out.begin() + static_cast<std::ptrdiff_t>(at));
            any = any || keep;
        }
        return any;
    }

    std::vector<Change> out;

private:
    // An opaque directory hides every lower entry it does not have itself.
    Result<bool> hidden(int dirfd, const std::string& name, const std::string& path) {
        auto sub = TRY(open_dir_at(dirfd, name, shown_root_ + path));
        bool any = false;
        for (auto& child : lower_.children(path)) {
            struct stat st;
            if (::fstatat(sub.get(), child.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
            out.push_back({child_path(path, child), ChangeKind::kDeleted});
            any = true;
        }
        return any;
    }

    const LowerTree& lower_;
    std::string shown_root_;
};

// Walks a full copy against the lower tree.
class CopyWalk {
public:
    CopyWalk(const LowerTree& lower, std::string shown_root) : lower_(lower), shown_root_(std::move(shown_root)) {}

    Result<bool> dir(int dirfd, const std::string& dir, bool existed) {
        std::string shown = shown_root_ + (dir == "/" ? "" : dir);
        auto names = TRY(fs::list_names(dirfd, shown));
        bool any = false;
        if (existed) {
            for (auto& old : lower_.children(dir)) {
                if (std::binary_search(names.begin(), names.end(), old)) continue;
                out.push_back({child_path(dir, old), ChangeKind::kDeleted});
                any = true;
            }
        }
        for (auto& name : names) {
            struct stat st;
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown + "/" + name);
            std::string path = child_path(dir, name);
            const auto* old = lower_.find(path);
            size_t at = out.size();
            bool changed = !old || TRY(differs(dirfd, name, path, st, *old));
            if (changed) out.push_back({path, old ? ChangeKind::kChanged : ChangeKind::kAdded});
            bool inside = false;
            if (S_ISDIR(st.st_mode)) {
                auto sub = TRY(open_dir_at(dirfd, name, shown + "/" + name));
                inside = TRY(this->dir(sub.get(), path, old && S_ISDIR(old->st.st_mode)));
            }
            if (inside && !changed) out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), {path, ChangeKind::kChanged});
            any = any || changed || inside;
        }
        return any;
    }

    std::vector<Change> out;

private:
    Result<bool> differs(int dirfd, const std::string& name, const std::string& path, const struct stat& st,
                         const LowerTree::Node& old) {
        const struct stat& o = old.st;
        if (!same_meta(st, o)) return true;  // type, permissions, owner
        if (S_ISDIR(st.st_mode)) return !same_time(st.st_mtim, o.st_mtim);
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return st.st_rdev != o.st_rdev;
        if (st.st_size != o.st_size) return true;
        if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
            if (n < 0) return sys_error("read link " + shown_root_ + path);
            target.resize(static_cast<size_t>(n));
            return target != TRY(lower_.link_target(path, old));
        }
        if (!S_ISREG(st.st_mode) || same_time(st.st_mtim, o.st_mtim)) return false;
        // O_NONBLOCK: a running container may have put a FIFO here since the stat.
        unique_fd mine(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!mine) return sys_error("open " + shown_root_ + path);
        struct stat now;
        if (::fstat(mine.get(), &now) < 0 || !S_ISREG(now.st_mode)) return true;
        auto theirs = TRY(lower_.open(path, old));
        return !TRY(same_content(mine.get(), theirs.get(), path));
    }

    Result<bool> same_content(int a, int b, const std::string& path) {
        std::vector<char> x(1 << 16), y(1 << 16);
        for (;;) {
            ssize_t n = TRY(read_full(a, x, path));
            ssize_t m = TRY(read_full(b, y, path));
            if (n != m || std::memcmp(x.data(), y.data(), static_cast<size_t>(n)) != 0) return false;
            if (n == 0) return true;
        }
    }

    Result<ssize_t> read_full(int fd, std::vector<char>& buf, const std::string& path) {
        size_t got = 0;
        while (got < buf.size()) {
            ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return sys_error("read " + path);
            if (n == 0) break;
            got += static_cast<size_t>(n);
        }
        return static_cast<ssize_t>(got);
    }

    const LowerTree& lower_;
    std::string shown_root_;
};

// The copy's entries that `changes` names, as export_selection wants them.
ExportSelection selection_of(const std::vector<Change>& changes) {
    ExportSelection sel;
    for (auto& c : changes) {
        std::string rel = c.path.substr(1);
        (c.kind == ChangeKind::kDeleted ? sel.deleted : sel.keep).insert(rel);
    }
    return sel;
}

}  // namespace

const char* change_letter(ChangeKind k) {
    switch (k) {
        case ChangeKind::kAdded: return "A";
        case ChangeKind::kDeleted: return "D";
        case ChangeKind::kChanged: break;
    }
    return "C";
}

Result<std::vector<Change>> layer_changes(const std::string& layer, const std::vector<std::string>& lowers) {
    auto lower = TRY(LowerTree::read(lowers));
    auto fd = TRY(sys::open(layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    LayerWalk walk(lower, layer);
    TRY(walk.dir(fd.get(), "/"));
    sort_changes(walk.out);
    return std::move(walk.out);
}

Result<std::vector<Change>> copy_changes(const std::string& copy, const std::vector<std::string>& lowers) {
    auto lower = TRY(LowerTree::read(lowers));
    auto fd = TRY(sys::open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    CopyWalk walk(lower, copy);
    TRY(walk.dir(fd.get(), "/", true));
    sort_changes(walk.out);
    return std::move(walk.out);
}

Result<std::vector<Change>> container_changes(const StoreConfig& store, const std::string& container_id,
                                              const ImageRecord& image) {
    std::string dir = container_dir(store, container_id);
    std::string upper = fs::join(dir, "upper"), copy = fs::join(dir, "rootfs");
    if (sys::exists(upper)) return layer_changes(upper, TRY(layer_dirs(store, image)));
    if (sys::exists(copy)) return copy_changes(copy, TRY(layer_dirs(store, image)));
    return std::vector<Change>{};
}

Result<std::vector<Change>> image_changes(const StoreConfig& store, const ImageRecord& image) {
    auto dirs = TRY(layer_dirs(store, image));
    if (dirs.empty()) return std::vector<Change>{};
    std::string top = dirs.front();
    dirs.erase(dirs.begin());
    return layer_changes(top, dirs);
}

Result<void> export_container_changes(const StoreConfig& store, const std::string& container_id,
                                      const ImageRecord& image, ByteSink& out) {
    std::string dir = container_dir(store, container_id);
    std::string upper = fs::join(dir, "upper"), copy = fs::join(dir, "rootfs");
    if (sys::exists(copy) && !sys::exists(upper)) {
        auto changes = TRY(copy_changes(copy, TRY(layer_dirs(store, image))));
        auto fd = TRY(sys::open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        return export_selection(fd.get(), copy, selection_of(changes), out, store.idmap);
    }
    // Never started: no change at all, an empty layer (a tar stream's two zero blocks).
    if (!sys::exists(upper)) return out.write(std::string(1024, '\0'));
    auto fd = TRY(sys::open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    return export_tree(fd.get(), upper, out, store.idmap);
}

}  // namespace skiff::storage
