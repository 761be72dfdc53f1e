// push: a stored image to a registry repository (or, through save.cpp, to an archive or a directory
// named with a transport). Blobs first (a HEAD, then a cross-repository mount, then an upload:
// monolithic when the blob fits in one chunk, chunked otherwise), the manifest last.
#include <mutex>

#include "copy_image.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/push.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/oci/registries_conf.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

namespace {

constexpr size_t kChunkSize = 32 << 20;

// One registry repository, its connections pooled (parallel layer uploads reuse connections and tokens).
class RegistryDestination : public ImageDestination {
public:
    using Conn = oci::RegistryPool::Conn;
    explicit RegistryDestination(oci::RegistryTarget target) : target_(std::move(target)), pool_(target_) {}

    Result<std::unique_ptr<Conn>> borrow() { return pool_.borrow(); }
    void give_back(std::unique_ptr<Conn> c) { pool_.give_back(std::move(c)); }

    Result<bool> reuse(const storage::LayerBlob& blob) override {
        auto conn = TRY(borrow());
        auto found = conn->registry->head_blob(blob.digest);
        if (!found) return found.take_error();
        bool there = found->has_value();
        std::string prefix = target_.options.registry + "/";
        for (auto& repo : blob.repositories) {
            if (there) break;
            if (!repo.starts_with(prefix) || repo.substr(prefix.size()) == target_.repository) continue;
            // A mount the registry refuses (no access to the source, a registry without mounts) is
            // not an error: the blob is uploaded instead.
            auto mounted = conn->registry->mount_blob(blob.digest, repo.substr(prefix.size()));
            there = mounted.ok() && *mounted;
        }
        give_back(std::move(conn));
        return there;
    }

    Result<bool> has(const std::string& digest, BlobKind) override {
        auto conn = TRY(borrow());
        auto found = TRY(conn->registry->head_blob(digest));
        give_back(std::move(conn));
        return found.has_value();
    }

    Result<std::unique_ptr<BlobUpload>> upload(BlobKind) override;
    std::string repository() const override { return target_.options.registry + "/" + target_.repository; }
    bool accepts(storage::Compression) const override { return true; }

    Result<std::string> put_manifest(const std::string& tag, const std::string& bytes, const std::string& media_type) {
        auto conn = TRY(borrow());
        auto digest = TRY(conn->registry->put_manifest(tag, bytes, media_type));
        give_back(std::move(conn));
        return digest;
    }

private:
    oci::RegistryTarget target_;
    oci::RegistryPool pool_;
};

// Holds bytes until a chunk is full; a blob smaller than a chunk goes in the closing PUT alone.
class RegistryUpload : public BlobUpload {
public:
    RegistryUpload(RegistryDestination& dest, std::unique_ptr<RegistryDestination::Conn> conn)
        : dest_(dest), conn_(std::move(conn)) {}
    ~RegistryUpload() override {
        if (committed_) dest_.give_back(std::move(conn_));
    }

    Result<void> write(std::string_view data) override {
        buf_.append(data);
        if (buf_.size() >= kChunkSize) TRY(flush());
        return {};
    }

    Result<void> commit(const std::string& digest, uint64_t) override {
        if (location_.empty()) location_ = TRY(conn_->registry->start_upload());
        TRY(conn_->registry->finish_upload(location_, digest, buf_));
        committed_ = true;
        return {};
    }

private:
    Result<void> flush() {
        if (location_.empty()) location_ = TRY(conn_->registry->start_upload());
        location_ = TRY(conn_->registry->upload_chunk(location_, buf_, offset_));
        offset_ += buf_.size();
        buf_.clear();
        return {};
    }

    RegistryDestination& dest_;
    std::unique_ptr<RegistryDestination::Conn> conn_;
    std::string buf_;
    std::string location_;
    uint64_t offset_ = 0;
    bool committed_ = false;
};

Result<std::unique_ptr<BlobUpload>> RegistryDestination::upload(BlobKind) {
    auto conn = TRY(borrow());
    return std::unique_ptr<BlobUpload>(std::make_unique<RegistryUpload>(*this, std::move(conn)));
}

}  // namespace

Result<std::optional<ManifestFormat>> parse_manifest_format(const std::string& s) {
    if (s.empty()) return std::optional<ManifestFormat>();
    if (s == "oci") return std::optional<ManifestFormat>(ManifestFormat::kOci);
    if (s == "v2s2" || s == "docker") return std::optional<ManifestFormat>(ManifestFormat::kDocker);
    if (s == "v2s1") return make_error("manifest format v2s1 (Docker schema 1) is not supported: use oci or v2s2");
    return make_error("unknown manifest format \"" + s + "\": want oci or v2s2");
}

namespace {

// A push destination's reference: a tag (latest when none), never a digest.
Result<oci::Reference> push_reference(const std::string& destination) {
    auto ref = TRY(oci::normalize_reference(destination));
    if (!ref.digest.empty()) return make_error("push destination " + destination + ": a digest cannot be pushed to; name a tag");
    if (ref.tag.empty()) ref.tag = "latest";
    return ref;
}

Result<PushedImage> push_to_registry(const storage::StoreConfig& store, const storage::ImageRecord& image,
                                     const std::string& destination, const PushOptions& opts,
                                     const oci::RegistryAccess& access, PushProgress& progress) {
    auto ref = TRY(push_reference(destination));
    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    auto target = TRY(oci::push_target(conf, ref, access));
    RegistryDestination dest(target);

    CopyOptions copy;
    copy.format = TRY(parse_manifest_format(opts.format));
    copy.compression = opts.compression.value_or(storage::Compression::kGzip);
    copy.compression_level = opts.compression_level;
    copy.force_compression = opts.force_compression;
    copy.jobs = opts.jobs;
    Counting counting(progress);
    auto copied = TRY_CTX(copy_image(store, image, dest, copy, counting), "pushing to docker://" + ref.str());
    progress.writing_manifest();
    TRY_CTX(dest.put_manifest(ref.tag, copied.manifest, copied.manifest_media_type), "pushing to docker://" + ref.str());
    return PushedImage{copied.manifest_digest, counting.written, counting.skipped};
}

}  // namespace

