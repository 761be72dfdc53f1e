// save (and push to oci:, oci-archive:, docker-archive:, dir:): images written as a directory in one
// of three layouts — an OCI image layout, a docker-archive's files, containers/image's dir: — which
// the archive formats then write as one tar stream into FILE (beside it, renamed into place) or to
// standard output.
#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>

#include "copy_image.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/push.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

namespace {

enum class Layout { kOci, kDockerArchive, kDir };

class DirDestination : public ImageDestination {
public:
    DirDestination(std::string dir, Layout layout) : dir_(std::move(dir)), layout_(layout) {}

    std::string path(const std::string& digest, BlobKind kind) const {
        std::string hex = digest.substr(digest.find(':') + 1);
        switch (layout_) {
            case Layout::kOci: return fs::join(dir_, "blobs/sha256/" + hex);
            case Layout::kDockerArchive: return fs::join(dir_, hex + (kind == BlobKind::kLayer ? ".tar" : ".json"));
            case Layout::kDir: break;
        }
        return fs::join(dir_, hex);
    }

    Result<bool> reuse(const storage::LayerBlob& blob) override { return sys::exists(path(blob.digest, BlobKind::kLayer)); }
    Result<bool> has(const std::string& digest, BlobKind kind) override { return sys::exists(path(digest, kind)); }
    Result<std::unique_ptr<BlobUpload>> upload(BlobKind kind) override;
    bool accepts(storage::Compression) const override { return false; }  // callers force the compression

    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    Layout layout_;
};

class FileUpload : public BlobUpload {
public:
    FileUpload(const DirDestination& dest, BlobKind kind, std::string tmp, unique_fd fd)
        : dest_(dest), kind_(kind), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
    ~FileUpload() override {
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
    }
    Result<void> write(std::string_view data) override { return sys::write_all(fd_.get(), data); }
    Result<void> commit(const std::string& digest, uint64_t) override {
        std::string final_path = dest_.path(digest, kind_);
        if (::rename(tmp_.c_str(), final_path.c_str()) < 0) return sys_error("rename " + tmp_ + " to " + final_path);
        tmp_.clear();
        return {};
    }

private:
    const DirDestination& dest_;
    BlobKind kind_;
    std::string tmp_;
    unique_fd fd_;
};

Result<std::unique_ptr<BlobUpload>> DirDestination::upload(BlobKind kind) {
    std::string tmp = fs::dirname(path(std::string(64, '0'), kind)) + "/.tmp-" + str::random_hex(8);
    auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    return std::unique_ptr<BlobUpload>(std::make_unique<FileUpload>(*this, kind, tmp, std::move(fd)));
}

// A directory removed with everything in it when it goes out of scope.
class TempDir {
public:
    explicit TempDir(std::string path) : path_(std::move(path)) {}
    ~TempDir() { (void)fs::remove_all(path_); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

struct Named {
    storage::ImageRecord image;
    std::vector<std::string> names;  // normalised names it is saved under (may be empty)
};

std::string oci_layout_json() { return R"({"imageLayoutVersion":"1.0.0"})"; }

// index.json of an OCI layout: the entries already there (other names) and the new ones.
Result<std::string> oci_index(const std::string& dir, const std::vector<std::pair<oci::Descriptor, std::string>>& add) {
    std::vector<oci::Descriptor> entries;
    std::string path = fs::join(dir, "index.json");
    if (sys::exists(path)) {
        auto idx = TRY_CTX(oci::parse_index(TRY(fs::read_file(path))), "OCI layout " + dir);
        for (auto& d : idx.manifests) {
            auto ref = d.annotations.find(std::string(oci::kAnnotationRefName));
            bool replaced = false;
            for (auto& [_, name] : add) replaced = replaced || (ref != d.annotations.end() && ref->second == name);
            if (!replaced) entries.push_back(d);
        }
    }
    for (auto& [d, name] : add) {
        entries.push_back(d);
        if (!name.empty()) entries.back().annotations[std::string(oci::kAnnotationRefName)] = name;
    }
    oci::Index idx;
    idx.media_type = std::string(oci::kMediaTypeImageIndex);
    idx.manifests = std::move(entries);
    return oci::serialize_index(idx);
}

struct WriteRequest {
    Layout layout = Layout::kOci;
    storage::Compression compression = storage::Compression::kGzip;
    int compression_level = -1;
    std::string oci_ref_name_override;  // oci:DIR:TAG — the ref.name written (else the image's name)
};

// Every image into `dir` in `layout`. Returns the manifest digest of the last image.
Result<std::string> write_layout(const storage::StoreConfig& store, const std::vector<Named>& images,
                                 const std::string& dir, const WriteRequest& req, PushProgress& progress) {
    DirDestination dest(dir, req.layout);
    TRY(fs::mkdir_p(req.layout == Layout::kOci ? fs::join(dir, "blobs/sha256") : dir));
    CopyOptions copy;
    copy.format = req.layout == Layout::kOci ? ManifestFormat::kOci : ManifestFormat::kDocker;
    copy.compression = req.compression;
    copy.compression_level = req.compression_level;
    copy.force_compression = true;

    std::string last_digest;
    std::vector<std::pair<oci::Descriptor, std::string>> index_entries;
    rapidjson::StringBuffer archive_manifest;
    json::Writer aw(archive_manifest);
    aw.StartArray();
    for (auto& n : images) {
        auto copied = TRY(copy_image(store, n.image, dest, copy, progress));
        progress.writing_manifest();
        last_digest = copied.manifest_digest;
        switch (req.layout) {
            case Layout::kOci: {
                TRY(fs::write_file_atomic(dest.path(copied.manifest_digest, BlobKind::kConfig), copied.manifest,
                                          fs::Durability::kNoSync));
                oci::Descriptor d{copied.manifest_media_type, copied.manifest_digest,
                                  static_cast<int64_t>(copied.manifest.size()), {}, {}};
                std::string name = req.oci_ref_name_override.empty() && !n.names.empty() ? n.names.front()
                                                                                         : req.oci_ref_name_override;
                index_entries.emplace_back(d, name);
                break;
            }
            case Layout::kDockerArchive: {
                aw.StartObject();
                json::put(aw, "Config", fs::basename(dest.path(copied.config_digest, BlobKind::kConfig)));
                json::put_strings(aw, "RepoTags", n.names);
                std::vector<std::string> layers;
                for (auto& l : copied.layers) layers.push_back(fs::basename(dest.path(l.digest, BlobKind::kLayer)));
                json::put_strings(aw, "Layers", layers);
                aw.EndObject();
                break;
            }
            case Layout::kDir:
                TRY(fs::write_file_atomic(fs::join(dir, "manifest.json"), copied.manifest, fs::Durability::kNoSync));
                TRY(fs::write_file_atomic(fs::join(dir, "version"), "Directory Transport Version: 1.1\n",
                                          fs::Durability::kNoSync));
                break;
        }
    }
    aw.EndArray();
    if (req.layout == Layout::kOci) {
        TRY(fs::write_file_atomic(fs::join(dir, "oci-layout"), oci_layout_json(), fs::Durability::kNoSync));
        TRY(fs::write_file_atomic(fs::join(dir, "index.json"), TRY(oci_index(dir, index_entries)), fs::Durability::kNoSync));
    }
    if (req.layout == Layout::kDockerArchive)
        TRY(fs::write_file_atomic(fs::join(dir, "manifest.json"),
                                  std::string_view(archive_manifest.GetString(), archive_manifest.GetSize()),
                                  fs::Durability::kNoSync));
    return last_digest;
}

// The layout written in a scratch directory under the store, then as one tar stream into `output`
// (a temporary file beside it renamed into place) or standard output when `output` is empty.
Result<std::string> write_archive(const storage::StoreConfig& store, const std::vector<Named>& images,
                                  const std::string& output, const WriteRequest& req, PushProgress& progress) {
    std::string scratch_root = fs::join(store.root, "tmp");
    TRY(fs::mkdir_p(scratch_root, 0700));
    TempDir scratch(fs::join(scratch_root, "save-" + str::random_hex(8)));
    TRY(sys::mkdir(scratch.path(), 0700));
    std::string digest = TRY(write_layout(store, images, scratch.path(), req, progress));
    auto dir = TRY(sys::open(scratch.path(), O_RDONLY | O_DIRECTORY));
    if (output.empty()) {
        storage::FdSink out(STDOUT_FILENO);
        TRY(storage::export_tree(dir.get(), "the archive", out));
        return digest;
    }
    std::string tmp = fs::join(fs::dirname(output), "." + fs::basename(output) + ".skiff-" + str::random_hex(6));
    auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    storage::FdSink out(fd.get());
    auto written = storage::export_tree(dir.get(), "the archive", out);
    if (written.ok() && ::fsync(fd.get()) < 0) written = sys_error("fsync " + tmp);
    if (written.ok() && ::rename(tmp.c_str(), output.c_str()) < 0) written = sys_error("rename " + tmp + " to " + output);
    if (!written.ok()) {
        ::unlink(tmp.c_str());
        return written.take_error().context("write " + output);
    }
    return digest;
}

// An image as the user named it: the normalised name when it is one, none when it is an id.
Result<Named> resolve(const storage::StoreConfig& store, const std::string& name) {
    Named n{TRY(storage::find_image(store, name)), {}};
    if (!n.image.id.starts_with(name)) {
        auto norm = oci::normalize_local_name(name);
        if (norm.ok()) n.names.push_back(norm.take());
    }
    return n;
}

}  // namespace

Result<SaveFormat> parse_save_format(std::string_view s) {
    if (s == "docker-archive") return SaveFormat::kDockerArchive;
    if (s == "oci-archive") return SaveFormat::kOciArchive;
    if (s == "oci-dir") return SaveFormat::kOciDir;
    if (s == "docker-dir") return SaveFormat::kDockerDir;
    return make_error("unknown format \"" + std::string(s) + "\": want docker-archive, oci-archive, oci-dir or docker-dir");
}

Result<void> save(const storage::StoreConfig& store, const std::vector<std::string>& names, const std::string& output,
                  const SaveOptions& opts, PushProgress& progress) {
    if (names.empty()) return make_error("save needs at least one image");
    bool dir_format = opts.format == SaveFormat::kOciDir || opts.format == SaveFormat::kDockerDir;
    if (dir_format && output.empty()) return make_error("--format " + std::string(opts.format == SaveFormat::kOciDir ? "oci-dir" : "docker-dir") +
                                                        " needs a directory: use -o DIR");
    if (opts.multi_image && opts.format != SaveFormat::kDockerArchive)
        return make_error("--multi-image-archive (-m) is only supported with --format docker-archive");

    std::vector<Named> images;
    if (opts.multi_image) {
        for (auto& n : names) images.push_back(TRY(resolve(store, n)));
    } else {
        images.push_back(TRY(resolve(store, names.front())));
        // Further names are more tags for the one image.
        for (size_t i = 1; i < names.size(); i++)
            images.front().names.push_back(TRY_CTX(oci::normalize_local_name(names[i]), "save"));
    }

    WriteRequest req;
    switch (opts.format) {
        case SaveFormat::kDockerArchive:
            req.layout = Layout::kDockerArchive;
            req.compression = storage::Compression::kNone;
            break;
        case SaveFormat::kOciArchive:
        case SaveFormat::kOciDir:
            req.layout = Layout::kOci;
            req.compression = opts.uncompressed ? storage::Compression::kNone : storage::Compression::kGzip;
            break;
        case SaveFormat::kDockerDir:
            req.layout = Layout::kDir;
            req.compression = opts.compress ? storage::Compression::kGzip : storage::Compression::kNone;
            break;
    }
    if (!dir_format) {
        TRY(write_archive(store, images, output, req, progress));
        return {};
    }
    TRY(write_layout(store, images, output, req, progress));
    return {};
}

Result<PushedImage> push_to_transport(const storage::StoreConfig& store, const storage::ImageRecord& image,
                                      const std::string& destination, const PushOptions& opts, PushProgress& progress) {
    std::string transport = destination.substr(0, destination.find(':'));
    std::string path = destination.substr(transport.size() + 1), ref;
    if (transport != "dir") {
        if (auto colon = path.find(':'); colon != std::string::npos) {
            ref = path.substr(colon + 1);
            path.resize(colon);
        }
    }
    if (path.empty()) return make_error("invalid destination " + destination + ": no path");
    Named n{image, {}};
    WriteRequest req;
    req.compression_level = opts.compression_level;
    if (transport == "docker-archive") {
        req.layout = Layout::kDockerArchive;
        req.compression = storage::Compression::kNone;
        if (!ref.empty()) n.names.push_back(TRY_CTX(oci::normalize_local_name(ref), "docker-archive:" + path));
    } else if (transport == "dir") {
        req.layout = Layout::kDir;
        req.compression = opts.compression.value_or(storage::Compression::kNone);
    } else {
        req.layout = Layout::kOci;
        req.compression = opts.compression.value_or(storage::Compression::kGzip);
        req.oci_ref_name_override = ref;
    }
    Counting counting(progress);
    std::string digest = transport == "oci" || transport == "dir"
                             ? TRY(write_layout(store, {n}, path, req, counting))
                             : TRY(write_archive(store, {n}, path, req, counting));
    if (!opts.digestfile.empty()) TRY(fs::write_file_atomic(opts.digestfile, digest));
    return PushedImage{digest, counting.written, counting.skipped};
}

}  // namespace skiff::engine
