// Writing images into the store: one transaction for every writer (pull, load, import, commit).
//
// A transaction holds every layer it unpacks or relies on (LayerHold) from the moment it has it
// until it ends, so nobody removes a layer an image being written will list; commit() writes an
// image record (its blobs, the record, its names) under the image store lock. When the transaction
// ends, its holds go and every layer it created that no image record lists is removed again: after
// a failure that is every layer it created, after a commit those no committed image lists (a load's
// other platform). A process killed mid-write leaves only what the next command sweeps (staging/) or
// prune removes (a published layer nobody holds or lists, a blob no record lists).
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

// A layer a transaction unpacked or reused; the transaction holds it.
struct UnpackedLayer {
    LayerInfo layer;
    std::string compressed_digest;  // of the raw stream; empty when the layer was already there
    bool created = false;           // false: the layer existed and the stream was not read
};

class ImageTransaction {
public:
    // Sweeps what dead writers left first.
    explicit ImageTransaction(const StoreConfig& store);
    ImageTransaction(const ImageTransaction&) = delete;
    ImageTransaction& operator=(const ImageTransaction&) = delete;
    ~ImageTransaction() { end(); }

    const StoreConfig& store() const { return store_; }

    // unpack_layer (layers.hpp), held until the end. Safe to call from several threads at once.
    Result<UnpackedLayer> unpack_layer(ByteSource& src, const UnpackRequest& req);
    // Hold a stored layer until the end; an error when it is not in the store.
    Result<void> hold_layer(const std::string& diff_id);
    // Write an image (commit_image, images.hpp) whose layers this transaction holds. May be called
    // once per image: a load writes several.
    Result<ImageRecord> commit(const NewImage& image);
    // End now (the destructor does it otherwise): release the holds and remove the layers this
    // transaction created that no image lists.
    void end();

private:
    StoreConfig store_;
    std::mutex mu_;
    std::vector<LayerHold> holds_;
    std::vector<std::string> created_;  // diff ids of the layers this transaction published
    std::set<std::string> listed_;      // diff ids an image committed here lists: they stay
};

}  // namespace skiff::storage
