#include "copy_image.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "skiff/base/strings.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/blobs.hpp"

namespace skiff::engine {

namespace {

bool format_accepts(ManifestFormat f, storage::Compression c) {
    return f == ManifestFormat::kOci || c != storage::Compression::kZstd;
}

std::string layer_media_type(ManifestFormat f, storage::Compression c) {
    if (f == ManifestFormat::kDocker)
        return std::string(c == storage::Compression::kNone ? oci::kMediaTypeDockerLayerTar
                                                            : oci::kMediaTypeDockerLayerGzip);
    switch (c) {
        case storage::Compression::kGzip: return std::string(oci::kMediaTypeLayerGzip);
        case storage::Compression::kZstd: return std::string(oci::kMediaTypeLayerZstd);
        case storage::Compression::kNone: break;
    }
    return std::string(oci::kMediaTypeLayerTar);
}

struct CopiedLayer {
    oci::Descriptor desc;
    std::string diff_id;
};

Result<CopiedLayer> copy_layer(const storage::StoreConfig& store, ImageDestination& dest, const std::string& diff_id,
                               ManifestFormat format, const CopyOptions& opts, PushProgress& progress) {
    auto info = TRY(storage::layer_info(store, diff_id));
    std::vector<const storage::LayerBlob*> candidates;
    for (auto& b : info.blobs) {
        auto c = media_type_compression(b.media_type);
        if (c == opts.compression || (!opts.force_compression && dest.accepts(c) && format_accepts(format, c)))
            candidates.push_back(&b);
    }
    std::stable_sort(candidates.begin(), candidates.end(), [&](auto* a, auto* b) {
        return (media_type_compression(a->media_type) == opts.compression) >
               (media_type_compression(b->media_type) == opts.compression);
    });
    for (auto* b : candidates) {
        if (!TRY(dest.reuse(*b))) continue;
        progress.blob_skipped(b->digest);
        auto c = media_type_compression(b->media_type);
        oci::Descriptor d{layer_media_type(format, c), b->digest, static_cast<int64_t>(b->size), {}, {}};
        return CopiedLayer{std::move(d), b->diff_id};
    }

    auto upload = TRY(dest.upload(BlobKind::kLayer));
    storage::HashingSink compressed(*upload);
    auto compressor = TRY(storage::make_compressor(opts.compression, opts.compression_level, compressed));
    storage::HashingSink plain(*compressor);
    TRY(storage::export_layer(store, diff_id, plain));
    TRY(plain.close());
    std::string export_id = plain.digest();
    std::string digest = compressed.digest();
    TRY(upload->commit(digest, compressed.size()));
    progress.blob_written(digest);

    storage::LayerBlob record{digest, layer_media_type(ManifestFormat::kOci, opts.compression), compressed.size(),
                              export_id, {}};
    if (auto repo = dest.repository(); !repo.empty()) record.repositories.push_back(repo);
    (void)storage::record_layer_blob(store, diff_id, record);  // a cache: a failure costs a later upload
    oci::Descriptor d{layer_media_type(format, opts.compression), digest, static_cast<int64_t>(compressed.size()), {}, {}};
    return CopiedLayer{std::move(d), export_id};
}

// Every distinct layer copied, `jobs` at a time; results in the image's order.
Result<std::vector<CopiedLayer>> copy_layers(const storage::StoreConfig& store, ImageDestination& dest,
                                             const std::vector<std::string>& diff_ids, ManifestFormat format,
                                             const CopyOptions& opts, PushProgress& progress) {
    std::vector<std::string> distinct;
    for (auto& d : diff_ids)
        if (std::find(distinct.begin(), distinct.end(), d) == distinct.end()) distinct.push_back(d);
    std::vector<std::optional<CopiedLayer>> done(distinct.size());
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::optional<Error> first_error;
    auto worker = [&] {
        for (;;) {
            size_t i = next.fetch_add(1);
            if (i >= distinct.size() || failed.load()) return;
            auto r = copy_layer(store, dest, distinct[i], format, opts, progress);
            std::lock_guard lk(mu);
            if (!r.ok()) {
                if (!first_error) first_error = r.take_error();
                failed = true;
                return;
            }
            done[i] = r.take();
        }
    };
    size_t n = std::min<size_t>(distinct.size(), static_cast<size_t>(std::max(opts.jobs, 1)));
    std::vector<std::thread> threads;
    for (size_t i = 1; i < n; i++) threads.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : threads) t.join();
    if (first_error) return std::move(*first_error);
    std::vector<CopiedLayer> out;
    for (auto& d : diff_ids) {
        size_t i = static_cast<size_t>(std::find(distinct.begin(), distinct.end(), d) - distinct.begin());
        out.push_back(*done[i]);
    }
    return out;
}

// The config with rootfs.diff_ids replaced; every other field kept as it was.
Result<std::string> rewrite_diff_ids(const std::string& config, const std::vector<std::string>& diff_ids) {
    rapidjson::Document doc;
    doc.Parse(config.data(), config.size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error("image config: malformed JSON");
    auto& a = doc.GetAllocator();
    if (!doc.HasMember("rootfs") || !doc["rootfs"].IsObject()) {
        rapidjson::Value rootfs(rapidjson::kObjectType);
        rootfs.AddMember("type", "layers", a);
        doc.RemoveMember("rootfs");
        doc.AddMember("rootfs", rootfs, a);
    }
    rapidjson::Value ids(rapidjson::kArrayType);
    for (auto& d : diff_ids) ids.PushBack(rapidjson::Value(d.c_str(), static_cast<rapidjson::SizeType>(d.size()), a), a);
    auto& rootfs = doc["rootfs"];
    rootfs.RemoveMember("diff_ids");
    rootfs.AddMember("diff_ids", ids, a);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

// The stored manifest, when it names exactly this config and these layer blobs.
std::optional<std::pair<std::string, std::string>> stored_manifest(const storage::StoreConfig& store,
                                                                   const storage::ImageRecord& image,
                                                                   const std::string& config_digest,
                                                                   const std::vector<CopiedLayer>& layers) {
    auto d = oci::parse_digest(image.digest);
    if (!d) return std::nullopt;
    auto bytes = storage::read_blob(store, *d);
    if (!bytes) return std::nullopt;
    auto m = oci::parse_manifest(*bytes);
    if (!m || m->config.digest != config_digest || m->layers.size() != layers.size()) return std::nullopt;
    for (size_t i = 0; i < layers.size(); i++)
        if (m->layers[i].digest != layers[i].desc.digest) return std::nullopt;
    std::string media_type = !m->media_type.empty() ? m->media_type : image.manifest_media_type;
    if (media_type.empty()) media_type = std::string(oci::kMediaTypeImageManifest);
    return std::make_pair(bytes.take(), media_type);
}

}  // namespace

storage::Compression media_type_compression(std::string_view media_type) {
    if (media_type.ends_with("gzip")) return storage::Compression::kGzip;
    if (media_type.find("zstd") != std::string_view::npos) return storage::Compression::kZstd;
    return storage::Compression::kNone;
}

Result<CopiedImage> copy_image(const storage::StoreConfig& store, const storage::ImageRecord& image,
                               ImageDestination& dest, const CopyOptions& opts, PushProgress& progress) {
    ManifestFormat format = ManifestFormat::kOci;
    if (opts.format) {
        format = *opts.format;
    } else if (image.manifest_media_type == oci::kMediaTypeDockerManifest) {
        format = ManifestFormat::kDocker;
    }
    if (format == ManifestFormat::kDocker && opts.compression == storage::Compression::kZstd) {
        if (opts.format) return make_error("zstd compression needs an OCI manifest: use --format oci");
        format = ManifestFormat::kOci;
    }

    CopiedImage out;
    auto layers = TRY(copy_layers(store, dest, image.config.diff_ids, format, opts, progress));
    for (auto& l : layers) {
        out.layers.push_back(l.desc);
        out.diff_ids.push_back(l.diff_id);
    }

    out.config = TRY_CTX(storage::read_blob(store, oci::Digest{"sha256", image.id}), "image " + image.id.substr(0, 12));
    if (out.diff_ids != image.config.diff_ids) out.config = TRY(rewrite_diff_ids(out.config, out.diff_ids));
    out.config_digest = oci::sha256_of(out.config).str();
    if (!TRY(dest.has(out.config_digest, BlobKind::kConfig))) {
        auto upload = TRY(dest.upload(BlobKind::kConfig));
        TRY(upload->write(out.config));
        TRY(upload->close());
        TRY(upload->commit(out.config_digest, out.config.size()));
    }
    progress.config(out.config_digest);

    bool same_kind = !opts.format || (*opts.format == ManifestFormat::kDocker) ==
                                         (image.manifest_media_type == oci::kMediaTypeDockerManifest);
    if (auto stored = same_kind ? stored_manifest(store, image, out.config_digest, layers) : std::nullopt)
        std::tie(out.manifest, out.manifest_media_type) = std::move(*stored);
    else {
        oci::Manifest m;
        m.media_type = std::string(format == ManifestFormat::kOci ? oci::kMediaTypeImageManifest
                                                                  : oci::kMediaTypeDockerManifest);
        m.config = oci::Descriptor{std::string(format == ManifestFormat::kOci ? oci::kMediaTypeImageConfig
                                                                              : oci::kMediaTypeDockerConfig),
                                   out.config_digest, static_cast<int64_t>(out.config.size()), {}, {}};
        m.layers = out.layers;
        out.manifest = oci::serialize_manifest(m);
        out.manifest_media_type = m.media_type;
    }
    out.manifest_digest = oci::sha256_of(out.manifest).str();
    return out;
}

}  // namespace skiff::engine
