// The layer store: layers/<diff-id hex>/{diff/,layer.json,tar-split.zst}, unpacked once from a tar stream (plain,
// gzip, zstd, xz or bzip2) and shared by every image that lists the diff id. A layer is unpacked into
// staging/layer-<random>/ and renamed into place, so a layer directory that exists is complete;
// a failure removes the staging directory and leaves nothing else behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

// A stream of bytes: a file, a pipe, an entry of an outer archive, memory.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `len` bytes into `buf`; 0 at the end.
    virtual Result<size_t> read(char* buf, size_t len) = 0;
};

class FdSource : public ByteSource {
public:
    explicit FdSource(int fd) : fd_(fd) {}
    Result<size_t> read(char* buf, size_t len) override;

private:
    int fd_;
};

class MemorySource : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<size_t> read(char* buf, size_t len) override;

private:
    std::string_view data_;
};

// Another source whose first bytes can be looked at before they are read: they are read ahead
// (to recognise a format) and replayed to the reader first.
class PeekSource : public ByteSource {
public:
    explicit PeekSource(ByteSource& s) : src_(s) {}
    // Up to `n` bytes from the start (fewer only at the end), kept to be read again.
    Result<std::string_view> peek(size_t n);
    Result<size_t> read(char* buf, size_t len) override;

private:
    ByteSource& src_;
    std::string head_;
    size_t head_off_ = 0;
};

// A blob known to carry a layer: the compressed form it was pulled in, or one an export made and
// pushed. Recorded so that a push can find it at its destination (or mount it from a repository
// that has it) instead of exporting and uploading the layer again.
struct LayerBlob {
    std::string digest;                     // "sha256:…" of the blob
    std::string media_type;                 // as the manifest listed it
    uint64_t size = 0;
    std::string diff_id;                    // of the blob's uncompressed stream (an export's may differ
                                            // from the layer's own)
    std::vector<std::string> repositories;  // "host/repository" known to hold it
};

struct LayerInfo {
    std::string diff_id;  // "sha256:…" of the uncompressed tar stream
    uint64_t size = 0;    // bytes of the uncompressed tar stream
    std::vector<LayerBlob> blobs;
};

// While held, the layer is not removed: a writer holds one from the moment it relies on a layer
// until the image record that lists it is written (see the lock order in store.hpp).
class LayerHold {
public:
    LayerHold(std::string diff_id, FileLock lock) : diff_id_(std::move(diff_id)), lock_(std::move(lock)) {}
    const std::string& diff_id() const { return diff_id_; }

private:
    std::string diff_id_;
    FileLock lock_;
};

struct UnpackRequest {
    std::string label;              // names the layer in errors: "sha256:…", a file name
    std::string diff_id;            // expected "sha256:…"; empty when unknown (then computed)
    std::string compressed_digest;  // "sha256:…" the raw stream must have; empty: not checked
};

struct UnpackResult {
    LayerInfo layer;
    std::string compressed_digest;  // of the raw stream; empty when the layer was already there
    bool created = false;           // false: the layer existed and the stream was not read
    LayerHold hold;
};

// Unpack a layer from `src` into the store, or reuse the stored one with the same diff id. When the
// diff id is known and the layer exists, `src` is not read at all. Concurrent unpackers of one diff id
// wait for each other; the second reuses the first's layer.
Result<UnpackResult> unpack_layer(const StoreConfig& store, ByteSource& src, const UnpackRequest& req);

// Hold an existing layer; an error when it is not in the store.
Result<LayerHold> hold_layer(const StoreConfig& store, const std::string& diff_id);

bool layer_exists(const StoreConfig& store, const std::string& diff_id);
Result<LayerInfo> layer_info(const StoreConfig& store, const std::string& diff_id);
// The unpacked tree (an overlay lower directory).
std::string layer_diff_dir(const StoreConfig& store, const std::string& diff_id);
// Add `blob` to the layer's record (merging repositories when the digest is known), under the
// layer's lock. The record is a cache: losing an update costs an upload, never correctness.
Result<void> record_layer_blob(const StoreConfig& store, const std::string& diff_id, const LayerBlob& blob);
// Every diff id in the store.
Result<std::vector<std::string>> list_layers(const StoreConfig& store);

enum class LayerWait { kYes, kNo };
// Remove the layer unless an image record lists it; waits for writers holding it (kNo: leaves it
// when one does). True if removed.
Result<bool> remove_layer_if_unused(const StoreConfig& store, const std::string& diff_id,
                                    LayerWait wait = LayerWait::kYes);

// Remove every layer that no image lists and nobody holds (a killed pull's, say), after sweeping
// what dead processes left in the store. Returns the diff ids removed.
Result<std::vector<std::string>> prune_layers(const StoreConfig& store);

// Remove what dead processes left half-written in the store (cheap: lists one directory).
void sweep_dead_writers(const StoreConfig& store);

}  // namespace skiff::storage
