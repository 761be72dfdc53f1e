#include "skiff/storage/image_archive.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>

#include "archive_lib.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/storage/image_transaction.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::storage {

namespace {

// Files up to this size are kept in memory and unpacked only if a manifest names them as a layer;
// JSON documents up to kMaxDocument are kept too. Everything else is streamed into the layer store.
constexpr size_t kSmallFile = 64 << 10;
constexpr size_t kMaxDocument = 8 << 20;
// What all the files kept in memory may take together: an archive of many documents (a gzip'd
// outer archive inflates a thousandfold) must not exhaust the memory.
constexpr size_t kMaxInMemory = 128 << 20;
constexpr size_t kPeek = 512;

// "a/./b/../c" → "a/c": paths inside the archive are only keys, never touched on disk.
std::string normalize_path(std::string_view p) {
    std::vector<std::string> parts;
    for (auto& c : str::split(p, '/')) {
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    return str::join(parts, "/");
}

std::string parent_of(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "" : p.substr(0, slash);
}

// One entry's data, read from the outer archive.
class EntrySource : public ByteSource {
public:
    EntrySource(const ArchiveLib& lib, struct archive* a) : lib_(lib), a_(a) {}
    Result<size_t> read(char* buf, size_t len) override {
        la_ssize_t n = lib_.archive_read_data(a_, buf, len);
        if (n < 0) {
            failed = true;
            const char* e = lib_.archive_error_string(a_);
            return make_error(std::string("read archive: ") + (e ? e : "error"));
        }
        return static_cast<size_t>(n);
    }
    bool failed = false;  // the outer archive itself failed: fatal, whatever the layer was

private:
    const ArchiveLib& lib_;
    struct archive* a_;
};

// podman's words for an input that is no image archive at all (its test scripts look for them).
constexpr const char* kNoFormat = "payload does not match any of the supported image formats";

class ArchiveLoader {
public:
    ArchiveLoader(ImageTransaction& tx, std::string label, const ArchiveProgress& progress)
        : tx_(tx), label_(std::move(label)), progress_(progress) {}

    Result<void> scan(ByteSource& src);
    Result<std::vector<LoadedImage>> load();

private:
    Error fail(const std::string& why) const { return make_error("load " + label_ + ": " + why); }
    Result<void> count_in_memory(size_t more) const {
        if (in_memory_ + more <= kMaxInMemory) return {};
        return fail("its small files and documents take more than " + std::to_string(kMaxInMemory >> 20) +
                    " MiB of memory together");
    }
    Result<void> scan_entry(const ArchiveLib& lib, struct archive* a, struct archive_entry* e);
    std::string resolve(std::string path) const;
    Result<std::string> file(const std::string& path) const;
    Result<std::string> blob(const oci::Descriptor& d) const;
    Result<const UnpackedLayer*> layer(const std::string& path);
    Result<void> check_layers(const oci::ImageConfig& cfg, const std::vector<std::string>& paths,
                              const std::vector<std::string>& compressed);
    Result<LoadedImage> commit(const std::string& config, const std::string& manifest, const std::string& media_type,
                               const std::vector<std::string>& names);
    Result<std::vector<LoadedImage>> load_oci();
    Result<std::vector<LoadedImage>> load_docker();
    Result<void> collect_manifests(const oci::Index& index, const std::string& ref_name,
                                   std::vector<std::pair<oci::Descriptor, std::string>>& out, int depth) const;

    ImageTransaction& tx_;  // holds every layer unpacked, removes those no image lists at its end
    std::string label_;
    const ArchiveProgress& progress_;
    std::map<std::string, std::string> files_;
    std::map<std::string, std::string> links_;
    std::map<std::string, UnpackedLayer> layers_;
    std::map<std::string, Error> layer_errors_;
    size_t in_memory_ = 0;  // bytes of files_
};

Result<void> ArchiveLoader::scan(ByteSource& src) {
    auto reader = TRY(ArchiveReader::create());
    const ArchiveLib& lib = reader.lib();
    struct archive* a = reader.get();
    support_compressed_tar(lib, a);
    ArchiveInput in(src, 1 << 17);
    if (lib.archive_read_open(a, &in, nullptr, ArchiveInput::read, nullptr) != ARCHIVE_OK) {
        if (in.error) return std::move(*in.error).context("load " + label_);
        return fail(std::string(kNoFormat) + ": not a tar archive: " + reader.error());
    }
    for (;;) {
        struct archive_entry* e;
        int r = lib.archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            if (in.error) return std::move(*in.error).context("load " + label_);
            return fail("not a valid tar archive: " + reader.error());
        }
        TRY(scan_entry(lib, a, e));
    }
    if (in.error) return std::move(*in.error).context("load " + label_);
    return {};
}

Result<void> ArchiveLoader::scan_entry(const ArchiveLib& lib, struct archive* a, struct archive_entry* e) {
    const char* raw = lib.archive_entry_pathname(e);
    if (!raw) raw = lib.archive_entry_pathname_utf8(e);
    if (!raw) return {};
    std::string name = normalize_path(raw);
    if (const char* hard = lib.archive_entry_hardlink(e)) {
        links_[name] = normalize_path(hard);
        return {};
    }
    auto type = lib.archive_entry_filetype(e);
    if (type == AE_IFLNK) {
        const char* target = lib.archive_entry_symlink(e);
        if (!target) return {};
        std::string t = target;
        links_[name] = normalize_path(!t.empty() && t[0] == '/' ? t : parent_of(name) + "/" + t);
        return {};
    }
    if (type != AE_IFREG) return {};

    uint64_t size = static_cast<uint64_t>(lib.archive_entry_size(e));
    EntrySource data_of(lib, a);
    PeekSource entry(data_of);
    auto fail_read = [&](const Error& e) { return fail(name + ": " + e.message); };
    std::string_view prefix;
    if (auto p = entry.peek(kPeek); p.ok()) prefix = *p;
    else return fail_read(p.take_error());
    auto first = prefix.find_first_not_of(" \t\r\n");
    bool json = first != std::string::npos && (prefix[first] == '{' || prefix[first] == '[');
    if (size <= kSmallFile || (json && size <= kMaxDocument)) {
        std::string data;
        for (;;) {
            char chunk[1 << 16];
            auto n = entry.read(chunk, sizeof chunk);
            if (!n.ok()) return fail_read(n.take_error());
            if (*n == 0) break;
            data.append(chunk, *n);
            TRY(count_in_memory(data.size()));
        }
        if (auto old = files_.find(name); old != files_.end()) in_memory_ -= old->second.size() + name.size();
        TRY(count_in_memory(data.size() + name.size()));
        in_memory_ += data.size() + name.size();
        files_[name] = std::move(data);
        return {};
    }
    auto r = tx_.unpack_layer(entry, {label_ + ": " + name, {}, {}});
    if (data_of.failed) return r.ok() ? fail("read " + name) : r.take_error().context("load " + label_);
    if (!r.ok()) {
        // Out of room: the rest of the archive would not fit either.
        if (r.error().code == ENOSPC) return r.take_error();
        layer_errors_.emplace(name, r.take_error());
        return {};
    }
    layers_.emplace(name, r.take());
    return {};
}

std::string ArchiveLoader::resolve(std::string path) const {
    for (int i = 0; i < 16; ++i) {
        auto it = links_.find(path);
        if (it == links_.end()) return path;
        path = it->second;
    }
    return path;
}

Result<std::string> ArchiveLoader::file(const std::string& path) const {
    auto it = files_.find(resolve(normalize_path(path)));
    if (it == files_.end()) return fail("\"" + path + "\" is not in the archive");
    return it->second;
}

Result<std::string> ArchiveLoader::blob(const oci::Descriptor& d) const {
    auto digest = TRY(oci::parse_digest(d.digest));
    auto data = TRY(file("blobs/" + digest.algorithm + "/" + digest.hex));
    if (oci::sha256_of(data) != digest) return fail("blob " + d.digest + " does not match its digest");
    return data;
}

// A layer by its path in the archive: unpacked already while scanning, or now from memory.
Result<const UnpackedLayer*> ArchiveLoader::layer(const std::string& path) {
    std::string key = resolve(normalize_path(path));
    if (auto it = layers_.find(key); it != layers_.end()) return &it->second;
    if (auto err = layer_errors_.find(key); err != layer_errors_.end()) return Error(err->second);
    auto small = files_.find(key);
    if (small == files_.end()) return fail("layer \"" + path + "\" is not in the archive");
    MemorySource src(small->second);
    auto r = TRY(tx_.unpack_layer(src, {label_ + ": " + key, {}, {}}));
    return &layers_.emplace(key, std::move(r)).first->second;
}

Result<void> ArchiveLoader::check_layers(const oci::ImageConfig& cfg, const std::vector<std::string>& paths,
                                         const std::vector<std::string>& compressed) {
    if (paths.size() != cfg.diff_ids.size())
        return fail("the image has " + std::to_string(paths.size()) + " layers but its config lists " +
                    std::to_string(cfg.diff_ids.size()));
    for (size_t i = 0; i < paths.size(); ++i) {
        const UnpackedLayer* l = TRY(layer(paths[i]));
        if (!compressed.empty() && l->compressed_digest != compressed[i])
            return fail("layer " + compressed[i] + " does not match its digest (got " + l->compressed_digest + ")");
        if (l->layer.diff_id != cfg.diff_ids[i])
            return fail("layer \"" + paths[i] + "\" has diff id " + l->layer.diff_id + ", the config expects " + cfg.diff_ids[i]);
    }
    for (size_t i = 0; i < paths.size() && progress_.blob; ++i) {
        const UnpackedLayer* l = TRY(layer(paths[i]));
        progress_.blob(l->compressed_digest.empty() ? l->layer.diff_id : l->compressed_digest, !l->created);
    }
    return {};
}

Result<LoadedImage> ArchiveLoader::commit(const std::string& config, const std::string& manifest,
                                          const std::string& media_type, const std::vector<std::string>& names) {
    NewImage img{config, manifest, media_type, names};
    if (progress_.config) progress_.config(oci::sha256_of(config).str());
    auto rec = TRY(tx_.commit(img));
    if (progress_.manifest) progress_.manifest();
    return LoadedImage{rec.id, names};
}

Result<void> ArchiveLoader::collect_manifests(const oci::Index& index, const std::string& ref_name,
                                              std::vector<std::pair<oci::Descriptor, std::string>>& out, int depth) const {
    if (depth > 4) return fail("image indexes nested too deep");
    for (auto& d : index.manifests) {
        auto ref = d.annotations.find(std::string(oci::kAnnotationRefName));
        std::string name = ref != d.annotations.end() ? ref->second : ref_name;
        if (oci::is_index_media_type(d.media_type)) {
            auto nested = TRY(oci::parse_index(TRY(blob(d))));
            std::vector<std::pair<oci::Descriptor, std::string>> all;
            TRY(collect_manifests(nested, name, all, depth + 1));
            // From a multi-platform index, the one image for this host.
            for (auto& m : all)
                if (oci::platform_matches_host(m.first.platform)) {
                    out.push_back(m);
                    break;
                }
            continue;
        }
        if (!d.media_type.empty() && !oci::is_manifest_media_type(d.media_type)) continue;  // artifacts, signatures
        // At the top, images for other platforms are skipped; below, the caller picks one.
        if (depth > 0 || oci::platform_matches_host(d.platform)) out.emplace_back(d, name);
    }
    return {};
}

Result<std::vector<LoadedImage>> ArchiveLoader::load_oci() {
    auto index = TRY_CTX(oci::parse_index(TRY(file("index.json"))), "load " + label_);
    std::vector<std::pair<oci::Descriptor, std::string>> manifests;
    TRY(collect_manifests(index, "", manifests, 0));
    if (manifests.empty()) return fail("the archive's index lists no image");
    std::vector<LoadedImage> out;
    for (auto& [desc, ref_name] : manifests) {
        std::string manifest_bytes = TRY(blob(desc));
        auto man = TRY_CTX(oci::parse_manifest(manifest_bytes), "load " + label_);
        std::string config = TRY(blob(man.config));
        auto cfg = TRY_CTX(oci::parse_image_config(config), "load " + label_);
        std::vector<std::string> paths, compressed;
        for (auto& l : man.layers) {
            auto d = TRY(oci::parse_digest(l.digest));
            paths.push_back("blobs/" + d.algorithm + "/" + d.hex);
            compressed.push_back(l.digest);
        }
        TRY(check_layers(cfg, paths, compressed));
        std::vector<std::string> names;
        if (!ref_name.empty()) {
            auto n = oci::normalize_local_name(ref_name);
            if (n.ok()) names.push_back(*n);
        }
        std::string type = man.media_type.empty() ? std::string(oci::kMediaTypeImageManifest) : man.media_type;
        out.push_back(TRY(commit(config, manifest_bytes, type, names)));
    }
    return out;
}

// docker-archives carry no manifest: make the docker schema 2 manifest podman makes, over the
// uncompressed layers.
std::string docker_manifest(const std::string& config, const std::vector<LayerInfo>& layers) {
    oci::Manifest m;
    m.media_type = std::string(oci::kMediaTypeDockerManifest);
    m.config = {std::string(oci::kMediaTypeDockerConfig), oci::sha256_of(config).str(),
                static_cast<int64_t>(config.size()), {}, {}};
    for (auto& l : layers)
        m.layers.push_back(
            {std::string(oci::kMediaTypeDockerLayerTar), l.diff_id, static_cast<int64_t>(l.size), {}, {}});
    return oci::serialize_manifest(m);
}

Result<std::vector<LoadedImage>> ArchiveLoader::load_docker() {
    auto entries = TRY_CTX(oci::parse_docker_archive_manifest(TRY(file("manifest.json"))), "load " + label_);
    if (entries.empty()) return fail("the archive's manifest.json lists no image");
    std::vector<LoadedImage> out;
    for (auto& entry : entries) {
        std::string config = TRY(file(entry.config));
        auto cfg = TRY_CTX(oci::parse_image_config(config), "load " + label_);
        TRY(check_layers(cfg, entry.layers, {}));
        std::vector<LayerInfo> infos;
        for (auto& p : entry.layers) infos.push_back(TRY(layer(p))->layer);
        std::vector<std::string> names;
        for (auto& tag : entry.repo_tags) {
            auto n = oci::normalize_local_name(tag);
            if (!n.ok()) return n.take_error().context("load " + label_);
            names.push_back(*n);
        }
        std::string manifest = docker_manifest(config, infos);
        out.push_back(TRY(commit(config, manifest, std::string(oci::kMediaTypeDockerManifest), names)));
    }
    return out;
}

Result<std::vector<LoadedImage>> ArchiveLoader::load() {
    if (files_.count("index.json") && (files_.count("oci-layout") || !files_.count("manifest.json"))) return load_oci();
    if (files_.count("manifest.json")) return load_docker();
    return fail(std::string(kNoFormat) + ": neither an oci-archive (index.json) nor a docker-archive (manifest.json)");
}

}  // namespace

Result<std::vector<LoadedImage>> load_image_archive(const StoreConfig& store, ByteSource& src, const std::string& label,
                                                    const ArchiveProgress& progress) {
    // When it ends, layers unpacked for nothing (another platform, a failure half-way) go; those an
    // image lists stay.
    ImageTransaction tx(store);
    ArchiveLoader loader(tx, label, progress);
    TRY(loader.scan(src));
    return loader.load();
}

}  // namespace skiff::storage
