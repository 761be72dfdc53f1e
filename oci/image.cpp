#include "skiff/oci/image.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "skiff/base/json_record.hpp"
#include "skiff/oci/digest.hpp"

namespace skiff::oci {

namespace {

using json::get_string;
using json::get_strings;

std::optional<std::vector<std::string>> get_optional_strings(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsArray()) return std::nullopt;
    return get_strings(o, key);
}

// ExposedPorts and Volumes are objects whose keys matter and whose values are empty objects.
std::vector<std::string> get_keys(const rapidjson::Value& o, const char* key) {
    std::vector<std::string> out;
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsObject()) return out;
    for (auto& m : it->value.GetObject()) out.emplace_back(m.name.GetString(), m.name.GetStringLength());
    return out;
}

ContainerConfig parse_container_config(const rapidjson::Value& c) {
    ContainerConfig out;
    out.user = get_string(c, "User");
    out.env = get_strings(c, "Env");
    out.entrypoint = get_optional_strings(c, "Entrypoint");
    out.cmd = get_optional_strings(c, "Cmd");
    out.working_dir = get_string(c, "WorkingDir");
    out.labels = json::get_string_map(c, "Labels");
    out.stop_signal = get_string(c, "StopSignal");
    out.exposed_ports = get_keys(c, "ExposedPorts");
    out.volumes = get_keys(c, "Volumes");
    return out;
}

Result<std::vector<HistoryEntry>> parse_history(const rapidjson::Value& doc) {
    std::vector<HistoryEntry> out;
    auto it = doc.FindMember("history");
    if (it == doc.MemberEnd() || it->value.IsNull()) return out;
    if (!it->value.IsArray()) return make_error("image config: \"history\" is not an array");
    for (auto& h : it->value.GetArray()) {
        if (!h.IsObject()) return make_error("image config: a history entry is not an object");
        HistoryEntry e;
        e.created = get_string(h, "created");
        e.created_by = get_string(h, "created_by");
        e.author = get_string(h, "author");
        e.comment = get_string(h, "comment");
        auto empty = h.FindMember("empty_layer");
        e.empty_layer = empty != h.MemberEnd() && empty->value.IsBool() && empty->value.GetBool();
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::vector<std::string>> parse_diff_ids(const rapidjson::Value& doc) {
    std::vector<std::string> out;
    auto it = doc.FindMember("rootfs");
    if (it == doc.MemberEnd() || it->value.IsNull()) return out;
    if (!it->value.IsObject()) return make_error("image config: \"rootfs\" is not an object");
    const auto& rootfs = it->value;
    std::string type = get_string(rootfs, "type");
    if (!type.empty() && type != "layers")
        return make_error("image config: unsupported rootfs type \"" + type + "\"");
    auto ids = rootfs.FindMember("diff_ids");
    if (ids == rootfs.MemberEnd() || ids->value.IsNull()) return out;
    if (!ids->value.IsArray()) return make_error("image config: \"rootfs.diff_ids\" is not an array");
    for (auto& v : ids->value.GetArray()) {
        if (!v.IsString()) return make_error("image config: a diff id is not a string");
        std::string s(v.GetString(), v.GetStringLength());
        TRY_CTX(parse_digest(s), "image config");
        out.push_back(std::move(s));
    }
    return out;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put_key_set(Writer& w, const char* key, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    w.Key(key);
    w.StartObject();
    for (auto& k : keys) {
        json::write_string(w, k);
        w.StartObject();
        w.EndObject();
    }
    w.EndObject();
}

void write_container_config(Writer& w, const ContainerConfig& c) {
    w.StartObject();
    json::put_nonempty(w, "User", c.user);
    put_key_set(w, "ExposedPorts", c.exposed_ports);
    if (!c.env.empty()) json::put_strings(w, "Env", c.env);
    if (c.entrypoint) json::put_strings(w, "Entrypoint", *c.entrypoint);
    if (c.cmd) json::put_strings(w, "Cmd", *c.cmd);
    put_key_set(w, "Volumes", c.volumes);
    json::put_nonempty(w, "WorkingDir", c.working_dir);
    if (!c.labels.empty()) json::put_string_map(w, "Labels", c.labels);
    json::put_nonempty(w, "StopSignal", c.stop_signal);
    w.EndObject();
}

}  // namespace

Result<ImageConfig> parse_image_config(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) return make_error("image config: not valid JSON");
    if (!doc.IsObject()) return make_error("image config: not a JSON object");
    ImageConfig cfg;
    cfg.created = get_string(doc, "created");
    cfg.author = get_string(doc, "author");
    cfg.architecture = get_string(doc, "architecture");
    cfg.os = get_string(doc, "os");
    cfg.variant = get_string(doc, "variant");
    auto c = doc.FindMember("config");
    if (c != doc.MemberEnd() && c->value.IsObject()) cfg.config = parse_container_config(c->value);
    cfg.diff_ids = TRY(parse_diff_ids(doc));
    cfg.history = TRY(parse_history(doc));
    return cfg;
}

std::string serialize_image_config(const ImageConfig& cfg) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    json::put_nonempty(w, "created", cfg.created);
    json::put_nonempty(w, "author", cfg.author);
    json::put(w, "architecture", cfg.architecture);
    json::put(w, "os", cfg.os);
    json::put_nonempty(w, "variant", cfg.variant);
    w.Key("config");
    write_container_config(w, cfg.config);
    w.Key("rootfs");
    w.StartObject();
    json::put(w, "type", "layers");
    json::put_strings(w, "diff_ids", cfg.diff_ids);
    w.EndObject();
    if (!cfg.history.empty()) {
        w.Key("history");
        w.StartArray();
        for (auto& h : cfg.history) {
            w.StartObject();
            json::put_nonempty(w, "created", h.created);
            json::put_nonempty(w, "created_by", h.created_by);
            json::put_nonempty(w, "author", h.author);
            json::put_nonempty(w, "comment", h.comment);
            if (h.empty_layer) {
                w.Key("empty_layer");
                w.Bool(true);
            }
            w.EndObject();
        }
        w.EndArray();
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace skiff::oci
