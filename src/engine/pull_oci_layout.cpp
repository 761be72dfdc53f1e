// An OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>) as an ImageSource.
#include <fcntl.h>
#include <sys/stat.h>

#include <rapidjson/document.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/digest.hpp"

namespace skiff::engine {

namespace {

constexpr uint64_t kMaxBlobInMemory = 64 << 20;  // as oci::Registry::fetch_blob

// Reads a blob file lazily: opened on the first read.
class LazyFileSource : public storage::ByteSource {
public:
    explicit LazyFileSource(std::string path) : path_(std::move(path)) {}
    Result<size_t> read(char* buf, size_t len) override {
        if (!fd_) fd_ = TRY(sys::open(path_, O_RDONLY | O_CLOEXEC));
        storage::FdSource src(fd_.get());
        return src.read(buf, len);
    }

private:
    std::string path_;
    unique_fd fd_;
};

class OciLayoutSource : public ImageSource {
public:
    explicit OciLayoutSource(std::string dir) : dir_(std::move(dir)) {}

    Result<oci::ManifestBytes> get_manifest(const std::string& tag_or_digest) override {
        std::string digest = tag_or_digest;
        std::string media_type;
        if (digest.rfind("sha256:", 0) != 0) {
            auto entry = TRY(find_in_index(tag_or_digest));
            digest = entry.digest;
            media_type = entry.media_type;
        }
        auto d = TRY(oci::parse_digest(digest));
        std::string path = blob_file(d);
        struct stat st;
        if (::stat(path.c_str(), &st) < 0) return sys_error("manifest " + digest + ": stat " + path);
        if (static_cast<size_t>(st.st_size) > oci::kMaxManifestBytes)
            return make_error("manifest " + digest + ": " + std::to_string(st.st_size) + " bytes, larger than the " +
                              std::to_string(oci::kMaxManifestBytes) + " allowed");
        oci::ManifestBytes m;
        m.bytes = TRY(fs::read_file(path));
        m.media_type = media_type;
        m.digest = digest;
        return m;
    }

    // Read whole into memory (a config): no larger than a registry's would be taken.
    Result<std::string> get_blob(const oci::Descriptor& desc) override {
        auto d = TRY(oci::parse_digest(desc.digest));
        std::string path = blob_file(d);
        struct stat st;
        if (::stat(path.c_str(), &st) < 0) return sys_error("blob " + desc.digest + ": stat " + path);
        if (static_cast<uint64_t>(st.st_size) > kMaxBlobInMemory)
            return make_error("blob " + desc.digest + ": " + std::to_string(st.st_size) + " bytes, larger than the " +
                              std::to_string(kMaxBlobInMemory) + " allowed");
        return fs::read_file(path);
    }

    Result<std::unique_ptr<storage::ByteSource>> open_blob(const oci::Descriptor& desc) override {
        auto d = TRY(oci::parse_digest(desc.digest));
        return std::unique_ptr<storage::ByteSource>(std::make_unique<LazyFileSource>(blob_file(d)));
    }

private:
    std::string blob_file(const oci::Digest& d) const { return fs::join(dir_, "blobs/" + d.algorithm + "/" + d.hex); }

    Result<oci::Descriptor> find_in_index(const std::string& tag) {
        std::string raw = TRY_CTX(fs::read_file(fs::join(dir_, "index.json")), "OCI layout " + dir_);
        auto index = TRY_CTX(oci::parse_index(raw), "OCI layout " + dir_);
        if (tag.empty()) {
            if (index.manifests.size() == 1) return index.manifests.front();
            return make_error("OCI layout " + dir_ + ": " + std::to_string(index.manifests.size()) +
                              " images in index.json: name one");
        }
        for (auto& m : index.manifests) {
            auto it = m.annotations.find(std::string(oci::kAnnotationRefName));
            if (it != m.annotations.end() && it->second == tag) return m;
        }
        return make_error("OCI layout " + dir_ + ": no image named \"" + tag + "\" in index.json");
    }

    std::string dir_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& dir) {
    std::string layout = fs::join(dir, "oci-layout");
    if (!sys::exists(layout)) return make_error("OCI layout " + dir + ": no oci-layout file");
    return std::unique_ptr<ImageSource>(std::make_unique<OciLayoutSource>(dir));
}

}  // namespace skiff::engine
