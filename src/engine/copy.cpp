// cp: both sides are reached through directory descriptors. A container's side starts from a
// descriptor of its root (container_root.hpp) and every path there goes through openat2 with
// RESOLVE_IN_ROOT (for a container that is not running, paths beneath a volume or bind mount
// start from that mount's directory on the host instead, as podman's do); the host's side is
// opened as the user named it. From the descriptors found, copy_tree and the tar reader and
// writer use *at() calls only and never follow a link.
#include "skiff/engine/copy.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "container_root.hpp"
#include "skiff/base/copy_tree.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/read_beneath.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/user.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/tar_extract.hpp"
#include "skiff/storage/volumes.hpp"

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
    // Side::absolute has made a user's path absolute from the working directory; anything still
    // relative here is taken from the container's root.
    if (in_container && p[0] != '/') p = "/" + p;
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

// podman's words for an errno (Go's): "no such file or directory".
std::string errno_words(int err) {
    std::string s = std::strerror(err);
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

// A volume or bind mount of a container that is not running: reached where the host keeps it, as
// podman does, since the detached root has no mounts.
struct HostMount {
    std::string destination;  // clean and absolute, in the container
    std::string source;       // the host's path
};

// One side of the copy: the host, or a container's root (its working directory for relative
// paths; the mounts to reach on the host when it is not running).
class Side {
public:
    static Side host() { return Side(AT_FDCWD, false, "the host", "", {}); }
    static Side container(int root, const std::string& name, const std::string& workdir, std::vector<HostMount> mounts) {
        return Side(root, true, "container " + name, workdir, std::move(mounts));
    }

    bool in_container() const { return in_container_; }

    // A container's relative path is relative to its working directory, as podman's.
    std::string absolute(const std::string& path) const {
        if (!in_container_ || (!path.empty() && path[0] == '/')) return path;
        std::string wd = workdir_.empty() ? "/" : workdir_;
        if (path.empty()) return wd;
        return wd.back() == '/' ? wd + path : wd + "/" + path;
    }

    Result<unique_fd> open(const std::string& path, int flags) const {
        if (!in_container_) return sys::openat(AT_FDCWD, path, flags);
        if (const HostMount* m = mount_under(path)) {
            std::string rest = runtime::clean_path(path).substr(m->destination.size());
            auto top = TRY(sys::openat(AT_FDCWD, m->source, O_PATH | O_DIRECTORY));
            return sys::open_in_root(top.get(), rest.empty() ? "/" : rest, flags);
        }
        return sys::open_in_root(root_, path, flags);
    }

    // The directory holding dir/name and the name there: a mount point is its source on the host.
    Result<std::pair<unique_fd, std::string>> locate(const std::string& dir, const std::string& name) const {
        if (in_container_ && name != ".") {
            std::string full = runtime::clean_path(join_path(dir, name));
            for (const HostMount& m : mounts_) {
                if (m.destination != full) continue;
                auto cut = m.source.rfind('/');
                std::string parent = cut == 0 || cut == std::string::npos ? "/" : m.source.substr(0, cut);
                auto fd = TRY(sys::openat(AT_FDCWD, parent, O_PATH | O_DIRECTORY));
                return std::make_pair(std::move(fd), m.source.substr(cut + 1));
            }
        }
        auto fd = TRY(open(dir, O_PATH | O_DIRECTORY));
        return std::make_pair(std::move(fd), name);
    }

    Error not_found(const std::string& path, int err) const {
        return make_error("\"" + path + "\" could not be found on " + label_ + ": " + errno_words(err));
    }

private:
    Side(int root, bool in_container, std::string label, std::string workdir, std::vector<HostMount> mounts)
        : root_(root), in_container_(in_container), label_(std::move(label)), workdir_(std::move(workdir)),
          mounts_(std::move(mounts)) {}

    // The deepest mount holding `path` (absolute), if any.
    const HostMount* mount_under(const std::string& path) const {
        std::string p = runtime::clean_path(path);
        const HostMount* best = nullptr;
        for (const HostMount& m : mounts_) {
            bool under = p == m.destination || (p.size() > m.destination.size() && p.compare(0, m.destination.size(), m.destination) == 0 &&
                                                p[m.destination.size()] == '/');
            if (under && (!best || m.destination.size() > best->destination.size())) best = &m;
        }
        return best;
    }

    int root_;
    bool in_container_;
    std::string label_;
    std::string workdir_;
    std::vector<HostMount> mounts_;
};

// What a path names on one side: the directory holding it, its name there, and its stat when it
// exists. A symbolic link as the last component is followed inside the side, as podman follows
// it (a source link copies what it leads to; a destination link is written through, even when
// its target is missing).
struct Entry {
    unique_fd dir;
    std::string name;     // in `dir`
    std::string base;     // the name a copy gets inside a directory ("." for a directory itself)
    bool exists = false;
    struct stat st {};
    bool contents = false;  // "DIR/." : its entries, not itself
    bool slash = false;     // ended in "/": must be a directory
};

Result<Entry> resolve(const Side& side, const std::string& path) {
    PathParts parts = split_path(side.absolute(path), side.in_container());
    Entry e;
    for (int hops = 0;; ++hops) {
        auto found = side.locate(parts.dir, parts.name);
        if (!found.ok()) return side.not_found(path, found.error().code);
        e.dir = std::move(found->first);
        e.name = found->second;
        e.base = parts.name;
        e.contents = parts.contents;
        e.slash = parts.slash;
        if (::fstatat(e.dir.get(), e.name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) return side.not_found(path, errno);
            e.exists = false;
            return e;
        }
        e.exists = true;
        if (!S_ISLNK(e.st.st_mode)) return e;
        if (hops == kMaxLinks) return side.not_found(path, ELOOP);
        std::string target(static_cast<size_t>(e.st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(e.dir.get(), e.name.c_str(), target.data(), target.size());
        if (n < 0) return sys_error("read link " + path);
        target.resize(static_cast<size_t>(n));
        std::string next = !target.empty() && target[0] == '/' ? target : join_path(parts.dir, target);
        bool contents = parts.contents, slash = parts.slash;
        parts = split_path(next, side.in_container());
        parts.contents = parts.contents || contents;
        parts.slash = parts.slash || slash;
    }
}

// The entry a SRC names. podman does not expand a "*" in a container's path, nor take it literally.
Result<Entry> find_source(const Side& side, const std::string& path) {
    if (side.in_container() && path.find('*') != std::string::npos) return side.not_found(path, ENOENT);
    Entry src = TRY(resolve(side, path));
    if (!src.exists) return side.not_found(path, ENOENT);
    if ((src.contents || src.slash) && !S_ISDIR(src.st.st_mode)) return side.not_found(path, ENOTDIR);
    if (src.base == ".") src.contents = true;
    return src;
}

// A host destination that exists must be a directory or a regular file (not /dev/stdout, say).
Result<void> check_host_dest(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0 || S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) return {};
    std::string abs = path;
    if (abs.empty() || abs[0] != '/') {
        char cwd[PATH_MAX];
        if (!::getcwd(cwd, sizeof cwd)) return sys_error("find the current directory");
        abs = std::string(cwd) + "/" + path;
    }
    return make_error("invalid destination: \"" + runtime::clean_path(abs) + "\" must be a directory or a regular file");
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

// How copy errors show the destination directory: its path in the container; on the host, "/"
// (podman shows a host's paths relative to the directory it writes into).
std::string shown_dir(const Side& to, const std::string& dest_path, bool into_dest) {
    if (!to.in_container()) return "/";
    std::string abs = runtime::clean_path(to.absolute(dest_path));
    if (into_dest) return abs;
    auto cut = abs.rfind('/');
    return cut == 0 ? "/" : abs.substr(0, cut);
}

Result<void> with_context(Result<void> done, const char* where) {
    if (!done.ok()) return done.take_error().context(where);
    return {};
}

Result<void> copy_between(const Side& from, const Side& to, const std::string& src_path, const std::string& dest_path,
                          TreeCopyOptions topts) {
    Entry src = TRY(find_source(from, src_path));
    if (!to.in_container()) TRY(check_host_dest(dest_path));
    Entry dest = TRY(resolve(to, dest_path));
    bool src_dir = S_ISDIR(src.st.st_mode);
    bool dest_dir = dest.exists && S_ISDIR(dest.st.st_mode);
    const char* where = to.in_container() ? "copying to container" : "copying to host";
    if (dest_dir) {
        topts.dest_shown = shown_dir(to, dest_path, true);
        if (src_dir && src.contents) return with_context(copy_tree(src.dir.get(), src.name, dest.dir.get(), dest.name, topts, src_path), where);
        auto into = TRY(sys::openat(dest.dir.get(), dest.name, O_PATH | O_DIRECTORY | O_NOFOLLOW));
        return with_context(copy_tree(src.dir.get(), src.name, into.get(), src.base, topts, src_path), where);
    }
    if (dest.exists && src_dir) return make_error("destination must be a directory when copying a directory");
    if (!dest.exists && (dest.slash || dest.contents)) return to.not_found(dest_path, ENOENT);
    topts.dest_shown = shown_dir(to, dest_path, false);
    return with_context(copy_tree(src.dir.get(), src.name, dest.dir.get(), dest.name, topts, src_path), where);
}

// `cp CONTAINER:PATH -`: the entry as a tar stream named by its base name, or a directory's
// entries when PATH ends in "/.".
Result<void> tar_out(const Side& side, const std::string& path, const IdMap& ids) {
    Entry src = TRY(find_source(side, path));
    storage::FdSink out(STDOUT_FILENO);
    if (src.contents && S_ISDIR(src.st.st_mode)) {
        auto dir = TRY(sys::openat(src.dir.get(), src.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        return storage::export_tree(dir.get(), path, out, ids);
    }
    return storage::export_entry(src.dir.get(), src.name, src.base, path, out, ids);
}

// `cp - CONTAINER:DIR`: a tar stream from stdin unpacked into an existing directory.
Result<void> tar_in(const Side& side, const std::string& path, const storage::ExtractOptions& opts) {
    Entry dest = TRY(resolve(side, path));
    if (!dest.exists && (dest.slash || dest.contents)) return side.not_found(path, ENOENT);
    if (!dest.exists || !S_ISDIR(dest.st.st_mode)) return make_error("destination must be a directory when copying from stdin");
    auto dir = TRY(sys::openat(dest.dir.get(), dest.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    auto done = storage::extract_tar(STDIN_FILENO, dir.get(), path, opts);
    if (!done.ok() && done.error().code == EILSEQ)
        return make_error("source must be a (compressed) tar archive when copying from stdin");
    return done;
}

// A container opened for cp: its record, its root, and (when it is not running) its mounts.
struct OpenContainer {
    storage::Container c;
    ContainerRoot root;
    std::vector<HostMount> mounts;

    Side side(const std::string& name) const { return Side::container(root.fd.get(), name, c.working_dir, mounts); }
};

Result<std::vector<HostMount>> host_mounts(const storage::StoreConfig& store, const storage::Container& c) {
    auto config = TRY(config_of(c));
    std::vector<HostMount> out;
    for (const runtime::Mount& m : runtime_mounts(config.mounts, storage::volumes_dir(store)))
        if (m.type == "bind") out.push_back({runtime::clean_path(m.destination), m.source});
    return out;
}

Result<std::unique_ptr<OpenContainer>> open_for_copy(const storage::StoreConfig& store, const std::string& name) {
    auto o = std::make_unique<OpenContainer>();
    o->root = TRY(open_container_root(store, name, &o->c));
    if (!o->root.running) o->mounts = TRY(host_mounts(store, o->c));
    return o;
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
    if ((src.path.empty() && src.kind != Kind::kStream) || (dest.path.empty() && dest.kind != Kind::kStream))
        return make_error("invalid arguments \"" + src_arg + "\", \"" + dest_arg + "\": you must specify paths");
    if (src.kind != Kind::kContainer && dest.kind != Kind::kContainer)
        return make_error("invalid arguments " + src_arg + ", " + dest_arg + " you must use just one container");

    // Each container once, two in the order of their ids (each open may hold its lock).
    std::unique_ptr<OpenContainer> from, to;
    if (src.kind == Kind::kContainer && dest.kind == Kind::kContainer) {
        auto a = TRY(storage::find_container(store, src.container));
        auto b = TRY(storage::find_container(store, dest.container));
        if (a.id == b.id) {
            from = TRY(open_for_copy(store, a.id));
        } else if (a.id < b.id) {
            from = TRY(open_for_copy(store, a.id));
            to = TRY(open_for_copy(store, b.id));
        } else {
            to = TRY(open_for_copy(store, b.id));
            from = TRY(open_for_copy(store, a.id));
        }
    } else if (src.kind == Kind::kContainer) {
        from = TRY(open_for_copy(store, src.container));
    } else {
        to = TRY(open_for_copy(store, dest.container));
    }
    const OpenContainer* target = dest.kind == Kind::kContainer ? (to ? to.get() : from.get()) : nullptr;
    Side src_side = from ? from->side(src.container) : Side::host();
    Side dest_side = target ? target->side(dest.container) : Side::host();
    UmaskZero umask_zero;

    if (dest.kind == Kind::kStream) return tar_out(src_side, src.path, store.idmap);
    std::optional<std::pair<uid_t, gid_t>> owner;
    if (target) owner = TRY(owner_in(store, target->root.fd.get(), target->c, opts));
    if (src.kind == Kind::kStream) {
        storage::ExtractOptions x;
        x.owner = owner;
        x.ids = store.idmap;
        x.overwrite = opts.overwrite;
        return tar_in(dest_side, dest.path, x);
    }
    TreeCopyOptions topts;
    // As podman: what lands on the host belongs to the user who copies it, with or without -a.
    topts.owner = target ? owner : std::make_optional(std::make_pair(::geteuid(), ::getegid()));
    topts.overwrite = opts.overwrite;
    return copy_between(src_side, dest_side, src.path, dest.path, topts);
}

}  // namespace skiff::engine
