// The local store: where blobs, layers, images and containers live, and the lock order.
//
// Layout under --root (survives reboot, fsynced):
//   blobs/sha256/<hex>            content-addressed blobs (configs, manifests)
//   layers/<diff-id hex>/diff/    unpacked layer trees (overlay lower dirs), with layer.json beside
//                                 diff/; immutable once renamed into place from staging/
//   staging/                      what is not published yet (layers being unpacked, blobs being
//                                 written, layers being removed), each entry flock'ed by its owner
//                                 so the next command can sweep what a dead one left
//   images/<id>.json              one record per image; images/names/<name> links a name to its id
//   containers/<id>/              container definitions and their upper/work directories; renamed
//                                 into place from .creating-<id>, aside to .removing-<id>
//   containers/.tmp/              temporary files of record rewrites (also under --runroot)
//   volumes/<name>/_data          named volumes (volume.json beside _data); see volumes.hpp
// Layout under --runroot (dies with the boot, never fsynced):
//   containers/<id>/              running state, exit files, records of --rm containers
//   locks/                        lock files
//
// Lock order (take them in this order, release in reverse; never hold one across network I/O):
//   1. name reservation (containers/names/<name>)  — O_EXCL create, no lock: it never waits, so a
//      container's creator reserves it while holding 4 (the new container's lock), which tells
//      a reservation whose creator was killed from one in use; a stale one is taken over with a
//      try-lock of the container it names (containers.hpp)
//   2. layer use lock (locks/layer-<hex>.use): shared by a writer from the moment it relies on a
//      layer until the image record listing it is written; exclusive only by whoever removes the
//      layer, who holds no other lock meanwhile
//   3. image store lock (locks/images): held while image records and names change (a few small
//      writes), never across layer unpacking
//   4. container record lock (locks/container-<id>)
//   5. layer unpack lock (locks/layer-<hex>), held only while one layer is unpacked and published
//   6. volumes lock (locks/volumes), while volumes are made, filled (at a start, under 4) or removed
// Blobs and layers are published by rename and read without any lock.
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/idmap.hpp"
#include "skiff/base/result.hpp"

namespace skiff::storage {

enum class Driver { kOverlay, kVfs };

struct StoreConfig {
    std::string root;     // --root
    std::string runroot;  // --runroot
    std::string volume_path;  // --volumepath: where named volumes live; empty: root/volumes
    Driver driver = Driver::kOverlay;
    IdMap idmap = IdMap::identity();
};

const char* driver_name(Driver d);
// "overlay" or "vfs" (what driver_name gives); any other name is an error.
Result<Driver> parse_driver(std::string_view name);

}  // namespace skiff::storage
