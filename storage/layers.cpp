// The layer store and the unpack pipeline. One pass over the stream, on two threads:
//   producer: source bytes ─(hash: compressed digest)─► inflate (ISA-L for gzip, else libarchive's
//             "raw" reader: zstd/xz/bzip2 or none) ─(hash: diff id)─► a bounded queue
//   consumer: the queue ─► TarRecorder ─► libarchive tar reader ─► Unpacker (*at() calls under the
//             staging root)
// Both digests come out of the same read. The producer's work (hashing and inflating) and the
// consumer's (parsing, and the file system calls) are about equal for a typical layer, so on two cores
// a pull takes about half the time of one thread doing both. The recorder's record (tar-split.zst
// beside layer.json) lets export_layer write the same bytes again.
#include "skiff/storage/layers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <set>
#include <vector>

#include "archive_lib.hpp"
#include "gunzip.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layer_export.hpp"
#include "staging.hpp"
#include "tar_record.hpp"
#include "unpacker.hpp"

namespace skiff::storage {

namespace {

constexpr size_t kBufferSize = 1 << 17;

std::string layers_dir(const StoreConfig& s) { return fs::join(s.root, "layers"); }
std::string locks_dir(const StoreConfig& s) { return fs::join(s.runroot, "locks"); }

std::string use_lock_path(const StoreConfig& s, const std::string& hex) {
    return fs::join(locks_dir(s), "layer-" + hex + ".use");
}

Result<FileLock> use_lock(const StoreConfig& s, const std::string& hex, FileLock::Mode mode) {
    TRY(fs::mkdir_p(locks_dir(s), 0700));
    return FileLock::acquire(use_lock_path(s, hex), mode);
}

Result<FileLock> unpack_lock(const StoreConfig& s, const std::string& hex) {
    TRY(fs::mkdir_p(locks_dir(s), 0700));
    return FileLock::acquire(fs::join(locks_dir(s), "layer-" + hex));
}

// What a process of an older skiff, killed, left in layers/ itself: ".staging-<pid>-<random>" and
// ".removing-<pid>-<random>", whose owner is known by its pid. Entries are made in staging/ now.
void sweep_legacy(const StoreConfig& store) {
    auto names = fs::list_dir(layers_dir(store));
    if (!names.ok()) return;
    for (auto& name : *names) {
        if (!str::starts_with(name, ".staging-") && !str::starts_with(name, ".removing-")) continue;
        auto parts = str::split(name, '-');
        if (parts.size() != 3 || parts[1].empty() || parts[1].find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = static_cast<pid_t>(std::stol(parts[1]));
        if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM) continue;
        (void)fs::remove_all(fs::join(layers_dir(store), name));
    }
}

struct Staged {
    StagingEntry dir;
    LayerInfo layer;
    std::string compressed_digest;
};

// `src` read ahead on a thread of its own into a bounded queue, so that what reading it costs (the
// network queue, both digests, inflating) runs beside what the reader does with the bytes. `src` is
// the producer's alone until stop() returns.
class PrefetchSource {
public:
    explicit PrefetchSource(ByteSource& src) : src_(src), thread_([this] { run(); }) {}
    PrefetchSource(const PrefetchSource&) = delete;
    PrefetchSource& operator=(const PrefetchSource&) = delete;
    ~PrefetchSource() { stop(); }

