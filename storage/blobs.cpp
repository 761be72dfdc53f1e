#include "skiff/storage/blobs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::storage {

namespace {

std::string blob_dir(const StoreConfig& s) { return fs::join(s.root, "blobs/sha256"); }

}  // namespace

std::string blob_path(const StoreConfig& store, const oci::Digest& d) { return fs::join(blob_dir(store), d.hex); }

bool has_blob(const StoreConfig& store, const oci::Digest& d) { return sys::exists(blob_path(store, d)); }

Result<std::string> read_blob(const StoreConfig& store, const oci::Digest& d) {
    auto data = fs::read_file(blob_path(store, d));
    if (!data.ok()) return data.take_error().context("blob " + d.str());
    return data;
}

Result<BlobWriter> BlobWriter::create(const StoreConfig& store) {
    std::string dir = blob_dir(store);
    TRY(fs::mkdir_p(dir, 0700));
    // A leading dot: never a valid hex name, so a reader can't mistake it for a blob.
    std::string tmp = fs::join(dir, ".tmp-" + str::random_hex(12));
    auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
    return BlobWriter(std::move(dir), std::move(tmp), std::move(fd));
}

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : dir_(std::move(o.dir_)), tmp_(std::move(o.tmp_)), fd_(std::move(o.fd_)), hash_(std::move(o.hash_)),
      size_(o.size_), committed_(o.committed_) {
    o.committed_ = true;  // the moved-from writer owns no file any more
}

BlobWriter::~BlobWriter() {
    if (!committed_) ::unlink(tmp_.c_str());
}

Result<void> BlobWriter::write(std::string_view data) {
    TRY_CTX(sys::write_all(fd_.get(), data), "write blob " + tmp_);
    hash_.update(data);
    size_ += data.size();
    return {};
}

Result<oci::Digest> BlobWriter::commit(const std::optional<oci::Digest>& expected) {
    oci::Digest got = hash_.finish();
    if (expected && *expected != got)
        return make_error("blob digest mismatch: want " + expected->str() + ", got " + got.str());
    if (::fsync(fd_.get()) < 0) return sys_error("fsync " + tmp_);
    fd_.reset();
    std::string final_path = fs::join(dir_, got.hex);
    if (::rename(tmp_.c_str(), final_path.c_str()) < 0) return sys_error("rename " + tmp_ + " to " + final_path);
    committed_ = true;
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
