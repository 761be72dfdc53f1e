// The image-writing transaction (image_transaction.hpp).
#include "skiff/storage/image_transaction.hpp"

namespace skiff::storage {

ImageTransaction::ImageTransaction(const StoreConfig& store) : store_(store) { sweep_dead_writers(store_); }

Result<UnpackedLayer> ImageTransaction::unpack_layer(ByteSource& src, const UnpackRequest& req) {
    auto r = TRY(storage::unpack_layer(store_, src, req));
    std::lock_guard lk(mu_);
    if (r.created) created_.push_back(r.layer.diff_id);
    holds_.push_back(std::move(r.hold));
    return UnpackedLayer{std::move(r.layer), std::move(r.compressed_digest), r.created};
}

Result<void> ImageTransaction::hold_layer(const std::string& diff_id) {
    auto hold = TRY(storage::hold_layer(store_, diff_id));
    std::lock_guard lk(mu_);
    holds_.push_back(std::move(hold));
    return {};
}

Result<ImageRecord> ImageTransaction::commit(const NewImage& image) {
    auto record = TRY(commit_image(store_, image));
    std::lock_guard lk(mu_);
    listed_.insert(record.config.diff_ids.begin(), record.config.diff_ids.end());
    return record;
}

void ImageTransaction::end() {
    std::vector<std::string> created;
    {
        std::lock_guard lk(mu_);
        holds_.clear();  // first: a removal waits for every holder, this transaction's too
        created.swap(created_);
    }
    // A layer another writer has come to list (a concurrent pull's image) stays.
    for (auto& diff_id : created)
        if (!listed_.count(diff_id)) (void)remove_layer_if_unused(store_, diff_id);
}

}  // namespace skiff::storage
