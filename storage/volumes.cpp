#include "skiff/storage/volumes.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::storage {

namespace {

std::string volume_dir(const StoreConfig& s, const std::string& name) { return fs::join(volumes_dir(s), name); }

std::string serialize(const Volume& v) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    json::put(w, "name", v.name);
    w.Key("created_ns");
    w.Int64(v.created_ns);
    w.Key("anonymous");
    w.Bool(v.anonymous);
    w.Key("populated");
    w.Bool(v.populated);
    w.Key("mounted");
    w.Bool(v.mounted);
    json::put_string_map(w, "labels", v.labels);
    json::put_string_map(w, "options", v.options);
    w.EndObject();
    return buf.GetString();
}

Result<Volume> parse(const StoreConfig& s, const std::string& name, std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return make_error("volume " + name + ": corrupt record");
    Volume v;
    v.name = name;
    v.mountpoint = volume_data_dir(s, name);
    if (auto it = d.FindMember("created_ns"); it != d.MemberEnd() && it->value.IsInt64()) v.created_ns = it->value.GetInt64();
    if (auto it = d.FindMember("anonymous"); it != d.MemberEnd() && it->value.IsBool()) v.anonymous = it->value.GetBool();
    if (auto it = d.FindMember("populated"); it != d.MemberEnd() && it->value.IsBool()) v.populated = it->value.GetBool();
    v.mounted = v.populated;  // an older record: filled meant mounted
    if (auto it = d.FindMember("mounted"); it != d.MemberEnd() && it->value.IsBool()) v.mounted = it->value.GetBool();
    if (auto it = d.FindMember("labels"); it != d.MemberEnd() && it->value.IsObject())
        for (auto& m : it->value.GetObject())
            if (m.value.IsString()) v.labels[m.name.GetString()] = m.value.GetString();
    if (auto it = d.FindMember("options"); it != d.MemberEnd() && it->value.IsObject())
        for (auto& m : it->value.GetObject())
            if (m.value.IsString()) v.options[m.name.GetString()] = m.value.GetString();
    return v;
}

// What killed creates and removes left behind. Called under the volumes' lock, which every create
// and remove holds: no staging or trash directory is in use meanwhile.
void sweep(const StoreConfig& s) {
    auto entries = fs::list_dir(volumes_dir(s));
    for (auto& entry : entries.ok() ? *entries : std::vector<std::string>{})
        if (entry.starts_with(".trash-") || entry.starts_with(".staging-")) (void)fs::remove_all(fs::join(volumes_dir(s), entry));
}

}  // namespace

std::string volumes_dir(const StoreConfig& s) { return s.volume_path.empty() ? fs::join(s.root, "volumes") : s.volume_path; }

bool volume_mounts_device(const Volume& v) {
    return v.options.count("type") || v.options.count("device") || v.options.count("o");
}

bool valid_volume_name(std::string_view name) { return valid_name(name); }

std::string volume_data_dir(const StoreConfig& s, const std::string& name) { return fs::join(volume_dir(s, name), "_data"); }

std::string volume_named_by(const StoreConfig& s, std::string_view path) {
    std::string prefix = volumes_dir(s) + "/";
    constexpr std::string_view data = "/_data";
    if (!path.starts_with(prefix) || !path.ends_with(data) || path.size() <= prefix.size() + data.size()) return "";
    std::string name(path.substr(prefix.size(), path.size() - prefix.size() - data.size()));
    return valid_volume_name(name) ? name : "";
}

Result<FileLock> lock_volumes(const StoreConfig& s) {
    std::string dir = fs::join(s.runroot, "locks");
    TRY(fs::mkdir_p(dir, 0700));
    return FileLock::acquire(fs::join(dir, "volumes"));
}

Result<Volume> create_volume(const StoreConfig& s, const std::string& name, bool anonymous,
                             const std::map<std::string, std::string>& labels,
                             const std::map<std::string, std::string>& options) {
    if (!valid_volume_name(name))
        return make_error("invalid volume name \"" + name + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    Volume v{name, volume_data_dir(s, name), now_ns(), anonymous, false, false, labels, options};
    TRY(fs::mkdir_p(volumes_dir(s), 0700));
    sweep(s);
    std::string staging = fs::join(volumes_dir(s), ".staging-" + str::random_hex(16));
    auto cleanup = [&] { (void)fs::remove_all(staging); };
    if (::mkdir(staging.c_str(), 0700) < 0) return sys_error("create volume " + name);
    if (::mkdir(fs::join(staging, "_data").c_str(), 0755) < 0) {
        Error e = sys_error("create volume " + name);
        cleanup();
        return e;
    }
    if (auto w = fs::write_file_atomic(fs::join(staging, "volume.json"), serialize(v)); !w.ok()) {
        cleanup();
        return w.take_error();
    }
    // rename(2) onto an existing non-empty directory fails: the name is taken.
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, volume_dir(s, name).c_str(), RENAME_NOREPLACE) < 0) {
        int err = errno;
        cleanup();
        if (err == EEXIST || err == ENOTEMPTY) {
            Error e = make_error("volume with name " + name + " already exists: volume already exists");
            e.code = EEXIST;
            return e;
        }
        return sys_error("create volume " + name, err);
    }
    (void)fs::fsync_dir(volumes_dir(s));
    return v;
}

Result<Volume> find_volume(const StoreConfig& s, const std::string& name) {
    if (!valid_volume_name(name)) return missing_error("no volume with name \"" + name + "\" found: no such volume");
    auto text = fs::read_file(fs::join(volume_dir(s, name), "volume.json"));
    if (!text.ok()) {
        if (text.error().code == ENOENT) return missing_error("no volume with name \"" + name + "\" found: no such volume");
        return text.take_error();
    }
    return parse(s, name, *text);
}

Result<std::vector<Volume>> list_volumes(const StoreConfig& s) {
    std::vector<Volume> out;
    for (auto& name : TRY(fs::list_dir(volumes_dir(s)))) {
        if (name.starts_with(".")) continue;  // staging and trash
        auto v = find_volume(s, name);
        if (v.ok()) out.push_back(v.take());
        else if (!v.error().missing) return v.take_error();
    }
    return out;
}

Result<void> remove_volume(const StoreConfig& s, const std::string& name) {
    TRY(find_volume(s, name));
    if (mounted_at(volume_data_dir(s, name))) TRY(sys::umount(volume_data_dir(s, name), MNT_DETACH));
    std::string trash = fs::join(volumes_dir(s), ".trash-" + str::random_hex(16));
    if (::rename(volume_dir(s, name).c_str(), trash.c_str()) < 0) return sys_error("remove volume " + name);
    sweep(s);  // the volume is gone once renamed aside: deleting its files is best effort
    return {};
}

Result<void> mark_volume_populated(const StoreConfig& s, const Volume& v) {
    Volume done = v;
    done.populated = done.mounted = true;
    return fs::write_file_atomic(fs::join(volume_dir(s, v.name), "volume.json"), serialize(done));
}

Result<void> mark_volume_mounted(const StoreConfig& s, const Volume& v) {
    Volume done = v;
    done.mounted = true;
    return fs::write_file_atomic(fs::join(volume_dir(s, v.name), "volume.json"), serialize(done));
}

}  // namespace skiff::storage