    // The producer is gone when this returns: `src` may be read directly again.
    void stop() {
        {
            std::lock_guard lk(mu_);
            closed_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

    // The next bytes read ahead, lent until the next call (no copy); empty at the end.
    Result<std::string_view> next() {
        std::unique_lock lk(mu_);
        if (lent_ >= 0) {
            free_.push_back(lent_);
            lent_ = -1;
            cv_.notify_all();
        }
        cv_.wait(lk, [&] { return !full_.empty() || done_; });
        if (full_.empty()) {
            if (!status_.ok()) return status_.error();
            return std::string_view();
        }
        auto [index, size] = full_.front();
        full_.pop_front();
        lent_ = index;
        return std::string_view(buffers_[static_cast<size_t>(index)].get(), size);
    }

private:
    static constexpr size_t kMaxBuffers = 64;  // 8 MB ahead at most

    void run() {
        std::unique_lock lk(mu_);
        for (;;) {
            // A free buffer, or a new one while fewer than kMaxBuffers exist (a small layer needs few).
            cv_.wait(lk, [&] { return closed_ || !free_.empty() || buffers_.size() < kMaxBuffers; });
            if (closed_) return;
            int index;
            if (!free_.empty()) {
                index = free_.back();
                free_.pop_back();
            } else {
                index = static_cast<int>(buffers_.size());
                buffers_.push_back(std::make_unique<char[]>(kBufferSize));
            }
            char* buf = buffers_[static_cast<size_t>(index)].get();
            lk.unlock();
            auto n = src_.read(buf, kBufferSize);
            lk.lock();
            if (!n.ok() || *n == 0) {
                if (!n.ok()) status_ = n.take_error();
                done_ = true;
                cv_.notify_all();
                return;
            }
            full_.emplace_back(index, *n);
            cv_.notify_all();
        }
    }

    ByteSource& src_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<char[]>> buffers_;
    std::deque<std::pair<int, size_t>> full_;  // (buffer, bytes) in stream order
    std::vector<int> free_;
    int lent_ = -1;
    bool done_ = false, closed_ = false;
    Result<void> status_ = Result<void>();
    std::thread thread_;
};

// Writes the unpacked files back to disk while the unpack goes on (a syncfs on a thread of its own
// each time another kStep bytes of the stream have been unpacked), so that the syncfs that makes the
// layer durable before it is published finds little left to write.
class WriteBehind {
public:
    explicit WriteBehind(const std::string& dir)
        : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), thread_([this] { run(); }) {}
    WriteBehind(const WriteBehind&) = delete;
    WriteBehind& operator=(const WriteBehind&) = delete;
    ~WriteBehind() {
        {
            std::lock_guard lk(mu_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    // The stream has been unpacked up to `offset`.
    void progress(uint64_t offset) {
        if (offset < next_) return;
        next_ = offset + kStep;
        {
            std::lock_guard lk(mu_);
            ++asked_;
        }
        cv_.notify_all();
    }

private:
    static constexpr uint64_t kStep = 32 << 20;
    void run() {
        std::unique_lock lk(mu_);
        for (;;) {
            cv_.wait(lk, [&] { return done_ || asked_ > served_; });
            if (done_) return;
            served_ = asked_;
            lk.unlock();
            if (fd_) (void)::syncfs(fd_.get());
            lk.lock();
        }
    }
    unique_fd fd_;
    uint64_t next_ = kStep;
    std::mutex mu_;
    std::condition_variable cv_;
    uint64_t asked_ = 0, served_ = 0;
    bool done_ = false;
    std::thread thread_;
};

// What came from the source, hashed (the compressed digest); the bytes read ahead to recognise
// gzip are replayed first.
class HashedSource : public ByteSource {
public:
    explicit HashedSource(ByteSource& s) : src_(s) {}
    // Up to `n` bytes from the start, kept to be read again.
    Result<std::string_view> peek(size_t n) {
        while (head_.size() < n) {
            char b[16];
            size_t got = TRY(src_.read(b, std::min(sizeof b, n - head_.size())));
            if (got == 0) break;
            hash.update(b, got);
            head_.append(b, got);
        }
        return std::string_view(head_);
    }
    Result<size_t> read(char* buf, size_t len) override {
        if (head_off_ < head_.size()) {
            size_t n = std::min(len, head_.size() - head_off_);
            std::copy_n(head_.data() + head_off_, n, buf);
            head_off_ += n;
            return n;
        }
        size_t n = TRY(src_.read(buf, len));
        hash.update(buf, n);
        return n;
    }
    oci::Sha256 hash;

private:
    ByteSource& src_;
    std::string head_;
    size_t head_off_ = 0;
};

struct RawInput {
    explicit RawInput(ByteSource& s) : src(s) {}
    ByteSource& src;
    std::vector<char> buf = std::vector<char>(kBufferSize);
    std::optional<Error> error;
};

la_ssize_t read_raw(struct archive*, void* client, const void** out) {
    auto* in = static_cast<RawInput*>(client);
    auto n = in->src.read(in->buf.data(), in->buf.size());
    if (!n.ok()) {
        in->error = n.take_error().context("read");
        return -1;
    }
    *out = in->buf.data();
    return static_cast<la_ssize_t>(*n);
}

// The inflated stream, hashed (the diff id) and counted: what the producer thread reads from the
// raw reader (which inflates, or passes through what ISA-L inflated).
class InflatedSource : public ByteSource {
public:
    InflatedSource(const ArchiveLib& lib, struct archive* raw, RawInput& input) : lib_(lib), raw_(raw), input_(input) {}
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
    RawInput& input_;
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

std::string layer_json(const LayerInfo& info) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    json::put(w, "diff_id", info.diff_id);
    w.Key("size");
    w.Uint64(info.size);
    if (!info.blobs.empty()) {
        w.Key("blobs");
        w.StartArray();
        for (auto& b : info.blobs) {
            w.StartObject();
            json::put(w, "digest", b.digest);
            json::put(w, "media_type", b.media_type);
            w.Key("size");
            w.Uint64(b.size);
            json::put(w, "diff_id", b.diff_id);
            json::put_strings(w, "repositories", b.repositories);
            w.EndObject();
        }
        w.EndArray();
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

// Tell the recorder how libarchive read the entry, as the Unpacker names and writes it.
void confirm_entry(const ArchiveLib& lib, struct archive_entry* e, TarRecorder& recorder) {
    const char* name = lib.archive_entry_pathname(e);
    if (!name) name = lib.archive_entry_pathname_utf8(e);
    bool hardlink = lib.archive_entry_hardlink(e) || lib.archive_entry_hardlink_utf8(e);
    la_int64_t size = lib.archive_entry_size(e);
    recorder.confirm(name ? name : "", lib.archive_entry_filetype(e) == AE_IFREG && !hardlink,
                     size < 0 ? 0 : static_cast<uint64_t>(size));
}

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

// Unpack the whole stream into a new staging directory; digests computed, nothing verified yet.
Result<Staged> unpack_to_staging(const StoreConfig& store, ByteSource& src, const std::string& label) {
    auto staging = TRY(StagingEntry::create(store, "layer", StagingEntry::Kind::kDirectory));
    // The unpack stops while the store's file system keeps its reserve; the staging entry goes then.
    SpaceReserve reserve(staging.fd(), "");
    TRY_CTX(reserve.check(), "layer " + label);
    std::string diff_path = fs::join(staging.path(), "diff");
    TRY(sys::mkdir(diff_path, 0755));
    auto diff = TRY(sys::open(diff_path, O_PATH | O_DIRECTORY | O_NOFOLLOW));

    auto raw_reader = TRY(ArchiveReader::create());
    auto tar_reader = TRY(ArchiveReader::create());
    const ArchiveLib& lib = raw_reader.lib();
    // gzip is inflated by ISA-L when it can be loaded, else by libarchive's filter below.
    HashedSource hashed(src);
    ByteSource* input = &hashed;
    std::unique_ptr<ByteSource> gunzip;
    if (looks_gzip(TRY(hashed.peek(2))) && (gunzip = isal_gunzip(hashed))) input = gunzip.get();
    RawInput raw(*input);
    InflatedSource inflated(lib, raw_reader.get(), raw);

    struct archive* r1 = raw_reader.get();
    lib.archive_read_support_filter_gzip(r1);
    lib.archive_read_support_filter_zstd(r1);
    lib.archive_read_support_filter_xz(r1);
    lib.archive_read_support_filter_bzip2(r1);
    lib.archive_read_support_format_raw(r1);
    lib.archive_read_support_format_empty(r1);
    if (lib.archive_read_open(r1, &raw, nullptr, read_raw, nullptr) != ARCHIVE_OK)
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
    for (ByteSource* rest : {input, static_cast<ByteSource*>(&hashed)}) {
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

// Make the staged layer durable and visible under layers/<hex>. The caller holds the unpack lock.
Result<void> publish(const StoreConfig& store, Staged& staged, const std::string& hex) {
    auto dir = TRY(sys::open(staged.dir.path(), O_RDONLY | O_DIRECTORY));
    if (::syncfs(dir.get()) < 0) return sys_error("sync " + staged.dir.path());
    std::string final_path = fs::join(layers_dir(store), hex);
    if (::rename(staged.dir.path().c_str(), final_path.c_str()) < 0)
        return sys_error("rename " + staged.dir.path() + " to " + final_path);
    staged.dir.published();
    return fs::fsync_dir(layers_dir(store));
}

Result<UnpackResult> reuse(const StoreConfig& store, const std::string& diff_id, FileLock hold, std::string compressed) {
    auto info = TRY(layer_info(store, diff_id));
    return UnpackResult{std::move(info), std::move(compressed), false, LayerHold(diff_id, std::move(hold))};
}

Result<void> check_compressed(const UnpackRequest& req, const Staged& staged) {
    if (!req.compressed_digest.empty() && req.compressed_digest != staged.compressed_digest)
        return make_error("layer " + req.label + ": digest mismatch: want " + req.compressed_digest + ", got " +
                          staged.compressed_digest);
    return {};
}

}  // namespace

Result<size_t> FdSource::read(char* buf, size_t len) {
    for (;;) {
        ssize_t n = ::read(fd_, buf, len);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return sys_error("read");
    }
}

Result<size_t> MemorySource::read(char* buf, size_t len) {
    size_t n = std::min(len, data_.size());
    std::copy_n(data_.data(), n, buf);
    data_.remove_prefix(n);
    return n;
}

std::string layer_diff_dir(const StoreConfig& store, const std::string& diff_id) {
    auto colon = diff_id.find(':');
    return fs::join(layers_dir(store), diff_id.substr(colon == std::string::npos ? 0 : colon + 1) + "/diff");
}

bool layer_exists(const StoreConfig& store, const std::string& diff_id) {
    auto d = oci::parse_digest(diff_id);
    return d.ok() && sys::exists(fs::join(layers_dir(store), d->hex + "/layer.json"));
}

Result<LayerInfo> layer_info(const StoreConfig& store, const std::string& diff_id) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto text = fs::read_file(fs::join(layers_dir(store), d.hex + "/layer.json"));
    if (!text.ok()) return text.take_error().context("layer " + diff_id);
    rapidjson::Document doc;
    doc.Parse(text->data(), text->size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error("layer " + diff_id + ": corrupt layer.json");
    LayerInfo info{diff_id, json::get_uint(doc, "size"), {}};
    if (auto it = doc.FindMember("blobs"); it != doc.MemberEnd() && it->value.IsArray()) {
        for (auto& b : it->value.GetArray()) {
            if (!b.IsObject()) continue;
            LayerBlob blob{json::get_string(b, "digest"), json::get_string(b, "media_type"), json::get_uint(b, "size"),
                           json::get_string(b, "diff_id"), json::get_strings(b, "repositories")};
            if (oci::parse_digest(blob.digest).ok() && oci::parse_digest(blob.diff_id).ok())
                info.blobs.push_back(std::move(blob));
        }
    }
    return info;
}

Result<void> record_layer_blob(const StoreConfig& store, const std::string& diff_id, const LayerBlob& blob) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto lock = TRY(unpack_lock(store, d.hex));
    auto info = TRY(layer_info(store, diff_id));
    bool changed = false;
    LayerBlob* known = nullptr;
    for (auto& b : info.blobs)
        if (b.digest == blob.digest) known = &b;
    if (!known) {
        info.blobs.push_back(blob);
        changed = true;
    } else {
        for (auto& r : blob.repositories) {
            if (std::find(known->repositories.begin(), known->repositories.end(), r) != known->repositories.end()) continue;
            known->repositories.push_back(r);
            changed = true;
        }
    }
    if (!changed) return {};
    return fs::write_file_atomic(fs::join(layers_dir(store), d.hex + "/layer.json"), layer_json(info));
}

Result<std::vector<std::string>> list_layers(const StoreConfig& store) {
    std::vector<std::string> out;
    for (auto& name : TRY(fs::list_dir(layers_dir(store))))
        if (name.size() == 64 && str::is_lower_hex(name)) out.push_back("sha256:" + name);
    return out;
}

Result<LayerHold> hold_layer(const StoreConfig& store, const std::string& diff_id) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto lock = TRY(use_lock(store, d.hex, FileLock::Mode::kShared));
    if (!layer_exists(store, diff_id)) return make_error("layer " + diff_id + " is not in the store");
    return LayerHold(diff_id, std::move(lock));
}

Result<UnpackResult> unpack_layer(const StoreConfig& store, ByteSource& src, const UnpackRequest& req) {
    TRY(fs::mkdir_p(layers_dir(store), 0700));
    sweep_staging(store);
    if (!req.diff_id.empty()) {
        auto want = TRY_CTX(oci::parse_digest(req.diff_id), "layer " + req.label);
        auto hold = TRY(use_lock(store, want.hex, FileLock::Mode::kShared));
        if (layer_exists(store, req.diff_id)) return reuse(store, req.diff_id, std::move(hold), "");
        auto lock = TRY(unpack_lock(store, want.hex));
        if (layer_exists(store, req.diff_id)) return reuse(store, req.diff_id, std::move(hold), "");
        auto staged = TRY(unpack_to_staging(store, src, req.label));
        if (staged.layer.diff_id != req.diff_id)
            return make_error("layer " + req.label + ": diff id mismatch: want " + req.diff_id + ", got " +
                              staged.layer.diff_id);
        TRY(check_compressed(req, staged));
        TRY(publish(store, staged, want.hex));
        return UnpackResult{staged.layer, staged.compressed_digest, true, LayerHold(req.diff_id, std::move(hold))};
    }
    auto staged = TRY(unpack_to_staging(store, src, req.label));
    TRY(check_compressed(req, staged));
    auto got = TRY(oci::parse_digest(staged.layer.diff_id));
    auto hold = TRY(use_lock(store, got.hex, FileLock::Mode::kShared));
    auto lock = TRY(unpack_lock(store, got.hex));
    if (layer_exists(store, staged.layer.diff_id))
        return reuse(store, staged.layer.diff_id, std::move(hold), staged.compressed_digest);
    TRY(publish(store, staged, got.hex));
    return UnpackResult{staged.layer, staged.compressed_digest, true, LayerHold(staged.layer.diff_id, std::move(hold))};
}

Result<bool> remove_layer_if_unused(const StoreConfig& store, const std::string& diff_id, LayerWait wait) {
    auto d = TRY(oci::parse_digest(diff_id));
    // Exclusive: waits until no writer relies on the layer (or gives up when told not to wait);
    // nothing else is held while waiting.
    TRY(fs::mkdir_p(locks_dir(store), 0700));
    auto lock = wait == LayerWait::kYes ? FileLock::acquire(use_lock_path(store, d.hex), FileLock::Mode::kExclusive)
                                        : FileLock::try_acquire(use_lock_path(store, d.hex), FileLock::Mode::kExclusive);
    if (!lock.ok()) {
        if (wait == LayerWait::kNo && lock.error().code == EWOULDBLOCK) return false;
        return lock.take_error();
    }
    std::string path = fs::join(layers_dir(store), d.hex);
    if (!sys::exists(path)) return false;
    for (auto& image : TRY(list_images(store)))
        for (auto& id : image.config.diff_ids)
            if (id == diff_id) return false;
    // Out of sight first (one rename into staging/, locked), then removed at leisure: no reader sees
    // half a layer, and if we die meanwhile the next sweep finishes the job.
    auto doomed = TRY(StagingEntry::adopt(store, path, "removing"));
    TRY(doomed.remove());
    return true;
}

void sweep_dead_writers(const StoreConfig& store) { sweep_staging(store); }

Result<std::vector<std::string>> prune_layers(const StoreConfig& store) {
    sweep_staging(store);
    sweep_legacy(store);
    std::set<std::string> used;
    for (auto& image : TRY(list_images(store)))
        for (auto& id : image.config.diff_ids) used.insert(id);
    std::vector<std::string> removed;
    for (auto& id : TRY(list_layers(store))) {
        if (used.count(id)) continue;
        // Held: a pull or load in progress relies on it (its image record is not written yet).
        if (TRY(remove_layer_if_unused(store, id, LayerWait::kNo))) removed.push_back(id);
    }
    return removed;
}

}  // namespace skiff::storage
