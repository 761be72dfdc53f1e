#include "skiff/storage/blobs.hpp"

#include <fcntl.h>
#include <cerrno>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "staging.hpp"

namespace skiff::storage {

namespace {

std::string blob_dir(const StoreConfig& s) { return fs::join(s.root, "blobs/sha256"); }

}  // namespace

std::string blob_path(const StoreConfig& store, const oci::Digest& d) { return fs::join(blob_dir(store), d.hex); }

bool has_blob(const StoreConfig& store, const oci::Digest& d) { return sys::exists(blob_path(store, d)); }

Result<std::vector<oci::Digest>> list_blobs(const StoreConfig& store) {
    std::vector<oci::Digest> out;
    for (auto& name : TRY(fs::list_dir(blob_dir(store)))) {
        auto d = oci::parse_digest("sha256:" + name);
        if (d.ok()) out.push_back(d.take());
    }
    return out;
}

Result<void> remove_blob(const StoreConfig& store, const oci::Digest& d) {
    std::string path = blob_path(store, d);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("remove blob " + path);
    return {};
}

Result<std::string> read_blob(const StoreConfig& store, const oci::Digest& d) {
    auto data = fs::read_file(blob_path(store, d));
    if (!data.ok()) return data.take_error().context("blob " + d.str());
    return data;
}

Result<BlobWriter> BlobWriter::create(const StoreConfig& store) {
    std::string dir = blob_dir(store);
    TRY(fs::mkdir_p(dir, 0700));
    // In staging/, locked while we live: a killed writer's file goes at the next sweep.
    auto entry = TRY(StagingEntry::create(store, "blob", StagingEntry::Kind::kFile));
    auto w = BlobWriter(std::move(dir), std::make_unique<StagingEntry>(std::move(entry)));
    TRY(w.reserve_->check());
    return w;
}

BlobWriter::BlobWriter(std::string dir, std::unique_ptr<StagingEntry> tmp)
    : dir_(std::move(dir)), tmp_(std::move(tmp)), reserve_(std::make_unique<SpaceReserve>(tmp_->fd(), "write blob")) {}

BlobWriter::BlobWriter(BlobWriter&&) noexcept = default;
BlobWriter::~BlobWriter() = default;

Result<void> BlobWriter::write(std::string_view data) {
    TRY(reserve_->wrote(data.size()));
    TRY_CTX(sys::write_all(tmp_->fd(), data), "write blob " + tmp_->path());
    hash_.update(data);
    size_ += data.size();
    return {};
}

Result<oci::Digest> BlobWriter::commit(const std::optional<oci::Digest>& expected) {
    oci::Digest got = hash_.finish();
    if (expected && *expected != got)
        return make_error("blob digest mismatch: want " + expected->str() + ", got " + got.str());
    if (::fsync(tmp_->fd()) < 0) return sys_error("fsync " + tmp_->path());
    std::string final_path = fs::join(dir_, got.hex);
    if (::rename(tmp_->path().c_str(), final_path.c_str()) < 0) return sys_error("rename " + tmp_->path() + " to " + final_path);
    tmp_->published();
    TRY(fs::fsync_dir(dir_));
    return got;
}

Result<oci::Digest> put_blob(const StoreConfig& store, std::string_view data, const std::optional<oci::Digest>& expected) {
    oci::Digest d = oci::sha256_of(data);
    if (expected && *expected != d)
        return make_error("blob digest mismatch: want " + expected->str() + ", got " + d.str());
    if (has_blob(store, d)) return d;
    auto w = TRY(BlobWriter::create(store));
    TRY(w.write(data));
    return w.commit(d);
}

}  // namespace skiff::storage
