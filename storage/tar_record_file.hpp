// The tar-split record (tar_record.hpp) of a layer being unpacked, written into its staging
// directory beside diff/. Private to storage.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "archive_lib.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/storage/layer_export.hpp"
#include "tar_record.hpp"

namespace skiff::storage {

// Tell the recorder how libarchive read the entry, as the Unpacker names and writes it.
void confirm_entry(const ArchiveLib& lib, struct archive_entry* e, TarRecorder& recorder);

// The tar-split record being written into a staging directory: a zstd stream into its file. Optional
// all the way: when libzstd is missing, a write fails or the recorder gives up, the file is removed
// and the layer has no record (its export is then export_tree's).
class RecordFile {
public:
    explicit RecordFile(std::string path) : path_(std::move(path)) {}
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;
    ~RecordFile() {
        if (!kept_) (void)::unlink(path_.c_str());
    }

    // The recorder to pass the stream to, or null when no record can be written.
    TarRecorder* start() {
        fd_ = unique_fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!fd_) return nullptr;
        file_ = std::make_unique<FdSink>(fd_.get());
        auto z = make_compressor(Compression::kZstd, -1, *file_);
        if (!z.ok()) return nullptr;
        zstd_ = z.take();
        recorder_ = std::make_unique<TarRecorder>(*zstd_);
        return recorder_.get();
    }

    // Keep the file when the record is whole; otherwise it goes with the object.
    void finish() {
        if (!recorder_ || !recorder_->finish() || !zstd_->close().ok()) return;
        kept_ = true;
    }

private:
    std::string path_;
    unique_fd fd_;
    std::unique_ptr<FdSink> file_;
    std::unique_ptr<ByteSink> zstd_;
    std::unique_ptr<TarRecorder> recorder_;
    bool kept_ = false;
};

}  // namespace skiff::storage
