#include "skiff/storage/store.hpp"

namespace skiff::storage {

const char* driver_name(Driver d) { return d == Driver::kVfs ? "vfs" : "overlay"; }

Result<Driver> parse_driver(std::string_view name) {
    if (name == "overlay") return Driver::kOverlay;
    if (name == "vfs") return Driver::kVfs;
    return make_error("unsupported storage driver \"" + std::string(name) + "\" (want overlay or vfs)");
}

}  // namespace skiff::storage
