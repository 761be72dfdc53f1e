#include "container_root.hpp"

#include <fcntl.h>

#include <memory>

#include "run_internal.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/detached_root.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

namespace {

Result<unique_fd> process_root(const storage::Container& c) {
    auto pidfd = TRY(open_process(c));  // holds the pid: it cannot be reused while we look
    auto fd = TRY(sys::open("/proc/" + std::to_string(c.pid) + "/root", O_PATH | O_DIRECTORY));
    if (!alive(c)) return make_error("container " + c.id.substr(0, 12) + "'s process has exited");
    return fd;
}

Result<unique_fd> mounted_root(const storage::StoreConfig& store, const storage::Container& c) {
    auto desc = TRY(container_rootfs(store, c, TRY(config_of(c))));
    runtime::Mount m{"/", desc.type, desc.source, desc.options};
    return TRY_CTX(runtime::mount_detached_root(m), "mount the root of container " + c.id.substr(0, 12));
}

}  // namespace

Result<storage::ImageRecord> image_of(const storage::StoreConfig& store, const storage::Container& c) {
    if (c.image_id.empty()) return storage::ImageRecord{};
    return storage::find_image(store, c.image_id);
}

Result<storage::RootfsMount> container_rootfs(const storage::StoreConfig& store, const storage::Container& c,
                                              const ContainerConfig& config) {
    std::string dir = storage::container_dir(store, c.id);
    if (!config.rootfs.empty()) return storage::directory_rootfs(config.rootfs, config.rootfs_overlay, dir, false);
    auto image = TRY(storage::find_image(store, c.image_id));
    auto desc = storage::existing_rootfs(store, image, dir, c.auto_remove);
    if (!desc.ok() && desc.error().code == ENOENT) desc = storage::prepare_rootfs(store, image, dir, c.auto_remove);
    return desc;
}

Result<ContainerRoot> open_container_root(const storage::StoreConfig& store, const std::string& name_or_id,
                                          storage::Container* found) {
    auto c = TRY(storage::find_container(store, name_or_id));
    auto lock = std::make_unique<FileLock>(TRY(storage::lock_container(store, c.id)));
    c = TRY(storage::find_container(store, c.id));
    bool running = c.state == storage::ContainerState::kRunning && alive(c);
    // A running container is not held up while the copy runs.
    if (running) lock.reset();
    unique_fd fd = running ? TRY(process_root(c)) : TRY(mounted_root(store, c));
    if (found) *found = c;
    return ContainerRoot{std::move(fd), running, std::move(lock)};
}

}  // namespace skiff::engine
