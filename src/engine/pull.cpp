// pull_image: manifest or index → platform → config → missing layers streamed into the layer store in
// parallel → image record last.
#include "skiff/engine/pull.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "skiff/oci/digest.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/storage/image_transaction.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

namespace {

// Counts a stream's bytes for the progress display.
class CountingSource : public storage::ByteSource {
public:
    CountingSource(storage::ByteSource& inner, PullProgress& progress, std::string digest)
        : inner_(inner), progress_(progress), digest_(std::move(digest)) {}
    Result<size_t> read(char* buf, size_t len) override {
        size_t n = TRY(inner_.read(buf, len));
        if (n > 0) progress_.blob_bytes(digest_, n);
        return n;
    }

private:
    storage::ByteSource& inner_;
    PullProgress& progress_;
    std::string digest_;
};

// The blob as the manifest sizes it. A longer stream stops at that size (a registry cannot make us
// read, hash and inflate more than the manifest promised); a shorter one is an error where it ends.
class SizedSource : public storage::ByteSource {
public:
    SizedSource(storage::ByteSource& inner, uint64_t size) : inner_(inner), size_(size) {}
    Result<size_t> read(char* buf, size_t len) override {
        if (got_ == size_) {
            char extra;  // one byte more tells a longer stream from the end
            if (TRY(inner_.read(&extra, 1)) != 0)
                return make_error("the blob is longer than the " + std::to_string(size_) + " bytes its manifest gives");
            return size_t{0};
        }
        size_t n = TRY(inner_.read(buf, static_cast<size_t>(std::min<uint64_t>(len, size_ - got_))));
        if (n == 0)
            return make_error("the blob ended after " + std::to_string(got_) + " of the " + std::to_string(size_) +
                              " bytes its manifest gives");
        got_ += n;
        return n;
    }

private:
    storage::ByteSource& inner_;
    uint64_t size_;
    uint64_t got_ = 0;
};

Result<void> check_digest(std::string_view what, std::string_view data, const std::string& want) {
    auto d = TRY_CTX(oci::parse_digest(want), std::string(what));
    auto got = oci::sha256_of(data);
    if (!(got == d))
        return make_error(std::string(what) + ": digest mismatch: want " + want + ", got " + got.str());
    return {};
}

// A manifest of either kind, resolved through an index when needed.
struct Resolved {
    oci::ManifestBytes raw;
    std::string media_type;
    std::string digest;
    oci::Manifest manifest;
};

Result<oci::ManifestBytes> fetch_manifest(ImageSource& src, const std::string& ref) {
    auto m = TRY(src.get_manifest(ref));
    if (m.bytes.size() > oci::kMaxManifestBytes)
        return make_error("manifest " + ref + ": " + std::to_string(m.bytes.size()) + " bytes, larger than the " +
                          std::to_string(oci::kMaxManifestBytes) + " allowed");
    if (ref.find(':') != std::string::npos) TRY(check_digest("manifest " + ref, m.bytes, ref));
    if (!m.digest.empty()) TRY(check_digest("manifest " + ref, m.bytes, m.digest));
    return m;
}

Result<Resolved> resolve_manifest(ImageSource& src, const std::string& tag_or_digest, const PlatformChoice& want) {
    Resolved r;
    r.raw = TRY(fetch_manifest(src, tag_or_digest));
    r.media_type = TRY(oci::manifest_kind(r.raw));
    r.digest = oci::sha256_of(r.raw.bytes).str();
    if (oci::is_index_media_type(r.media_type)) {
        auto index = TRY_CTX(oci::parse_index(r.raw.bytes), "image index " + tag_or_digest);
        auto entry = TRY_CTX(oci::choose_platform(index, want), "image index " + tag_or_digest);
        r.raw = TRY(fetch_manifest(src, entry.digest));
        r.media_type = TRY(oci::manifest_kind(r.raw));
        if (oci::is_index_media_type(r.media_type))
            return make_error("manifest " + entry.digest + ": an index inside an index is not supported");
        r.digest = entry.digest;
    }
    r.manifest = TRY_CTX(oci::parse_manifest(r.raw.bytes), "manifest " + r.digest);
    if (r.manifest.media_type.empty()) r.manifest.media_type = r.media_type;
    return r;
}

struct LayerJob {
    oci::Descriptor desc;
    std::string diff_id;
};

// Unpack every job, `jobs` at a time, into `tx` (which holds each layer, and removes those it
// created if the pull fails). The first error stops the workers from taking new layers.
Result<void> fetch_layers(storage::ImageTransaction& tx, ImageSource& src, const std::vector<LayerJob>& todo, int jobs,
                          PullProgress& progress) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::optional<Error> first_error;

