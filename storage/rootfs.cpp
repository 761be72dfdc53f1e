#include "skiff/storage/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/containers.hpp"
#include "tree.hpp"

namespace skiff::storage {

namespace {

// The mode of a container's root directory, as containers/storage makes every layer's (and so
// the container layer's) root: an image's tar entry for "./" does not change it. Overlay takes
// the merged root's mode from the upper directory, so only that needs it; the image's layers
// stay as they were stored.
constexpr mode_t kRootMode = 0555;

// overlay's lowerdir list: ':' separates, so a ':' or '\' in a path is escaped with '\'.
std::string escape_lower(const std::string& path) {
    std::string out;
    for (char c : path) {
        if (c == ':' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

// Fails with ENOENT naming the first of `dirs` that does not exist.
Result<void> check_dirs(const std::vector<std::string>& dirs) {
    for (auto& d : dirs) {
        auto st = sys::stat(d);
        if (!st.ok()) return st.take_error();
        if (!S_ISDIR(st->st_mode)) return sys_error(d, ENOTDIR);
    }
    return {};
}

Result<RootfsMount> prepare_overlay(const StoreConfig& store, const ImageRecord& image, const std::string& dir,
                                    bool create) {
    auto lowers = TRY(layer_dirs(store, image));
    std::string upper = fs::join(dir, "upper"), work = fs::join(dir, "work"), merged = fs::join(dir, "merged");
    if (create) {
        TRY(sys::mkdir(upper, kRootMode));
        TRY(sys::mkdir(work, 0700));
        TRY(sys::mkdir(merged, 0755));
    } else {
        TRY(check_dirs({upper, work}));
    }
    if (lowers.empty()) {  // an image with no layer: overlay still needs a lower directory
        std::string empty = fs::join(dir, "empty");
        if (create) TRY(sys::mkdir(empty, 0755));
        else TRY(check_dirs({empty}));
        lowers.push_back(empty);
    }
    std::vector<std::string> escaped;
    for (auto& l : lowers) escaped.push_back(escape_lower(l));
    RootfsMount m;
    m.type = "overlay";
    m.source = "overlay";
    m.options = {"lowerdir=" + str::join(escaped, ":"), "upperdir=" + upper, "workdir=" + work};
    m.target = merged;
    return m;
}

// Overlay marks the work directory of every volatile mount and refuses the next mount of it (even
// after a clean unmount): what the directories hold is of no worth to a disposable container, which
// is only mounted again after a killed skiff, or to fill its volumes, or to copy from it once dead.
Result<void> clear_volatile_mark(const std::string& container_dir) {
    return fs::remove_all(fs::join(container_dir, "work/work/incompat/volatile"));
}

// vfs: a private copy of every layer, bottom first, made once (into a staging name, then renamed) so
// a container that starts again keeps its changes.
Result<RootfsMount> prepare_copy(const StoreConfig& store, const ImageRecord& image, const std::string& dir) {
    std::string rootfs = fs::join(dir, "rootfs"), merged = fs::join(dir, "merged");
    TRY(sys::mkdir(merged, 0755));
    if (!sys::exists(rootfs)) {
        auto lowers = TRY(layer_dirs(store, image));
        std::string staging = fs::join(dir, ".rootfs-" + str::random_hex(8));
        TRY(sys::mkdir(staging, 0755));
        auto copied = [&]() -> Result<void> {
            auto dst = TRY(sys::open(staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            for (auto it = lowers.rbegin(); it != lowers.rend(); ++it) {
                auto src = TRY(sys::open(*it, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
                TRY(apply_layer_copy(src.get(), dst.get(), *it));
            }
            if (::fchmod(dst.get(), kRootMode) < 0) return sys_error("chmod " + staging);
            if (::rename(staging.c_str(), rootfs.c_str()) < 0) return sys_error("rename " + staging + " to " + rootfs);
            return {};
        }();
        if (!copied.ok()) {
            (void)fs::remove_all(staging);
            return copied.take_error().context("copy the layers of image " + image.id.substr(0, 12));
        }
    }
    RootfsMount m;
    m.type = "bind";
    m.source = rootfs;
    m.options = {"rbind"};
    m.target = merged;
    return m;
}

}  // namespace

Result<RootfsMount> prepare_rootfs(const StoreConfig& store, const ImageRecord& image, const std::string& container_dir,
                                   bool disposable) {
    TRY(fs::mkdir_p(container_dir, 0700));
    if (store.driver == Driver::kVfs) return prepare_copy(store, image, container_dir);
    auto m = TRY(prepare_overlay(store, image, container_dir, true));
    if (disposable) {
        TRY(clear_volatile_mark(container_dir));
        m.options.push_back("volatile");
    }
    return m;
}

Result<RootfsMount> existing_rootfs(const StoreConfig& store, const ImageRecord& image, const std::string& container_dir,
                                    bool disposable) {
    if (store.driver == Driver::kVfs) {
        std::string rootfs = fs::join(container_dir, "rootfs");
        TRY(check_dirs({rootfs}));
        return RootfsMount{"bind", rootfs, {"rbind"}, fs::join(container_dir, "merged")};
    }
    auto m = TRY(prepare_overlay(store, image, container_dir, false));
    if (disposable) TRY(clear_volatile_mark(container_dir));
    return m;
}

Result<RootfsMount> directory_rootfs(const std::string& path, bool overlay, const std::string& container_dir, bool fresh) {
    TRY(check_dirs({path}));
    auto st = TRY(sys::stat(path));
    std::string merged = fs::join(container_dir, "merged");
    TRY(fs::mkdir_p(merged, 0755));
    if (!overlay) return RootfsMount{"bind", path, {"rbind"}, merged};
    std::string layer = fs::join(container_dir, "rootfs-overlay");
    std::string upper = fs::join(layer, "upper"), work = fs::join(layer, "work");
    if (fresh) TRY(fs::remove_all(layer));
    if (!sys::exists(layer)) {
        TRY(fs::mkdir_p(layer, 0700));
        TRY(sys::mkdir(upper, 0755));
        TRY(sys::mkdir(work, 0700));
        // Overlay gives the merged root the upper directory's mode: PATH's own.
        if (::chmod(upper.c_str(), st.st_mode & 07777) < 0) return sys_error("chmod " + upper);
    }
    return RootfsMount{"overlay", "overlay", {"lowerdir=" + escape_lower(path), "upperdir=" + upper, "workdir=" + work}, merged};
}

Result<RootfsMount> image_rootfs(const StoreConfig& store, const ImageRecord& image, const std::string& empty_dir) {
    auto lowers = TRY(layer_dirs(store, image));
    if (lowers.empty()) {
        TRY(fs::mkdir_p(empty_dir, 0755));
        lowers.push_back(empty_dir);
    }
    if (lowers.size() == 1) return RootfsMount{"bind", lowers.front(), {"rbind", "ro"}, ""};
    std::vector<std::string> escaped;
    for (auto& l : lowers) escaped.push_back(escape_lower(l));
    return RootfsMount{"overlay", "overlay", {"lowerdir=" + str::join(escaped, ":"), "ro"}, ""};
}

namespace {

std::string images_mount_root(const StoreConfig& store) { return fs::join(store.runroot, "images"); }
std::string count_path(const HostMount& m) { return fs::join(m.dir, "mounts"); }

}  // namespace

bool mounted_at(const std::string& path) {
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

std::string container_shm_dir(const StoreConfig& store, const std::string& id) { return fs::join(container_run_dir(store, id), "shm"); }

HostMount container_host_mount(const StoreConfig& store, const std::string& id) { return {container_run_dir(store, id)}; }

HostMount image_host_mount(const StoreConfig& store, const std::string& id) { return {fs::join(images_mount_root(store), id)}; }

Result<FileLock> lock_image_mount(const StoreConfig& store, const std::string& id) {
    TRY(fs::mkdir_p(fs::join(store.runroot, "locks"), 0700));
    return FileLock::acquire(fs::join(store.runroot, "locks/image-mount-" + id));
}

Result<std::vector<std::string>> image_host_mount_ids(const StoreConfig& store) {
    return fs::list_dir(images_mount_root(store));
}

int host_mount_count(const HostMount& m) {
    if (!mounted_at(m.path())) return 0;
    auto text = fs::read_file(count_path(m));
    int n = 0;
    if (text.ok()) std::from_chars(text->data(), text->data() + text->size(), n);
    return n > 0 ? n : 1;  // mounted, whatever the file says
}

Result<void> set_host_mount_count(const HostMount& m, int count) {
    TRY(fs::mkdir_p(m.dir, 0700));
    return fs::write_file_atomic(count_path(m), std::to_string(count), fs::Durability::kNoSync);
}

Result<void> unmount_host(const HostMount& m) {
    if (mounted_at(m.path())) TRY(sys::umount(m.path(), MNT_DETACH));
    if (::unlink(count_path(m).c_str()) < 0 && errno != ENOENT) return sys_error("remove " + count_path(m));
    return {};
}

}  // namespace skiff::storage
