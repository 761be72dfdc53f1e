#include "skiff/oci/manifest.hpp"

#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/oci/digest.hpp"

namespace skiff::oci {

namespace {

Result<rapidjson::Document> parse_object(std::string_view text, const char* what) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) return make_error(std::string(what) + ": not valid JSON");
    if (!doc.IsObject()) return make_error(std::string(what) + ": not a JSON object");
    return doc;
}

Result<Descriptor> parse_descriptor(const rapidjson::Value& v, const char* what) {
    if (!v.IsObject()) return make_error(std::string(what) + ": a descriptor is not an object");
    Descriptor d;
    d.media_type = json::get_string(v, "mediaType");
    d.digest = json::get_string(v, "digest");
    TRY_CTX(parse_digest(d.digest), what);
    d.size = json::get_int(v, "size");
    if (d.size < 0) return make_error(std::string(what) + ": negative size for " + d.digest);
    d.annotations = json::get_string_map(v, "annotations");
    auto p = v.FindMember("platform");
    if (p != v.MemberEnd() && p->value.IsObject()) {
        d.platform.os = json::get_string(p->value, "os");
        d.platform.architecture = json::get_string(p->value, "architecture");
        d.platform.variant = json::get_string(p->value, "variant");
        d.platform.os_version = json::get_string(p->value, "os.version");
        d.platform.os_features = json::get_strings(p->value, "os.features");
        d.platform.features = json::get_strings(p->value, "features");
    }
    return d;
}

void write_descriptor(json::Writer& w, const Descriptor& d) {
    w.StartObject();
    json::put(w, "mediaType", d.media_type);
    json::put(w, "digest", d.digest);
    w.Key("size");
    w.Int64(d.size);
    if (!d.annotations.empty()) json::put_string_map(w, "annotations", d.annotations);
    if (!d.platform.os.empty() || !d.platform.architecture.empty()) {
        w.Key("platform");
        w.StartObject();
        json::put(w, "architecture", d.platform.architecture);
        json::put(w, "os", d.platform.os);
        json::put_nonempty(w, "os.version", d.platform.os_version);
        if (!d.platform.os_features.empty()) json::put_strings(w, "os.features", d.platform.os_features);
        json::put_nonempty(w, "variant", d.platform.variant);
        if (!d.platform.features.empty()) json::put_strings(w, "features", d.platform.features);
        w.EndObject();
    }
    w.EndObject();
}

}  // namespace

bool is_index_media_type(std::string_view t) { return t == kMediaTypeImageIndex || t == kMediaTypeDockerManifestList; }

bool is_manifest_media_type(std::string_view t) { return t == kMediaTypeImageManifest || t == kMediaTypeDockerManifest; }

bool is_layer_media_type(std::string_view t) {
    return t == kMediaTypeLayerTar || t == kMediaTypeLayerGzip || t == kMediaTypeLayerZstd ||
           t == kMediaTypeDockerLayerTar || t == kMediaTypeDockerLayerGzip ||
           t == "application/vnd.docker.image.rootfs.diff.tar.zstd" ||
           t == "application/vnd.oci.image.layer.nondistributable.v1.tar" ||
           t == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" ||
           t == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" ||
           t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}