namespace {

// Copy the manifest `from` names (by digest) and its blobs from its registry to `dest`, blob by blob:
// nothing the destination has, a cross-repository mount within one registry, else streamed.
Result<void> copy_remote_manifest(const oci::RegistriesConf& conf, const oci::Reference& from,
                                  const oci::RegistryAccess& access, RegistryDestination& dest, PushProgress& progress) {
    {
        auto conn = TRY(dest.borrow());
        auto there = conn->registry->get_manifest(from.digest);
        dest.give_back(std::move(conn));
        if (there.ok()) return {};
    }
    auto targets = TRY(oci::registry_targets(conf, from, access));
    if (targets.empty()) return make_error("copying " + from.str() + ": no registry to read it from");
    oci::RegistryPool source(targets.front());
    auto src = TRY(source.borrow());
    auto manifest_bytes = TRY(src->registry->get_manifest(from.digest));
    auto kind = TRY(oci::manifest_kind(manifest_bytes));
    if (!oci::is_manifest_media_type(kind)) return make_error("copying " + from.str() + ": not an image manifest");
    auto manifest = TRY(oci::parse_manifest(manifest_bytes.bytes));
    std::vector<oci::Descriptor> blobs = manifest.layers;
    blobs.push_back(manifest.config);
    bool same_registry = targets.front().options.registry == from.registry && dest.repository().starts_with(from.registry + "/");
    for (auto& b : blobs) {
        if (TRY(dest.has(b.digest, BlobKind::kLayer))) {
            progress.blob_skipped(b.digest);
            continue;
        }
        if (same_registry) {
            auto conn = TRY(dest.borrow());
            auto mounted = conn->registry->mount_blob(b.digest, targets.front().repository);
            dest.give_back(std::move(conn));
            if (mounted.ok() && *mounted) {
                progress.blob_skipped(b.digest);
                continue;
            }
        }
        auto upload = TRY(dest.upload(BlobKind::kLayer));
        TRY(src->registry->get_blob(b.digest, 0, [&](std::string_view chunk) { return upload->write(chunk); }));
        TRY(upload->commit(b.digest, static_cast<uint64_t>(b.size)));
        progress.blob_written(b.digest);
    }
    auto conn = TRY(dest.borrow());
    TRY(conn->registry->put_manifest(from.digest, manifest_bytes.bytes, kind));
    dest.give_back(std::move(conn));
    return {};
}

}  // namespace

Result<std::string> push_list_to_registry(const storage::StoreConfig& store, const std::vector<storage::ImageRecord>& images,
                                          const std::vector<oci::Reference>& remote,
                                          const std::string& destination, const CopyOptions& copy,
                                          const oci::RegistryAccess& access, PushProgress& progress,
                                          const ListBuilder& make_list) {
    auto ref = TRY(push_reference(destination));
    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    auto target = TRY(oci::push_target(conf, ref, access));
    RegistryDestination dest(target);
    std::string where = "pushing to docker://" + ref.str();
    std::vector<CopiedImage> pushed;
    size_t count = images.size() + remote.size(), n = 0;
    for (auto& image : images) {
        progress.image_start(image.digest, ++n, count);
        auto copied = TRY_CTX(copy_image(store, image, dest, copy, progress), where);
        progress.writing_manifest();
        TRY_CTX(dest.put_manifest(copied.manifest_digest, copied.manifest, copied.manifest_media_type), where);
        progress.image_done();
        pushed.push_back(std::move(copied));
    }
    for (auto& from : remote) {
        progress.image_start(from.digest, ++n, count);
        TRY_CTX(copy_remote_manifest(conf, from, access, dest, progress), where);
        progress.image_done();
    }
    auto [bytes, media_type] = TRY(make_list(pushed));
    progress.writing_list();
    return TRY_CTX(dest.put_manifest(ref.tag, bytes, media_type), where);
}

Result<PushedImage> push(const storage::StoreConfig& store, const std::string& image, const std::string& destination,
                         const PushOptions& opts, const oci::RegistryAccess& access, PushProgress& progress) {
    auto record = TRY(storage::find_image(store, image));
    std::string dest = destination;
    if (dest.empty()) {
        // podman pushes to the name it was given; an id names no destination.
        if (record.id.starts_with(image)) return make_error("no destination given and " + image + " is an image id, not a name");
        dest = image;
    }
    for (std::string_view t : {"oci:", "oci-archive:", "docker-archive:", "dir:"})
        if (dest.starts_with(t)) return push_to_transport(store, record, dest, opts, progress);
    if (dest.starts_with("docker://")) dest.erase(0, 9);
    auto pushed = TRY(push_to_registry(store, record, dest, opts, access, progress));
    if (!opts.digestfile.empty()) TRY(fs::write_file_atomic(opts.digestfile, pushed.manifest_digest));
    return pushed;
}

}  // namespace skiff::engine
