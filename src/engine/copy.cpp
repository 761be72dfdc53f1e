// cp: both sides are reached through directory descriptors. A container's side starts from a
// descriptor of its root (container_root.hpp) and every path there goes through openat2 with
// RESOLVE_IN_ROOT; the host's side is opened as the user named it. From the descriptors found,
// copy_tree and the tar reader and writer use *at() calls only and never follow a link.
#include "skiff/engine/copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "container_root.hpp"
#include "skiff/base/copy_tree.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/read_beneath.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/user.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/tar_extract.hpp"

namespace skiff::engine {

using fs::copy_tree;
using fs::TreeCopyOptions;

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's limit on links followed in one lookup

// A path as cp reads it: the directory holding the entry and the entry's name there.
struct PathParts {
    std::string dir;
    std::string name;       // "." when the path names a directory itself ("/", "x/..")
    bool contents = false;  // "DIR/." (or a directory named as itself): its entries, not itself
    bool slash = false;     // ended in "/": must be a directory
};

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

PathParts split_path(std::string p, bool in_container) {
    PathParts out;
    if (p.empty()) p = in_container ? "/" : ".";
    if (in_container && p[0] != '/') p = "/" + p;  // container paths are relative to its root
    if (p == "." || ends_with(p, "/.")) out.contents = true;
    else if (p.back() == '/') out.slash = true;
    while (p.size() > 1 && (p.back() == '/' || ends_with(p, "/."))) p.resize(p.size() - (p.back() == '/' ? 1 : 2));
    auto cut = p.rfind('/');
    out.name = cut == std::string::npos ? p : p.substr(cut + 1);
    out.dir = cut == std::string::npos ? "." : cut == 0 ? "/" : p.substr(0, cut);
    if (p == "/" || out.name == "." || out.name == "..") {
        out.dir = p;
        out.name = ".";
        out.contents = true;
    }
    return out;
}

std::string join_path(const std::string& dir, const std::string& name) {
    if (name == ".") return dir;
    return dir == "/" ? "/" + name : dir + "/" + name;
}

// One side of the copy: the host, or a container's root.
class Side {
public:
    static Side host() { return Side(AT_FDCWD, false, "the host"); }
    static Side container(int root, const std::string& name) { return Side(root, true, "container " + name); }

    bool in_container() const { return in_container_; }

    Result<unique_fd> open(const std::string& path, int flags) const {
        if (in_container_) return sys::open_in_root(root_, path, flags);
        return sys::openat(AT_FDCWD, path, flags);
    }