Result<std::string> manifest_kind(const ManifestBytes& m) {
    std::string declared = m.media_type;
    if (auto semi = declared.find(';'); semi != std::string::npos)
        declared = std::string(str::trim(std::string_view(declared).substr(0, semi)));
    rapidjson::Document doc;
    doc.Parse(m.bytes.data(), m.bytes.size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error("manifest: malformed JSON");
    std::string inner;
    if (auto it = doc.FindMember("mediaType"); it != doc.MemberEnd() && it->value.IsString())
        inner = it->value.GetString();
    int schema = 0;
    if (auto it = doc.FindMember("schemaVersion"); it != doc.MemberEnd() && it->value.IsInt())
        schema = it->value.GetInt();
    auto schema1 = [](std::string_view t) {
        return t == kMediaTypeDockerSchema1 || t == kMediaTypeDockerSchema1Signed;
    };
    if (schema == 1 || schema1(declared) || schema1(inner))
        return make_error("manifest: Docker schema 1 images are not supported (deprecated, convert with a newer "
                          "registry or tool)");
    // The JSON's own mediaType wins over a generic Content-Type (application/json, octet-stream).
    std::string t = !inner.empty() ? inner : declared;
    if (t.empty() || t == "application/json" || t == "application/octet-stream" || t == "text/plain") {
        if (doc.HasMember("manifests")) return std::string(kMediaTypeImageIndex);
        if (doc.HasMember("config") && doc.HasMember("layers")) return std::string(kMediaTypeImageManifest);
        return make_error("manifest: neither an image manifest nor an index");
    }
    if (is_index_media_type(t) || is_manifest_media_type(t)) return t;
    return make_error("manifest: unsupported media type \"" + t + "\"");
}

Result<void> check_image_manifest(const Manifest& m, const std::string& digest) {
    auto& ct = m.config.media_type;
    if (!ct.empty() && ct != kMediaTypeImageConfig && ct != kMediaTypeDockerConfig)
        return make_error("manifest " + digest + ": config media type \"" + ct + "\" is not a container image");
    TRY_CTX(parse_digest(m.config.digest), "manifest " + digest + ": config");
    for (auto& l : m.layers) {
        TRY_CTX(parse_digest(l.digest), "manifest " + digest + ": layer");
        if (!l.media_type.empty() && !is_layer_media_type(l.media_type))
            return make_error("manifest " + digest + ": layer " + l.digest + ": unknown media type \"" +
                              l.media_type + "\"");
    }
    return {};
}

Result<Manifest> parse_manifest(std::string_view text) {
    auto doc = TRY(parse_object(text, "image manifest"));
    Manifest m;
    m.schema_version = static_cast<int>(json::get_int(doc, "schemaVersion"));
    if (m.schema_version != 2)
        return make_error("image manifest: unsupported schema version " + std::to_string(m.schema_version));
    m.media_type = json::get_string(doc, "mediaType");
    if (!m.media_type.empty() && !is_manifest_media_type(m.media_type))
        return make_error("image manifest: unsupported media type \"" + m.media_type + "\"");
    auto cfg = doc.FindMember("config");
    if (cfg == doc.MemberEnd()) return make_error("image manifest: no config");
    m.config = TRY(parse_descriptor(cfg->value, "image manifest"));
    auto layers = doc.FindMember("layers");
    if (layers != doc.MemberEnd() && !layers->value.IsNull()) {
        if (!layers->value.IsArray()) return make_error("image manifest: \"layers\" is not an array");
        for (auto& l : layers->value.GetArray()) m.layers.push_back(TRY(parse_descriptor(l, "image manifest")));
    }
    m.annotations = json::get_string_map(doc, "annotations");
    return m;
}

std::string serialize_manifest(const Manifest& m) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    w.Key("schemaVersion");
    w.Int(m.schema_version);
    json::put_nonempty(w, "mediaType", m.media_type);
    w.Key("config");
    write_descriptor(w, m.config);
    w.Key("layers");
    w.StartArray();
    for (auto& l : m.layers) write_descriptor(w, l);
    w.EndArray();
    if (!m.annotations.empty()) json::put_string_map(w, "annotations", m.annotations);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string serialize_index(const Index& idx) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    w.Key("schemaVersion");
    w.Int(idx.schema_version);
    json::put_nonempty(w, "mediaType", idx.media_type);
    w.Key("manifests");
    w.StartArray();
    for (auto& d : idx.manifests) write_descriptor(w, d);
    w.EndArray();
    if (!idx.annotations.empty()) json::put_string_map(w, "annotations", idx.annotations);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

Result<Index> parse_index(std::string_view text) {
    auto doc = TRY(parse_object(text, "image index"));
    Index idx;
    idx.schema_version = static_cast<int>(json::get_int(doc, "schemaVersion"));
    if (idx.schema_version != 2)
        return make_error("image index: unsupported schema version " + std::to_string(idx.schema_version));
    idx.media_type = json::get_string(doc, "mediaType");
    auto list = doc.FindMember("manifests");
    if (list == doc.MemberEnd() || !(list->value.IsArray() || list->value.IsNull()))
        return make_error("image index: no \"manifests\" array");
    if (list->value.IsArray())  // null: an empty list as podman writes one
        for (auto& d : list->value.GetArray()) idx.manifests.push_back(TRY(parse_descriptor(d, "image index")));
    idx.annotations = json::get_string_map(doc, "annotations");
    return idx;
}

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsArray()) return make_error("docker-archive manifest.json: not a JSON array");
    std::vector<DockerArchiveImage> out;
    for (auto& v : doc.GetArray()) {
        if (!v.IsObject()) return make_error("docker-archive manifest.json: an entry is not an object");
        DockerArchiveImage img;
        img.config = json::get_string(v, "Config");
        if (img.config.empty()) return make_error("docker-archive manifest.json: an entry has no Config");
        img.repo_tags = json::get_strings(v, "RepoTags");
        img.layers = json::get_strings(v, "Layers");
        out.push_back(std::move(img));
    }
    return out;
}

}  // namespace skiff::oci
