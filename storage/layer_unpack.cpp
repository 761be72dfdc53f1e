// The unpack pipeline (layer_unpack.hpp) and its libarchive glue.
#include "layer_unpack.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "archive_lib.hpp"
#include "gunzip.hpp"
#include "layer_record.hpp"
#include "prefetch.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "tar_record_file.hpp"
#include "unpacker.hpp"
#include "write_behind.hpp"

namespace skiff::storage {

namespace {

// What passes from the source, hashed: the compressed digest.
class HashedSource : public ByteSource {
public:
    explicit HashedSource(ByteSource& s) : src_(s) {}
    Result<size_t> read(char* buf, size_t len) override {
        size_t n = TRY(src_.read(buf, len));
        hash.update(buf, n);
        return n;
    }
    oci::Sha256 hash;

private:
    ByteSource& src_;
};

// The inflated stream, hashed (the diff id) and counted: what the producer thread reads from the
// raw reader (which inflates, or passes through what ISA-L inflated).
class InflatedSource : public ByteSource {
public:
    InflatedSource(const ArchiveLib& lib, struct archive* raw, ArchiveInput& input) : lib_(lib), raw_(raw), input_(input) {}
    Result<size_t> read(char* buf, size_t len) override {
        if (!open) return size_t{0};
        la_ssize_t n = lib_.archive_read_data(raw_, buf, len);
        if (n < 0) {
            // The source's own error (a cut connection, a bad digest) rather than libarchive's echo of it.
            if (input_.error) return std::move(*input_.error);
            const char* e = lib_.archive_error_string(raw_);
            return make_error(std::string("decompress: ") + (e ? e : "error"));
        }
        hash.update(buf, static_cast<size_t>(n));
        size += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
    }
    bool open = false;  // false for an empty stream: nothing to read
    oci::Sha256 hash;
    uint64_t size = 0;

private:
    const ArchiveLib& lib_;
    struct archive* raw_;
    ArchiveInput& input_;
};

// The tar reader's input, on the consumer thread: the queue, past the recorder.
struct TarInput {
    explicit TarInput(PrefetchSource& s) : src(s) {}
    PrefetchSource& src;
    std::optional<Error> error;
    TarRecorder* recorder = nullptr;
    SpaceReserve* reserve = nullptr;  // counts what is given to the tar reader: what it writes
    uint64_t passed = 0;              // bytes given to the tar reader
};

la_ssize_t read_tar(struct archive*, void* client, const void** out) {
    auto* in = static_cast<TarInput*>(client);
    auto chunk = in->src.next();
    if (!chunk.ok()) {
        if (!in->error) in->error = chunk.take_error();
        return -1;
    }
    if (in->recorder) in->recorder->feed(*chunk);
    in->passed += chunk->size();
    if (in->reserve) {
        if (auto room = in->reserve->wrote(chunk->size()); !room.ok()) {
            in->error = room.take_error();
            return -1;
        }
    }
    *out = chunk->data();
    return static_cast<la_ssize_t>(chunk->size());
}

// The stream's own error when there is one (what libarchive says then only echoes it), else `fallback`.
Error stream_error(const std::string& label, std::optional<Error>& cause, const std::string& fallback) {
    if (cause) return std::move(*cause).context("layer " + label);
    return make_error("layer " + label + ": " + fallback);
}


}  // namespace

// Unpack the whole stream into a new staging directory; digests computed, nothing verified yet.
Result<Staged> unpack_to_staging(const StoreConfig& store, ByteSource& src, const std::string& label) {
    auto staging = TRY(StagingEntry::create(store, "layer", StagingEntry::Kind::kDirectory));
    // The unpack stops while the store's file system keeps its reserve; the staging entry goes then.
    SpaceReserve reserve(staging.fd(), "");
    TRY_CTX(reserve.check(), "layer " + label);
    std::string diff_path = fs::join(staging.path(), "diff");
    // A layer's root is 0555, as containers/storage makes it (its "./" entry is not applied).
    TRY(sys::mkdir(diff_path, 0555));
    auto diff = TRY(sys::open(diff_path, O_PATH | O_DIRECTORY | O_NOFOLLOW));

    auto raw_reader = TRY(ArchiveReader::create());
    auto tar_reader = TRY(ArchiveReader::create());
    const ArchiveLib& lib = raw_reader.lib();
    // gzip is inflated by ISA-L when it can be loaded, else by libarchive's filter below.
    HashedSource hashed(src);
    PeekSource peeked(hashed);
    ByteSource* input = &peeked;
    std::unique_ptr<ByteSource> gunzip;
    if (looks_gzip(TRY(peeked.peek(2))) && (gunzip = isal_gunzip(peeked))) input = gunzip.get();
    ArchiveInput raw(*input, ByteQueue::kBufferSize);
    InflatedSource inflated(lib, raw_reader.get(), raw);

    struct archive* r1 = raw_reader.get();
    lib.archive_read_support_filter_gzip(r1);
    lib.archive_read_support_filter_zstd(r1);
    lib.archive_read_support_filter_xz(r1);
    lib.archive_read_support_filter_bzip2(r1);
    lib.archive_read_support_format_raw(r1);
    lib.archive_read_support_format_empty(r1);
    if (lib.archive_read_open(r1, &raw, nullptr, ArchiveInput::read, nullptr) != ARCHIVE_OK)
        return stream_error(label, raw.error, "not a tar stream: " + raw_reader.error());
    struct archive_entry* e;
    int r = lib.archive_read_next_header(r1, &e);
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
        inflated.open = true;
    else if (r != ARCHIVE_EOF)
        return stream_error(label, raw.error, "not a tar stream: " + raw_reader.error());

    // From here the producer thread alone reads the source, the raw reader and `raw`.
    PrefetchSource ahead(inflated);
    TarInput tar(ahead);
    tar.reserve = &reserve;
    RecordFile record(fs::join(staging.path(), kTarRecordName));
    tar.recorder = record.start();

    struct archive* r2 = tar_reader.get();
    lib.archive_read_support_format_tar(r2);
    lib.archive_read_support_format_empty(r2);
    if (lib.archive_read_open(r2, &tar, nullptr, read_tar, nullptr) != ARCHIVE_OK)
        return stream_error(label, tar.error, "not a tar stream: " + tar_reader.error());

    Unpacker unpacker(lib, diff.get(), store.idmap, label);
    WriteBehind write_behind(staging.path());
    for (;;) {
        write_behind.progress(tar.passed);
        r = lib.archive_read_next_header(r2, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return stream_error(label, tar.error, "bad tar stream: " + tar_reader.error());
        if (tar.recorder) confirm_entry(lib, e, *tar.recorder);
        TRY_CTX(reserve.made_entry(), "layer " + label);
        auto written = unpacker.entry(r2, e);
        if (!written.ok()) {
            if (tar.error) return stream_error(label, tar.error, "");
            return written.take_error();
        }
    }
    TRY(unpacker.finish());
    // The digests cover the whole stream, padding after the tar's end included.
    const void* ignored;
    while (read_tar(nullptr, &tar, &ignored) > 0) {
    }
    if (tar.error) return stream_error(label, tar.error, "");
    // The producer has met the raw reader's end: what follows it is read here.
    ahead.stop();
    for (ByteSource* rest : {input, static_cast<ByteSource*>(&peeked)}) {
        for (;;) {
            auto n = rest->read(raw.buf.data(), raw.buf.size());
            if (!n.ok()) return n.take_error().context("layer " + label + ": read");
            if (*n == 0) break;
        }
    }
    record.finish();

    LayerInfo info{inflated.hash.finish().str(), inflated.size, {}};
    TRY(fs::write_file_atomic(fs::join(staging.path(), "layer.json"), layer_json(info), fs::Durability::kNoSync));
    return Staged{std::move(staging), std::move(info), hashed.hash.finish().str()};
}

}  // namespace skiff::storage