    Error not_found(const std::string& path, int err) const {
        return sys_error("\"" + path + "\" could not be found on " + label_, err);
    }

private:
    Side(int root, bool in_container, std::string label) : root_(root), in_container_(in_container), label_(std::move(label)) {}
    int root_;
    bool in_container_;
    std::string label_;
};

// The entry a SRC names: found without following its last component unless asked to (-L, a
// trailing "/" or "/.", or a host path, which podman follows); links followed inside the side.
struct Source {
    unique_fd dir;
    std::string name;
    struct stat st;
    std::string base;  // the name a copy gets inside a directory
    bool contents;
    std::string shown;
};

Result<Source> find_source(const Side& side, const std::string& path, bool follow_link) {
    PathParts parts = split_path(path, side.in_container());
    Source src{unique_fd(), parts.name, {}, parts.name, parts.contents, path};
    bool follow = follow_link || parts.contents || parts.slash || !side.in_container();
    for (int hops = 0;; ++hops) {
        auto dir = side.open(parts.dir, O_PATH | O_DIRECTORY);
        if (!dir.ok()) return side.not_found(path, dir.error().code);
        if (::fstatat(dir->get(), parts.name.c_str(), &src.st, AT_SYMLINK_NOFOLLOW) < 0) return side.not_found(path, errno);
        src.dir = dir.take();
        src.name = parts.name;
        if (!S_ISLNK(src.st.st_mode) || !follow) break;
        if (hops == kMaxLinks) return side.not_found(path, ELOOP);
        std::string target(static_cast<size_t>(src.st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src.dir.get(), parts.name.c_str(), target.data(), target.size());
        if (n < 0) return sys_error("read link " + path);
        target.resize(static_cast<size_t>(n));
        std::string next = !target.empty() && target[0] == '/' ? target : join_path(parts.dir, target);
        bool contents = parts.contents, slash = parts.slash;
        parts = split_path(next, side.in_container());
        parts.contents = parts.contents || contents;
        parts.slash = parts.slash || slash;
    }
    if (parts.contents || parts.slash) {
        if (!S_ISDIR(src.st.st_mode)) return side.not_found(path, ENOTDIR);
    }
    if (src.base == ".") src.contents = true;
    return src;
}

// Where DEST is: its directory and name, and what is there now. A link there that leads to a
// directory (inside the side) stands for that directory.
struct Dest {
    unique_fd dir;
    std::string name;
    bool exists = false;
    bool is_dir = false;
    bool slash = false;
    std::string shown;
};

Result<Dest> find_dest(const Side& side, const std::string& path) {
    PathParts parts = split_path(path, side.in_container());
    Dest d;
    d.shown = path;
    d.slash = parts.slash || parts.contents;
    auto dir = side.open(parts.dir, O_PATH | O_DIRECTORY);
    if (!dir.ok()) return side.not_found(path, dir.error().code);
    d.dir = dir.take();
    d.name = parts.name;
    struct stat st;
    if (::fstatat(d.dir.get(), d.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT) return sys_error("stat " + path);
        return d;
    }
    d.exists = true;
    d.is_dir = S_ISDIR(st.st_mode);
    if (S_ISLNK(st.st_mode)) {
        auto target = side.open(join_path(parts.dir, parts.name), O_PATH | O_DIRECTORY);
        if (target.ok()) {
            d.dir = target.take();
            d.name = ".";
            d.is_dir = true;
        }
    }
    return d;
}

// Podman's --archive: copies into a container belong to its primary user; else the source's owners.
Result<std::optional<std::pair<uid_t, gid_t>>> owner_in(const storage::StoreConfig& store, int root,
                                                         const storage::Container& c, const CopyOptions& opts) {
    if (!opts.archive) return std::optional<std::pair<uid_t, gid_t>>();
    auto read_etc = [&](const char* path) -> std::optional<std::string> {
        auto text = fs::read_file_beneath(root, path, fs::kMaxAccountFile);
        return text.ok() ? std::optional<std::string>(text.take()) : std::nullopt;
    };
    auto user = TRY_CTX(runtime::resolve_user(c.user, read_etc("/etc/passwd"), read_etc("/etc/group")),
                        "the user of container " + c.name);
    uid_t uid = TRY(store.idmap.host_uid(user.uid));
    gid_t gid = TRY(store.idmap.host_gid(user.gid));
    return std::optional<std::pair<uid_t, gid_t>>(std::make_pair(uid, gid));
}

Result<void> copy_between(const Side& from, const Side& to, const std::string& src_path, const std::string& dest_path,
                          const TreeCopyOptions& topts, bool follow_link) {
    Source src = TRY(find_source(from, src_path, follow_link));
    Dest dest = TRY(find_dest(to, dest_path));
    bool src_dir = S_ISDIR(src.st.st_mode);
    if (dest.exists && dest.is_dir) {
        if (src_dir && src.contents) return copy_tree(src.dir.get(), src.name, dest.dir.get(), dest.name, topts, src_path);
        auto into = TRY(sys::openat(dest.dir.get(), dest.name, O_PATH | O_DIRECTORY | O_NOFOLLOW));
        return copy_tree(src.dir.get(), src.name, into.get(), src.base, topts, src_path);
    }
    if (dest.exists && src_dir)
        return make_error("cannot copy directory \"" + src_path + "\" to file \"" + dest_path + "\"");
    if (!dest.exists && dest.slash && !src_dir)
        return to.not_found(dest_path, ENOENT).context("the destination must be an existing directory");
    return copy_tree(src.dir.get(), src.name, dest.dir.get(), dest.name, topts, src_path);
}

// `cp CONTAINER:PATH -`: the entry as a tar stream named by its base name, or a directory's
// entries when PATH ends in "/.".
Result<void> tar_out(const Side& side, const std::string& path, bool follow_link, const IdMap& ids) {
    Source src = TRY(find_source(side, path, follow_link));
    storage::FdSink out(STDOUT_FILENO);
    if (src.contents && S_ISDIR(src.st.st_mode)) {
        auto dir = TRY(sys::openat(src.dir.get(), src.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        return storage::export_tree(dir.get(), path, out, ids);
    }
    return storage::export_entry(src.dir.get(), src.name, src.base, path, out, ids);
}

// `cp - CONTAINER:DIR`: a tar stream from stdin unpacked into an existing directory.
Result<void> tar_in(const Side& side, const std::string& path, const storage::ExtractOptions& opts) {
    Dest dest = TRY(find_dest(side, path));
    if (!dest.exists) return side.not_found(path, ENOENT);
    if (!dest.is_dir) return make_error("destination \"" + path + "\" must be a directory when copying from stdin");
    auto dir = TRY(sys::openat(dest.dir.get(), dest.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    return storage::extract_tar(STDIN_FILENO, dir.get(), path, opts);
}

// Restores the process's umask: cp gives every mode exactly.
class UmaskZero {
public:
    UmaskZero() : old_(::umask(0)) {}
    ~UmaskZero() { ::umask(old_); }

private:
    mode_t old_;
};

}  // namespace

CopyEndpoint parse_copy_endpoint(const std::string& arg) {
    if (arg == "-") return {CopyEndpoint::Kind::kStream, "", ""};
    if (!arg.empty() && (arg[0] == '/' || arg[0] == '.')) return {CopyEndpoint::Kind::kHost, "", arg};
    auto colon = arg.find(':');
    if (colon == std::string::npos || colon == 0) return {CopyEndpoint::Kind::kHost, "", arg};
    return {CopyEndpoint::Kind::kContainer, arg.substr(0, colon), arg.substr(colon + 1)};
}

Result<void> copy(const storage::StoreConfig& store, const std::string& src_arg, const std::string& dest_arg,
                  const CopyOptions& opts) {
    using Kind = CopyEndpoint::Kind;
    CopyEndpoint src = parse_copy_endpoint(src_arg), dest = parse_copy_endpoint(dest_arg);
    if (src.kind == Kind::kContainer && dest.kind == Kind::kContainer)
        return make_error("copying between containers is not supported");
    if (src.kind != Kind::kContainer && dest.kind != Kind::kContainer)
        return make_error("invalid arguments " + src_arg + ", " + dest_arg + " you must use just one container");
    bool into = dest.kind == Kind::kContainer;
    const CopyEndpoint& ctr = into ? dest : src;
    storage::Container c;
    ContainerRoot root = TRY(open_container_root(store, ctr.container, &c));
    Side inside = Side::container(root.fd.get(), ctr.container);
    UmaskZero umask_zero;

    if (!into) {
        if (dest.kind == Kind::kStream) return tar_out(inside, src.path, opts.follow_link, store.idmap);
        TreeCopyOptions topts;  // rootful: the container's owners are the host's
        topts.overwrite = opts.overwrite;
        return copy_between(inside, Side::host(), src.path, dest.path, topts, opts.follow_link);
    }
    auto owner = TRY(owner_in(store, root.fd.get(), c, opts));
    if (src.kind == Kind::kStream) {
        storage::ExtractOptions x;
        x.owner = owner;
        x.ids = store.idmap;
        x.overwrite = opts.overwrite;
        return tar_in(inside, dest.path, x);
    }
    TreeCopyOptions topts;
    topts.owner = owner;
    topts.overwrite = opts.overwrite;
    return copy_between(Side::host(), inside, src.path, dest.path, topts, opts.follow_link);
}

}  // namespace skiff::engine
