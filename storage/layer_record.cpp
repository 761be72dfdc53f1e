// The codec of layer.json.
#include "layer_record.hpp"

#include "skiff/base/json_record.hpp"
#include "skiff/oci/digest.hpp"

namespace skiff::storage {

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


Result<LayerInfo> parse_layer_json(const std::string& diff_id, std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
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

}  // namespace skiff::storage
