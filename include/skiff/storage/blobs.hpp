// The content-addressed blob store: blobs/sha256/<hex>. A blob is written to a temporary file while
// it is hashed, verified against the digest it should have, fsynced, and renamed into place, so a
// blob that exists is always complete and correct. Readers need no lock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

std::string blob_path(const StoreConfig& store, const oci::Digest& d);
bool has_blob(const StoreConfig& store, const oci::Digest& d);
// Every blob in the store (temporary files are not blobs).
Result<std::vector<oci::Digest>> list_blobs(const StoreConfig& store);
// Remove a blob; one already gone is no error.
Result<void> remove_blob(const StoreConfig& store, const oci::Digest& d);
Result<std::string> read_blob(const StoreConfig& store, const oci::Digest& d);

class StagingEntry;
class SpaceReserve;

// Streams a blob into the store, through a file in staging/ (see store.hpp). Destroying an
// uncommitted writer removes its temporary file. A write that would leave the store's file system
// with less than its reserve free fails (see SpaceReserve).
class BlobWriter {
public:
    static Result<BlobWriter> create(const StoreConfig& store);
    BlobWriter(BlobWriter&&) noexcept;
    BlobWriter& operator=(BlobWriter&&) = delete;
    ~BlobWriter();

    Result<void> write(std::string_view data);
    uint64_t size() const { return size_; }
    // Verify (when `expected` is given), fsync, rename into place. Returns the digest.
    Result<oci::Digest> commit(const std::optional<oci::Digest>& expected = std::nullopt);

private:
    BlobWriter(std::string dir, std::unique_ptr<StagingEntry> tmp);
    std::string dir_;
    std::unique_ptr<StagingEntry> tmp_;
    std::unique_ptr<SpaceReserve> reserve_;
    oci::Sha256 hash_;
    uint64_t size_ = 0;
};

// Whole blob in one call.
Result<oci::Digest> put_blob(const StoreConfig& store, std::string_view data,
                             const std::optional<oci::Digest>& expected = std::nullopt);

}  // namespace skiff::storage
