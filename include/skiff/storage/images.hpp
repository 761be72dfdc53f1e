// The image store: image records, their names, and the operations that create and remove them.
//
// images/<id>.json holds one record (the config embedded); images/names/<encoded name> is a symbolic
// link to the id, so a lookup by name is one readlink and one read. Every change to records or names
// happens under the image store lock (locks/images, see store.hpp), held for a few small writes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

struct ImageRecord {
    std::string id;                  // hex of the config digest (64 chars)
    std::vector<std::string> names;  // fully qualified: "localhost/demo:latest"
    std::string digest;              // manifest digest "sha256:…", empty if none
    std::string created;             // RFC 3339, from the config
    uint64_t size = 0;               // bytes of the layers' tar streams, the config and the manifest
    oci::ImageConfig config;         // parsed config; config.diff_ids are the layers, bottom first

    std::vector<std::string> digests;        // every manifest digest the image was stored with
    std::vector<std::string> names_history;  // names it has had, newest first
    std::string manifest_media_type;         // of `digest`'s manifest
    int64_t created_ns = 0;                  // `created` parsed; 0 when absent or unparsable

    // A manifest list (docker) or image index (OCI) that `manifest create` made: no config and no
    // layers; `digest` names the list's bytes (a blob), `manifest_media_type` is the list's type.
    bool manifest_list = false;
    std::map<std::string, std::string> instances;  // a list's: instance digest → the image it came from
};

// Look an image up by name ("demo", "demo:tag", "localhost/demo:tag"), full id or unique id prefix.
// Not found: an error "IMAGE: image not known" with exit code 125. A manifest list found so stands
// for its instance for this host's platform, which must be a local image (podman's lookup).
Result<ImageRecord> find_image(const StoreConfig& store, std::string_view name_or_id);

// The same lookup, but a manifest list is returned as itself (rmi, tag and `manifest` use it).
Result<ImageRecord> find_image_or_list(const StoreConfig& store, std::string_view name_or_id);

// A manifest list's contents: the list's bytes (its digest is the record's `digest`), its media
// type, and where each instance came from (an image id, or a registry reference).
struct NewList {
    std::string bytes;
    std::string media_type;
    std::map<std::string, std::string> instances;
};

// A new list named `name` (normalised), with a new random id; the name must be free, as podman's.
Result<ImageRecord> create_list(const StoreConfig& store, const std::string& name, const NewList& list);
// Replace the contents of the list `id`; its names stay.
Result<ImageRecord> update_list(const StoreConfig& store, const std::string& id, const NewList& list);
// The bytes of a list record's `digest`.
Result<std::string> read_list(const StoreConfig& store, const ImageRecord& list);

// All images, newest first.
Result<std::vector<ImageRecord>> list_images(const StoreConfig& store);

// Host directories of an image's unpacked layers, topmost first (overlay lowerdir order).
Result<std::vector<std::string>> layer_dirs(const StoreConfig& store, const ImageRecord& image);

// What a writer (import, load, pull) hands the store once every layer is unpacked and held.
struct NewImage {
    std::string config;      // the config's bytes: its digest is the image id
    std::string manifest;    // the manifest's bytes, or empty
    std::string manifest_media_type;
    std::vector<std::string> names;  // normalised ("localhost/x:latest"); each moves here from any other image
};

// Store the blobs, create the record (or add names and digest to the existing one with the same id)
// and move the names from other images, as podman does (those keep their id). The caller holds
// every layer the config lists (LayerHold) until this returns; writers use ImageTransaction
// (image_transaction.hpp), which does. When the record cannot be written, the blobs this call
// added are removed again.
Result<ImageRecord> commit_image(const StoreConfig& store, const NewImage& image);

// Add a name (already normalised) to an image, moving it from any other image.
Result<void> tag_image(const StoreConfig& store, const std::string& id, const std::string& name);

// Remove one name from an image; the image itself stays (with no names it shows as <none>).
Result<void> untag_image(const StoreConfig& store, const std::string& id, const std::string& name);

// Remove the record, its names and its blobs, then every layer no other image lists.
Result<void> delete_image(const StoreConfig& store, const std::string& id);

// Remove every blob no image record lists (a config or manifest a killed pull or load wrote before
// its record), under the image store lock. Returns their digests.
Result<std::vector<std::string>> prune_blobs(const StoreConfig& store);

// The file-name form of an image name in images/names/ (exposed for tests).
std::string encode_name(std::string_view name);

}  // namespace skiff::storage
