#include "skiff/engine/mount.hpp"

#include <algorithm>

#include "container_root.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/detached_root.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

namespace {

// Mount `desc` on m.path() unless something is mounted there, and count one more mount.
Result<std::string> count_mount(const storage::HostMount& m, const storage::RootfsMount& desc, const std::string& what) {
    int count = storage::host_mount_count(m);
    if (count == 0) {
        TRY(fs::mkdir_p(m.dir, 0700));
        TRY(sys::mkdir(m.path(), 0755));
        runtime::Mount root{"/", desc.type, desc.source, desc.options};
        auto mnt = TRY_CTX(runtime::mount_detached_root(root), "mount " + what);
        TRY_CTX(runtime::attach_detached_root(mnt, m.path()), "mount " + what);
    }
    auto counted = storage::set_host_mount_count(m, count + 1);
    if (!counted.ok()) {
        if (count == 0) (void)storage::unmount_host(m);
        return counted.take_error();
    }
    return m.path();
}

// Undo one mount (all with `force`); false when nothing was mounted.
Result<bool> uncount_mount(const storage::HostMount& m, bool force) {
    int count = storage::host_mount_count(m);
    if (count == 0) return false;
    if (force || count == 1) TRY(storage::unmount_host(m));
    else TRY(storage::set_host_mount_count(m, count - 1));
    return true;
}

}  // namespace

Result<std::string> mount_container(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto c = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, c.id));
    c = TRY(storage::find_container(store, c.id));
    auto desc = TRY(container_rootfs(store, c, TRY(config_of(c))));
    std::erase(desc.options, "volatile");
    return count_mount(storage::container_host_mount(store, c.id), desc, "the root of container " + c.id.substr(0, 12));
}

Result<std::string> unmount_container(const storage::StoreConfig& store, const std::string& name_or_id, bool force) {
    auto c = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, c.id));
    TRY(uncount_mount(storage::container_host_mount(store, c.id), force));
    return c.id;
}

Result<std::vector<MountedRoot>> mounted_containers(const storage::StoreConfig& store) {
    std::vector<MountedRoot> out;
    for (auto& c : TRY(storage::list_containers(store))) {
        auto m = storage::container_host_mount(store, c.id);
        if (storage::host_mount_count(m) > 0) out.push_back({c.id, {c.name}, m.path()});
    }
    return out;
}

std::string container_host_root(const storage::StoreConfig& store, const std::string& id) {
    auto m = storage::container_host_mount(store, id);
    return storage::host_mount_count(m) > 0 ? m.path() : "";
}

Result<std::string> mount_image(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto image = TRY(storage::find_image(store, name_or_id));
    auto lock = TRY(storage::lock_image_mount(store, image.id));
    auto m = storage::image_host_mount(store, image.id);
    auto desc = TRY(storage::image_rootfs(store, image, m.dir + "/empty"));
    return count_mount(m, desc, "image " + image.id.substr(0, 12));
}

Result<std::string> unmount_image(const storage::StoreConfig& store, const std::string& name_or_id, bool force) {
    auto image = TRY(storage::find_image(store, name_or_id));
    auto lock = TRY(storage::lock_image_mount(store, image.id));
    return TRY(uncount_mount(storage::image_host_mount(store, image.id), force)) ? image.id : std::string();
}

Result<std::vector<MountedRoot>> mounted_images(const storage::StoreConfig& store) {
    std::vector<MountedRoot> out;
    for (auto& image : TRY(storage::list_images(store))) {
        auto m = storage::image_host_mount(store, image.id);
        if (storage::host_mount_count(m) > 0) out.push_back({image.id, image.names, m.path()});
    }
    return out;
}

Result<void> mount_container_images(const storage::StoreConfig& store, const std::string& container_id,
                                    runtime::Spec& spec) {
    int n = 0;
    for (auto& m : spec.mounts) {
        if (m.type != "image") continue;
        std::string path = TRY_CTX(mount_image(store, m.source), "mount image " + m.source + " on " + m.destination);
        bool rw = std::find(m.options.begin(), m.options.end(), "rw") != m.options.end();
        if (!rw) {
            m = runtime::Mount{m.destination, "bind", path, {"rbind", "ro"}};
            continue;
        }
        std::string dir = fs::join(storage::container_dir(store, container_id), "image-mounts/" + std::to_string(n++));
        std::string upper = fs::join(dir, "upper"), work = fs::join(dir, "work");
        TRY(fs::mkdir_p(upper, 0755));
        TRY(fs::mkdir_p(work, 0700));
        std::string lower;
        for (char c : path) {
            if (c == ':' || c == '\\') lower += '\\';
            lower += c;
        }
        m = runtime::Mount{m.destination, "overlay", "overlay", {"lowerdir=" + lower, "upperdir=" + upper, "workdir=" + work}};
    }
    return {};
}

void release_container_images(const storage::StoreConfig& store, const ContainerConfig& config) {
    for (auto& m : config.mounts)
        if (m.kind == MountConfig::Kind::kImage) (void)unmount_image(store, m.source, false);
}

}  // namespace skiff::engine
