// Small RapidJSON helpers for the modules that read and write JSON records (oci, storage, engine).
// Base-internal: reached only through base_json_dep, never included by a header under include/skiff.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace skiff::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline std::string get_string(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsString()) return {};
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

inline std::vector<std::string> get_strings(const rapidjson::Value& o, const char* key) {
    std::vector<std::string> out;
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsArray()) return out;
    for (auto& v : it->value.GetArray())
        if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
}

inline std::map<std::string, std::string> get_string_map(const rapidjson::Value& o, const char* key) {
    std::map<std::string, std::string> out;
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsObject()) return out;
    for (auto& m : it->value.GetObject())
        if (m.value.IsString())
            out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                        std::string(m.value.GetString(), m.value.GetStringLength()));
    return out;
}

inline uint64_t get_uint(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

inline int64_t get_int(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

inline void write_string(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()), true);
}

inline void put(Writer& w, const char* key, std::string_view value) {
    w.Key(key);
    write_string(w, value);
}

inline void put_nonempty(Writer& w, const char* key, std::string_view value) {
    if (!value.empty()) put(w, key, value);
}

inline void put_strings(Writer& w, const char* key, const std::vector<std::string>& values) {
    w.Key(key);
    w.StartArray();
    for (auto& v : values) write_string(w, v);
    w.EndArray();
}

inline void put_string_map(Writer& w, const char* key, const std::map<std::string, std::string>& m) {
    w.Key(key);
    w.StartObject();
    for (auto& [k, v] : m) {
        write_string(w, k);
        write_string(w, v);
    }
    w.EndObject();
}

// The document re-serialized compactly (a sub-object kept as text, for example).
inline std::string to_string(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace skiff::json
