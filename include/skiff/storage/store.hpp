// The local store: where blobs, layers, images and containers live, and the lock order.
//
// Layout under --root (survives reboot, fsynced):
//   blobs/sha256/<hex>            content-addressed blobs (configs, manifests, compressed layers)
//   layers/<diff-id hex>/         unpacked layer trees, immutable once renamed into place
//   images/<id>.json              one record per image; images/names/ maps names to ids
//   containers/<id>/              container definitions and their upper/work directories
// Layout under --runroot (dies with the boot, never fsynced):
//   containers/<id>/              running state, exit files, records of --rm containers
//   locks/                        lock files
//
// Lock order (take them in this order, release in reverse; never hold one across network I/O):
//   1. name reservation (containers/names/<name>, images/names/<name>)  — O_EXCL create, no lock
//   2. image record lock (locks/image-<id>)
//   3. container record lock (locks/container-<id>)
//   4. layer lock (locks/layer-<hex>), held only while one layer is unpacked
// Blobs and layers are published by rename and read without any lock.
#pragma once

#include <string>

#include "skiff/base/idmap.hpp"

namespace skiff::storage {

enum class Driver { kOverlay, kVfs };

struct StoreConfig {
    std::string root;     // --root
    std::string runroot;  // --runroot
    Driver driver = Driver::kOverlay;
    IdMap idmap = IdMap::identity();
};

const char* driver_name(Driver d);

}  // namespace skiff::storage
