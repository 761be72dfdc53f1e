#include "skiff/storage/store.hpp"

namespace skiff::storage {

const char* driver_name(Driver d) { return d == Driver::kVfs ? "vfs" : "overlay"; }

}  // namespace skiff::storage
