// auth.json as podman and docker keep it: {"auths": {"KEY": {"auth": base64("user:pass")}}}.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/oci/auth.hpp"

namespace skiff::oci {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string home_dir() {
    std::string h = env("HOME");
    return h.empty() ? "/root" : h;
}

// "https://index.docker.io/v1/" → "docker.io"; "http://host:5000/v2/" → "host:5000"; "host/ns" kept.
std::string normalize_key(std::string_view key) {
    bool legacy = false;
    if (key.starts_with("https://")) {
        key.remove_prefix(8);
        legacy = true;
    } else if (key.starts_with("http://")) {
        key.remove_prefix(7);
        legacy = true;
    }
    std::string k(key);
    if (legacy) {
        size_t slash = k.find('/');
        if (slash != std::string::npos) k.resize(slash);  // a URL names a host only
    }
    if (k == "index.docker.io" || k == "registry-1.docker.io") k = "docker.io";
    return k;
}

Result<Credentials> decode_entry(const rapidjson::Value& entry, const std::string& file, const std::string& key) {
    Credentials c;
    std::string auth = json::get_string(entry, "auth");
    c.identity_token = json::get_string(entry, "identitytoken");
    if (!auth.empty()) {
        std::string plain = TRY_CTX(base64_decode(auth), "reading credentials for " + key + " in " + file);
        size_t colon = plain.find(':');
        if (colon == std::string::npos)
            return make_error("reading credentials for " + key + " in " + file + ": auth is not \"user:password\"");
        c.username = plain.substr(0, colon);
        c.password = plain.substr(colon + 1);
    }
    return c;
}

// Missing file: an empty document. Anything else unreadable or malformed: an error.
Result<rapidjson::Document> load(const std::string& file, bool* exists) {
    rapidjson::Document doc;
    auto text = fs::read_file(file);
    if (!text) {
        if (text.error().code == ENOENT) {
            *exists = false;
            doc.SetObject();
            return doc;
        }
        return text.take_error();
    }
    *exists = true;
    doc.Parse(text->data(), text->size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error("reading " + file + ": invalid JSON");
    return doc;
}

Result<void> save(const std::string& file, const rapidjson::Document& doc) {
    TRY(fs::mkdir_p(fs::dirname(file), 0700));
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent('\t', 1);
    doc.Accept(w);
    std::string text(buf.GetString(), buf.GetSize());
    text += '\n';
    return fs::write_file_atomic(file, text, fs::Durability::kFsync, 0600);
}

rapidjson::Value& auths_of(rapidjson::Document& doc) {
    auto it = doc.FindMember("auths");
    if (it == doc.MemberEnd() || !it->value.IsObject()) {
        if (it != doc.MemberEnd()) doc.RemoveMember(it);
        doc.AddMember("auths", rapidjson::Value(rapidjson::kObjectType), doc.GetAllocator());
        it = doc.FindMember("auths");
    }
    return it->value;
}

}  // namespace

std::string default_auth_file(const std::string& authfile_flag) {
    if (!authfile_flag.empty()) return authfile_flag;
    std::string from_env = env("REGISTRY_AUTH_FILE");
    if (!from_env.empty()) return from_env;
    // podman's: $XDG_RUNTIME_DIR/containers (a rootless user's runtime directory, whichever it is),
    // else root's /run/containers/0.
    if (rootless_process() || !env("XDG_RUNTIME_DIR").empty()) return user_runtime_dir() + "/containers/auth.json";
    return "/run/containers/" + std::to_string(invoking_uid()) + "/auth.json";
}

std::vector<std::string> auth_files_to_read(const std::string& authfile_flag) {
    if (!authfile_flag.empty()) return {authfile_flag};
    std::string from_env = env("REGISTRY_AUTH_FILE");
    if (!from_env.empty()) return {from_env};
    std::vector<std::string> files{default_auth_file()};
    std::string config = env("XDG_CONFIG_HOME");
    if (config.empty()) config = home_dir() + "/.config";
    files.push_back(config + "/containers/auth.json");
    files.push_back(home_dir() + "/.docker/config.json");
    return files;
}

Result<std::optional<Credentials>> find_credentials(const std::vector<std::string>& files, std::string_view registry,
                                                    std::string_view repository) {
    // Keys from the most specific to the least: host/a/b/c, host/a/b, host/a, host.
    std::vector<std::string> wanted;
    std::string full = normalize_key(registry);
    if (!repository.empty()) {
        std::string path = full + "/" + std::string(repository);
        while (path.size() > full.size()) {
            wanted.push_back(path);
            path.resize(path.rfind('/'));
        }
    }
    wanted.push_back(full);

    for (const auto& file : files) {
        bool exists = false;
        auto doc = TRY(load(file, &exists));
        if (!exists) continue;
        auto it = doc.FindMember("auths");
        if (it == doc.MemberEnd() || !it->value.IsObject()) continue;
        for (const auto& key : wanted) {
            for (auto& m : it->value.GetObject()) {
                std::string k(m.name.GetString(), m.name.GetStringLength());
                if (normalize_key(k) != key || !m.value.IsObject()) continue;
                Credentials c = TRY(decode_entry(m.value, file, k));
                if (!c.empty()) return std::optional<Credentials>(std::move(c));
            }
        }
    }
    return std::optional<Credentials>();
}

Result<void> store_credentials(const std::string& file, const std::string& key, const Credentials& c) {
    bool exists = false;
    auto doc = TRY(load(file, &exists));
    auto& alloc = doc.GetAllocator();
    auto& auths = auths_of(doc);
    auths.RemoveMember(key.c_str());
    rapidjson::Value entry(rapidjson::kObjectType);
    std::string encoded = base64_encode(c.username + ":" + c.password);
    entry.AddMember("auth", rapidjson::Value(encoded.c_str(), alloc), alloc);
    auths.AddMember(rapidjson::Value(key.c_str(), alloc), entry, alloc);
    TRY_CTX(save(file, doc), "writing credentials to " + file);
    return {};
}

Result<bool> remove_credentials(const std::string& file, const std::string& key) {
    bool exists = false;
    auto doc = TRY(load(file, &exists));
    if (!exists) return false;
    auto& auths = auths_of(doc);
    bool removed = false;
    for (auto m = auths.MemberBegin(); m != auths.MemberEnd();) {
        std::string k(m->name.GetString(), m->name.GetStringLength());
        if (k == key || normalize_key(k) == normalize_key(key)) {
            m = auths.EraseMember(m);
            removed = true;
        } else {
            ++m;
        }
    }
    if (!removed) return false;
    TRY_CTX(save(file, doc), "writing " + file);
    return true;
}

Result<bool> remove_all_credentials(const std::string& file) {
    bool exists = false;
    auto doc = TRY(load(file, &exists));
    if (!exists) return false;
    auto& auths = auths_of(doc);
    bool had = auths.MemberCount() > 0;
    auths.RemoveAllMembers();
    TRY_CTX(save(file, doc), "writing " + file);
    return had;
}

}  // namespace skiff::oci