    auto worker = [&] {
        for (;;) {
            size_t i = next.fetch_add(1);
            if (i >= todo.size() || failed.load()) return;
            const LayerJob& job = todo[i];
            auto result = [&]() -> Result<storage::UnpackedLayer> {
                auto stream = TRY(src.open_blob(job.desc));
                SizedSource sized(*stream, static_cast<uint64_t>(std::max<int64_t>(job.desc.size, 0)));
                CountingSource counted(sized, progress, job.desc.digest);
                return tx.unpack_layer(counted, {job.desc.digest, job.diff_id, job.desc.digest});
            }();
            std::lock_guard lk(mu);
            if (!result.ok()) {
                if (!first_error) first_error = result.take_error().context("copying blob " + job.desc.digest);
                failed = true;
                return;
            }
            progress.blob_done(job.desc.digest);
            if (result->created) {
                // The blob was read and verified: remember it, so a push can reuse it. A cache only.
                storage::LayerBlob blob{job.desc.digest, job.desc.media_type, static_cast<uint64_t>(job.desc.size),
                                        job.diff_id, {}};
                if (auto repo = src.repository(); !repo.empty()) blob.repositories.push_back(repo);
                (void)storage::record_layer_blob(tx.store(), job.diff_id, blob);
            }
        }
    };
    size_t n = std::min<size_t>(todo.size(), static_cast<size_t>(std::max(jobs, 1)));
    std::vector<std::thread> threads;
    for (size_t i = 1; i < n; i++) threads.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : threads) t.join();
    if (first_error) return std::move(*first_error);
    return {};
}

}  // namespace

Result<PulledImage> pull_image(const storage::StoreConfig& store, ImageSource& src, const std::string& tag_or_digest,
                               const PullOptions& opts, PullProgress& progress) {
    storage::sweep_dead_writers(store);
    auto r = TRY(resolve_manifest(src, tag_or_digest, opts.platform));
    TRY(oci::check_image_manifest(r.manifest, r.digest));

    std::string config = TRY_CTX(src.get_blob(r.manifest.config), "config " + r.manifest.config.digest);
    TRY(check_digest("config " + r.manifest.config.digest, config, r.manifest.config.digest));
    auto cfg = TRY_CTX(oci::parse_image_config(config), "config " + r.manifest.config.digest);
    if (cfg.diff_ids.size() != r.manifest.layers.size())
        return make_error("manifest " + r.digest + ": " + std::to_string(r.manifest.layers.size()) +
                          " layers but the config lists " + std::to_string(cfg.diff_ids.size()) + " diff ids");

    // Stored layers are held (so nobody removes them) and never fetched; the rest are fetched once
    // each, even when the image lists one twice.
    storage::ImageTransaction tx(store);
    std::vector<LayerJob> todo;
    PulledImage out;
    for (size_t i = 0; i < r.manifest.layers.size(); i++) {
        auto& desc = r.manifest.layers[i];
        auto& diff_id = cfg.diff_ids[i];
        TRY_CTX(oci::parse_digest(diff_id), "config " + r.manifest.config.digest + ": diff id");
        bool queued = false;
        for (auto& j : todo) queued = queued || j.diff_id == diff_id;
        if (queued) continue;
        if (storage::layer_exists(store, diff_id)) {
            if (tx.hold_layer(diff_id).ok()) {
                progress.blob_start(desc, true);
                out.layers_reused++;
                continue;
            }
        }
        progress.blob_start(desc, false);
        todo.push_back({desc, diff_id});
    }
    TRY(fetch_layers(tx, src, todo, opts.jobs, progress));
    out.layers_fetched = todo.size();

    progress.config(r.manifest.config.digest);
    progress.writing_manifest();
    storage::NewImage img{config, r.raw.bytes, r.manifest.media_type, opts.names};
    auto rec = TRY(tx.commit(img));
    progress.storing_signatures();
    out.id = rec.id;
    out.manifest_digest = r.digest;
    return out;
}

}  // namespace skiff::engine
