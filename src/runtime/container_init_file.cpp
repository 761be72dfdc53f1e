// The container init's bytes written out as a file a container can have bind-mounted.
#include <string>
#include <string_view>

#include "skiff/base/fs.hpp"
#include "skiff/runtime/container_init.hpp"

namespace skiff::runtime {

// container_init.c, built with skiff and carried in its binary (container_init_image.cpp, generated).
extern const unsigned char kContainerInit[];
extern const std::size_t kContainerInit_size;

Result<void> install_container_init(const std::string& path) {
    std::string_view bytes(reinterpret_cast<const char*>(kContainerInit), kContainerInit_size);
    if (auto have = fs::read_file(path); have.ok() && *have == bytes) return {};
    // Beneath the run root, a tmpfs: nothing to fsync.
    TRY_CTX(fs::write_file_atomic(path, bytes, fs::Durability::kNoSync, 0555), "install the container init at " + path);
    return {};
}

}  // namespace skiff::runtime
