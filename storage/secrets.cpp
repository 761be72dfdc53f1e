#include "skiff/storage/secrets.hpp"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"

namespace skiff::storage {

namespace {

std::string list_path(const StoreConfig& s) { return fs::join(secrets_dir(s), "secrets.json"); }
std::string data_dir(const StoreConfig& s) { return fs::join(secrets_dir(s), "data"); }

std::string serialize(const std::vector<Secret>& secrets) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartArray();
    for (const Secret& sec : secrets) {
        w.StartObject();
        json::put(w, "id", sec.id);
        json::put(w, "name", sec.name);
        w.Key("created_ns");
        w.Int64(sec.created_ns);
        w.Key("updated_ns");
        w.Int64(sec.updated_ns);
        json::put_string_map(w, "labels", sec.labels);
        w.EndObject();
    }
    w.EndArray();
    return buf.GetString();
}

Result<std::vector<Secret>> read_list(const StoreConfig& s) {
    auto text = fs::read_file(list_path(s));
    if (!text.ok()) {
        if (text.error().code == ENOENT) return std::vector<Secret>{};
        return text.take_error();
    }
    rapidjson::Document d;
    d.Parse(text->data(), text->size());
    if (d.HasParseError() || !d.IsArray()) return make_error(list_path(s) + ": corrupt secrets list");
    std::vector<Secret> out;
    for (auto& v : d.GetArray()) {
        if (!v.IsObject()) continue;
        Secret sec;
        sec.id = json::get_string(v, "id");
        sec.name = json::get_string(v, "name");
        sec.created_ns = json::get_int(v, "created_ns");
        sec.updated_ns = json::get_int(v, "updated_ns");
        sec.labels = json::get_string_map(v, "labels");
        if (!sec.id.empty() && !sec.name.empty()) out.push_back(std::move(sec));
    }
    return out;
}

// Data that no listed secret owns: what a killed create wrote before the list named it.
void sweep(const StoreConfig& s, const std::vector<Secret>& listed) {
    auto entries = fs::list_dir(data_dir(s));
    for (auto& e : entries.ok() ? *entries : std::vector<std::string>{})
        if (std::none_of(listed.begin(), listed.end(), [&](const Secret& sec) { return sec.id == e; }))
            (void)::unlink(fs::join(data_dir(s), e).c_str());
}

Error no_such(const std::string& name_or_id) {
    return missing_error("no secret with name or id \"" + name_or_id + "\": no such secret");
}

}  // namespace

bool valid_secret_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    if (!alnum(name.front()) || !alnum(name.back())) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string secrets_dir(const StoreConfig& s) { return fs::join(s.root, "secrets"); }
std::string secret_data_path(const StoreConfig& s, const std::string& id) { return fs::join(data_dir(s), id); }

Result<FileLock> lock_secrets(const StoreConfig& s) {
    std::string dir = fs::join(s.runroot, "locks");
    TRY(fs::mkdir_p(dir, 0700));
    return FileLock::acquire(fs::join(dir, "secrets"));
}

Result<Secret> create_secret(const StoreConfig& s, const std::string& name, std::string_view data,
                             const std::map<std::string, std::string>& labels) {
    if (!valid_secret_name(name))
        return make_error("only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be "
                          "[a-zA-Z0-9]: " + name + ": invalid secret name");
    if (data.empty() || data.size() >= kMaxSecretSize)
        return make_error("secret data must be larger than 0 and less than 512000 bytes");
    auto secrets = TRY(read_list(s));
    if (std::any_of(secrets.begin(), secrets.end(), [&](const Secret& sec) { return sec.name == name; })) {
        Error e = make_error(name + ": secret name in use");
        e.code = EEXIST;
        return e;
    }
    TRY(fs::mkdir_p(secrets_dir(s), 0700));
    TRY(fs::mkdir_p(data_dir(s), 0700));
    sweep(s, secrets);
    Secret sec;
    do {
        sec.id = str::random_hex(13).substr(0, 25);
    } while (std::any_of(secrets.begin(), secrets.end(), [&](const Secret& o) { return o.id == sec.id; }));
    sec.name = name;
    sec.created_ns = sec.updated_ns = now_ns();
    sec.labels = labels;
    TRY(fs::write_file_atomic(secret_data_path(s, sec.id), data, fs::Durability::kFsync, 0600));
    secrets.push_back(sec);
    if (auto w = fs::write_file_atomic(list_path(s), serialize(secrets), fs::Durability::kFsync, 0600); !w.ok()) {
        (void)::unlink(secret_data_path(s, sec.id).c_str());
        return w.take_error().context("creating secret " + name);
    }
    return sec;
}

Result<Secret> find_secret(const StoreConfig& s, const std::string& name_or_id) {
    auto secrets = TRY(read_list(s));
    for (auto& sec : secrets)
        if (sec.name == name_or_id || sec.id == name_or_id) return sec;
    const Secret* found = nullptr;
    for (auto& sec : secrets) {
        if (name_or_id.empty() || !sec.id.starts_with(name_or_id)) continue;
        if (found) return make_error("more than one result secret with prefix " + name_or_id + ": secret is ambiguous");
        found = &sec;
    }
    if (!found) return no_such(name_or_id);
    return *found;
}

Result<std::vector<Secret>> list_secrets(const StoreConfig& s) { return read_list(s); }

Result<std::string> read_secret_data(const StoreConfig& s, const Secret& secret) {
    auto data = fs::read_file(secret_data_path(s, secret.id));
    if (!data.ok() && data.error().code == ENOENT) return no_such(secret.name);
    return data;
}

Result<void> remove_secret(const StoreConfig& s, const std::string& id) {
    auto secrets = TRY(read_list(s));
    auto it = std::find_if(secrets.begin(), secrets.end(), [&](const Secret& sec) { return sec.id == id; });
    if (it == secrets.end()) return no_such(id);
    secrets.erase(it);
    TRY(fs::write_file_atomic(list_path(s), serialize(secrets), fs::Durability::kFsync, 0600));
    (void)::unlink(secret_data_path(s, id).c_str());
    return {};
}

}  // namespace skiff::storage
