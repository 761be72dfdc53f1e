#include "skiff/storage/images.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "skiff/base/fs.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/lock.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/base/time.hpp"
#include "skiff/storage/blobs.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

namespace {

constexpr size_t kMaxEncodedName = 200;

std::string images_dir(const StoreConfig& s) { return fs::join(s.root, "images"); }
std::string names_dir(const StoreConfig& s) { return fs::join(images_dir(s), "names"); }
std::string record_path(const StoreConfig& s, const std::string& id) { return fs::join(images_dir(s), id + ".json"); }

Result<FileLock> store_lock(const StoreConfig& s) {
    std::string dir = fs::join(s.runroot, "locks");
    TRY(fs::mkdir_p(dir, 0700));
    return FileLock::acquire(fs::join(dir, "images"));
}

Error not_known(std::string_view what) { return missing_error(std::string(what) + ": image not known"); }

std::string serialize_record(const ImageRecord& r, const rapidjson::Value& config) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    json::put(w, "id", r.id);
    json::put_strings(w, "names", r.names);
    json::put_strings(w, "names_history", r.names_history);
    json::put(w, "digest", r.digest);
    json::put_strings(w, "digests", r.digests);
    json::put(w, "manifest_media_type", r.manifest_media_type);
    json::put(w, "created", r.created);
    w.Key("size");
    w.Uint64(r.size);
    if (r.manifest_list) {
        w.Key("manifest_list");
        w.Bool(true);
        json::put_string_map(w, "instances", r.instances);
    }
    w.Key("config");
    config.Accept(w);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

// The record and its config as a JSON value (kept verbatim for rewriting the record).
struct LoadedRecord {
    ImageRecord record;
    rapidjson::Document doc;
};

Result<LoadedRecord> load_record(const StoreConfig& s, const std::string& id) {
    auto text = fs::read_file(record_path(s, id));
    if (!text.ok()) {
        if (text.error().code == ENOENT) return not_known(id);
        return text.take_error();
    }
    LoadedRecord out;
    out.doc.Parse(text->data(), text->size());
    if (out.doc.HasParseError() || !out.doc.IsObject()) return make_error("image " + id + ": corrupt record");
    ImageRecord& r = out.record;
    r.id = json::get_string(out.doc, "id");
    r.names = json::get_strings(out.doc, "names");
    r.names_history = json::get_strings(out.doc, "names_history");
    r.digest = json::get_string(out.doc, "digest");
    r.digests = json::get_strings(out.doc, "digests");
    r.manifest_media_type = json::get_string(out.doc, "manifest_media_type");
    r.created = json::get_string(out.doc, "created");
    r.size = json::get_uint(out.doc, "size");
    if (auto l = out.doc.FindMember("manifest_list"); l != out.doc.MemberEnd() && l->value.IsBool())
        r.manifest_list = l->value.GetBool();
    r.instances = json::get_string_map(out.doc, "instances");
    auto cfg = out.doc.FindMember("config");
    if (cfg == out.doc.MemberEnd() || !cfg->value.IsObject()) return make_error("image " + id + ": record has no config");
    r.config = TRY_CTX(oci::parse_image_config(json::to_string(cfg->value)), "image " + id);
    if (!r.created.empty()) {
        auto ns = parse_rfc3339(r.created);
        if (ns.ok()) r.created_ns = *ns;
    }
    return out;
}

Result<void> write_record(const StoreConfig& s, const LoadedRecord& lr) {
    auto cfg = lr.doc.FindMember("config");
    return fs::write_file_atomic(record_path(s, lr.record.id), serialize_record(lr.record, cfg->value));
}

std::optional<std::string> read_name(const StoreConfig& s, const std::string& name) {
    std::string link = fs::join(names_dir(s), encode_name(name));
    char buf[128];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

// Name writers hold the image store's lock (store.hpp) while their temporary links exist: one
// found by the next writer is a killed writer's.
void sweep_name_tmps(const std::string& dir) {
    auto entries = fs::list_dir(dir);
    if (!entries.ok()) return;
    for (auto& n : *entries)
        if (str::starts_with(n, ".tmp-")) ::unlink(fs::join(dir, n).c_str());
}

// Point the name at `id`, replacing any earlier link atomically.
Result<void> write_name(const StoreConfig& s, const std::string& name, const std::string& id) {
    std::string dir = names_dir(s);
    TRY(fs::mkdir_p(dir, 0700));
    sweep_name_tmps(dir);
    std::string link = fs::join(dir, encode_name(name));
    std::string tmp = fs::join(dir, ".tmp-" + str::random_hex(8));
    if (::symlink(id.c_str(), tmp.c_str()) < 0) return sys_error("symlink " + tmp);
    if (::rename(tmp.c_str(), link.c_str()) < 0) {
        auto e = sys_error("rename " + tmp + " to " + link);
        ::unlink(tmp.c_str());
        return e;
    }
    return fs::fsync_dir(dir);
}

Result<void> remove_name_link(const StoreConfig& s, const std::string& name, const std::string& id) {
    auto cur = read_name(s, name);
    if (!cur || *cur != id) return {};
    std::string link = fs::join(names_dir(s), encode_name(name));
    if (::unlink(link.c_str()) < 0 && errno != ENOENT) return sys_error("unlink " + link);
    return {};
}

void add_unique_front(std::vector<std::string>& v, const std::string& s) {
    std::erase(v, s);
    v.insert(v.begin(), s);
}

// containers/storage's rule for the name history: whenever an image's names are set (a pull, a
// tag, an untag), each name it is left with moves to the front of the history, in order.
void note_names(ImageRecord& r) {
    for (auto& name : r.names) add_unique_front(r.names_history, name);
}

// Take `name` away from whichever other image has it. The caller holds the store lock.
Result<void> take_name_from_others(const StoreConfig& s, const std::string& name, const std::string& id) {
    auto owner = read_name(s, name);
    if (!owner || *owner == id) return {};
    auto other = load_record(s, *owner);
    if (!other.ok()) return {};  // a stale link: the record is gone
    auto& names = other->record.names;
    if (std::find(names.begin(), names.end(), name) == names.end()) return {};
    std::erase(names, name);
    return write_record(s, *other);
}

bool repo_matches(const oci::Reference& want, const std::string& have) {
    auto ref = oci::parse_reference(have);
    if (!ref.ok()) return false;
    return ref->repository == want.repository || ref->repository == "library/" + want.repository;
}

// name@digest: an image whose names include the repository and whose digests include the digest.
std::optional<ImageRecord> find_by_digest(const std::vector<ImageRecord>& all, const oci::Reference& want, bool short_name) {
    for (auto& img : all) {
        if (std::find(img.digests.begin(), img.digests.end(), want.digest) == img.digests.end()) continue;
        for (auto& n : img.names) {
            auto ref = oci::parse_reference(n);
            if (!ref.ok()) continue;
            if (short_name ? repo_matches(want, n) : ref->name() == want.name()) return img;
        }
    }
    return std::nullopt;
}

Result<std::optional<ImageRecord>> find_by_name(const StoreConfig& s, std::string_view input) {
    auto parsed = oci::parse_reference(input);
    if (!parsed.ok()) return std::optional<ImageRecord>();
    const oci::Reference& want = *parsed;
    bool short_name = want.registry.empty();
    if (want.digest.empty()) {
        std::string full = TRY(oci::normalize_local_name(input));
        if (auto id = read_name(s, full)) {
            auto lr = load_record(s, *id);
            if (lr.ok() && std::find(lr->record.names.begin(), lr->record.names.end(), full) != lr->record.names.end())
                return std::optional<ImageRecord>(std::move(lr->record));
        }
        if (!short_name) return std::optional<ImageRecord>();
    }
    // A short name may be any registry's image ("alpine" → "docker.io/library/alpine:latest").
    auto all = TRY(list_images(s));
    if (!want.digest.empty()) return find_by_digest(all, want, short_name);
    std::string tag = want.tag.empty() ? "latest" : want.tag;
    for (auto& img : all)
        for (auto& n : img.names) {
            auto ref = oci::parse_reference(n);
            if (ref.ok() && ref->tag == tag && repo_matches(want, n)) return std::optional<ImageRecord>(img);
        }
    return std::optional<ImageRecord>();
}

// Record writers hold the store's lock while their temporary files exist: with the lock free,
// any there are a killed writer's.
void sweep_tmp(const StoreConfig& s, const std::vector<std::string>& tmps) {
    if (tmps.empty()) return;
    auto lock = FileLock::try_acquire(fs::join(s.runroot, "locks/images"));
    if (!lock.ok()) return;
    for (auto& n : tmps) ::unlink(fs::join(images_dir(s), n).c_str());
}

Result<std::vector<std::string>> record_ids(const StoreConfig& s) {
    std::vector<std::string> out, tmps;
    for (auto& name : TRY(fs::list_dir(images_dir(s)))) {
        if (name.find(".json.tmp-") != std::string::npos) tmps.push_back(name);
        if (name.size() != 69 || !str::starts_with(name.substr(64), ".json")) continue;
        std::string id = name.substr(0, 64);
        if (str::is_lower_hex(id)) out.push_back(std::move(id));
    }
    sweep_tmp(s, tmps);
    return out;
}

uint64_t layers_size(const StoreConfig& s, const oci::ImageConfig& cfg) {
    uint64_t total = 0;
    for (auto& id : cfg.diff_ids) {
        auto info = layer_info(s, id);
        if (info.ok()) total += info->size;
    }
    return total;
}

}  // namespace

std::string encode_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == '/')
            out += "%2F";
        else if (c == '%')
            out += "%25";
        else
            out += c;
    }
    if (out.size() > kMaxEncodedName) return "sha256-" + oci::sha256_of(name).hex;
    return out;
}

Result<ImageRecord> find_image_or_list(const StoreConfig& store, std::string_view input) {
    std::string_view s = input;
    if (str::starts_with(s, "sha256:") && str::is_lower_hex(s.substr(7))) s.remove_prefix(7);
    if (s.size() == 64 && str::is_lower_hex(s) && sys::exists(record_path(store, std::string(s)))) {
        auto lr = TRY(load_record(store, std::string(s)));
        return std::move(lr.record);
    }
    auto by_name = TRY(find_by_name(store, input));
    if (by_name) return std::move(*by_name);
    if (str::is_lower_hex(s) && s.size() < 64) {
        std::vector<std::string> matches;
        for (auto& id : TRY(record_ids(store)))
            if (str::starts_with(id, s)) matches.push_back(id);
        if (matches.size() > 1)
            return make_error(std::string(input) + ": image id prefix is ambiguous (" + std::to_string(matches.size()) +
                              " images)");
        if (matches.size() == 1) {
            auto lr = TRY(load_record(store, matches[0]));
            return std::move(lr.record);
        }
    }
    return not_known(input);
}

namespace {

// podman's lookup of a list: the local image of the list's instance for this host's platform.
Result<ImageRecord> host_instance(const StoreConfig& store, const ImageRecord& list) {
    auto bytes = TRY(read_list(store, list));
    auto index = TRY_CTX(oci::parse_index(bytes), "manifest list " + list.id.substr(0, 12));
    auto chosen = oci::choose_platform(index, {});
    if (chosen.ok())
        for (auto& img : TRY(list_images(store)))
            if (!img.manifest_list && std::find(img.digests.begin(), img.digests.end(), chosen->digest) != img.digests.end())
                return img;
    std::string variant = oci::host_variant();
    return missing_error("no image found in manifest list for architecture " + oci::host_architecture() +
                         ", variant \"" + variant + "\", OS linux: image not known");
}

}  // namespace

Result<ImageRecord> find_image(const StoreConfig& store, std::string_view input) {
    auto found = TRY(find_image_or_list(store, input));
    if (!found.manifest_list) return found;
    return host_instance(store, found);
}

Result<std::string> read_list(const StoreConfig& store, const ImageRecord& list) {
    auto digest = TRY(oci::parse_digest(list.digest));
    return TRY_CTX(read_blob(store, digest), "manifest list " + list.id.substr(0, 12));
}

namespace {

// A list's record: its blob listed as its digest (the only one), its size podman's (the list and
// its instances' sources).
Result<void> set_list_contents(const StoreConfig& store, ImageRecord& r, const NewList& list) {
    auto d = TRY(put_blob(store, list.bytes));
    r.digest = d.str();
    r.digests = {r.digest};
    r.manifest_media_type = list.media_type;
    r.instances = list.instances;
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    for (auto& [k, v] : list.instances) json::put(w, k.c_str(), v);
    w.EndObject();
    r.size = list.bytes.size() + buf.GetSize();
    return {};
}

// The digests other records than `id` list (a list's blob may be another's too: two empty lists).
Result<std::set<std::string>> digests_of_others(const StoreConfig& store, const std::string& id) {
    std::set<std::string> out;
    for (auto& other : TRY(record_ids(store))) {
        if (other == id) continue;
        auto lr = load_record(store, other);
        if (!lr.ok()) continue;
        out.insert(lr->record.digests.begin(), lr->record.digests.end());
    }
    return out;
}

}  // namespace

Result<ImageRecord> create_list(const StoreConfig& store, const std::string& name, const NewList& list) {
    TRY(fs::mkdir_p(images_dir(store), 0700));
    auto lock = TRY(store_lock(store));
    if (auto owner = read_name(store, name)) {
        auto other = load_record(store, *owner);
        if (other.ok() && std::find(other->record.names.begin(), other->record.names.end(), name) != other->record.names.end())
            return make_error("creating image to hold manifest list: image name \"" + name +
                              "\" is already associated with image \"" + *owner + "\": that name is already in use");
    }
    LoadedRecord lr;
    lr.doc.SetObject();
    lr.doc.AddMember("config", rapidjson::Value(rapidjson::kObjectType), lr.doc.GetAllocator());
    ImageRecord& r = lr.record;
    do r.id = str::random_hex(32);
    while (sys::exists(record_path(store, r.id)));
    r.manifest_list = true;
    r.names = {name};
    note_names(r);
    r.created_ns = now_ns();
    r.created = format_rfc3339(r.created_ns);
    TRY(set_list_contents(store, r, list));
    TRY(write_record(store, lr));
    TRY(write_name(store, name, r.id));
    return r;
}

Result<ImageRecord> update_list(const StoreConfig& store, const std::string& id, const NewList& list) {
    auto lock = TRY(store_lock(store));
    auto lr = TRY(load_record(store, id));
    if (!lr.record.manifest_list) return make_error(id + ": image is not a manifest list");
    std::string old = lr.record.digest;
    TRY(set_list_contents(store, lr.record, list));
    TRY(write_record(store, lr));
    if (old != lr.record.digest && !TRY(digests_of_others(store, id)).count(old))
        if (auto d = oci::parse_digest(old); d.ok()) (void)remove_blob(store, *d);
    return std::move(lr.record);
}

Result<std::vector<ImageRecord>> list_images(const StoreConfig& store) {
    std::vector<ImageRecord> out;
    for (auto& id : TRY(record_ids(store))) {
        auto lr = load_record(store, id);
        if (!lr.ok()) {
            if (lr.error().missing) continue;  // removed meanwhile
            return lr.take_error();
        }
        out.push_back(std::move(lr->record));
    }
    std::stable_sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) {
        if (a.created_ns != b.created_ns) return a.created_ns > b.created_ns;
        return a.id < b.id;
    });
    return out;
}

Result<std::vector<std::string>> layer_dirs(const StoreConfig& store, const ImageRecord& image) {
    std::vector<std::string> out;
    const auto& ids = image.config.diff_ids;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
        if (!layer_exists(store, *it)) return make_error("image " + image.id.substr(0, 12) + ": layer " + *it + " is not in the store");
        out.push_back(layer_diff_dir(store, *it));
    }
    return out;
}

namespace {

// The image's blobs (through `put`) and its record, new or updated; its names are not touched.
Result<LoadedRecord> write_blobs_and_record(const StoreConfig& store, const NewImage& image, const oci::ImageConfig& cfg,
                                            const std::function<Result<oci::Digest>(std::string_view)>& put) {
    oci::Digest config_digest = TRY(put(image.config));
    std::string manifest_digest;
    if (!image.manifest.empty()) manifest_digest = TRY(put(image.manifest)).str();
    const std::string& id = config_digest.hex;
    LoadedRecord lr;
    auto existing = load_record(store, id);
    if (existing.ok()) {
        lr = std::move(existing.value());
    } else {
        lr.doc.Parse(image.config.data(), image.config.size());
        if (lr.doc.HasParseError()) return make_error("image config: not valid JSON");
        rapidjson::Document rec;
        rec.SetObject();
        rec.AddMember("config", rapidjson::Value(lr.doc, rec.GetAllocator()), rec.GetAllocator());
        lr.doc = std::move(rec);
        lr.record.id = id;
        lr.record.config = cfg;
        lr.record.created = cfg.created;
        lr.record.size = layers_size(store, cfg) + image.config.size() + image.manifest.size();
    }
    ImageRecord& r = lr.record;
    if (!manifest_digest.empty()) {
        if (r.digest.empty()) {
            r.digest = manifest_digest;
            r.manifest_media_type = image.manifest_media_type;
        }
        if (std::find(r.digests.begin(), r.digests.end(), manifest_digest) == r.digests.end()) r.digests.push_back(manifest_digest);
    }
    // A writer's names go first, ahead of those the image had, as containers/storage's AddNames
    // (which pull, load and commit use) puts them; tag_image appends instead, as podman's tag does.
    std::vector<std::string> names = image.names;
    for (auto& old : r.names)
        if (std::find(names.begin(), names.end(), old) == names.end()) names.push_back(old);
    r.names = std::move(names);
    note_names(r);
    TRY(write_record(store, lr));
    return lr;
}

}  // namespace

Result<ImageRecord> commit_image(const StoreConfig& store, const NewImage& image) {
    oci::ImageConfig cfg = TRY(oci::parse_image_config(image.config));
    for (auto& id : cfg.diff_ids)
        if (!layer_exists(store, id)) return make_error("commit image: layer " + id + " is not in the store");
    TRY(fs::mkdir_p(images_dir(store), 0700));
    // The blobs are written under the lock too: prune_blobs, under it, never sees them unlisted.
    auto lock = TRY(store_lock(store));
    // Blobs this commit adds go again when no record comes to list them.
    std::vector<oci::Digest> added;
    auto put = [&](std::string_view data) -> Result<oci::Digest> {
        bool had = has_blob(store, oci::sha256_of(data));
        auto d = TRY(put_blob(store, data));
        if (!had) added.push_back(d);
        return d;
    };
    auto lr = write_blobs_and_record(store, image, cfg, put);
    if (!lr.ok()) {
        for (auto& d : added) (void)remove_blob(store, d);
        return lr.take_error();
    }
    const std::string& id = lr->record.id;
    ImageRecord& r = lr->record;
    for (auto& name : image.names) {
        TRY(take_name_from_others(store, name, id));
        TRY(write_name(store, name, id));
    }
    if (!r.created.empty()) {
        auto ns = parse_rfc3339(r.created);
        if (ns.ok()) r.created_ns = *ns;
    }
    return r;
}

Result<void> tag_image(const StoreConfig& store, const std::string& id, const std::string& name) {
    auto lock = TRY(store_lock(store));
    auto lr = TRY(load_record(store, id));
    auto& names = lr.record.names;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    note_names(lr.record);
    TRY(write_record(store, lr));
    TRY(take_name_from_others(store, name, id));
    return write_name(store, name, id);
}

Result<void> untag_image(const StoreConfig& store, const std::string& id, const std::string& name) {
    auto lock = TRY(store_lock(store));
    auto lr = TRY(load_record(store, id));
    auto& names = lr.record.names;
    if (std::find(names.begin(), names.end(), name) == names.end())
        return make_error("image " + id.substr(0, 12) + " has no name \"" + name + "\"");
    std::erase(names, name);
    note_names(lr.record);
    TRY(write_record(store, lr));
    return remove_name_link(store, name, id);
}

Result<std::vector<std::string>> prune_blobs(const StoreConfig& store) {
    auto lock = TRY(store_lock(store));
    std::set<std::string> used;
    for (auto& id : TRY(record_ids(store))) {
        used.insert(id);  // the config's digest
        auto lr = load_record(store, id);
        if (!lr.ok()) return lr.take_error();
        for (auto& d : lr->record.digests)
            if (auto digest = oci::parse_digest(d); digest.ok()) used.insert(digest->hex);
    }
    std::vector<std::string> removed;
    for (auto& d : TRY(list_blobs(store))) {
        if (used.count(d.hex)) continue;
        TRY(remove_blob(store, d));
        removed.push_back(d.str());
    }
    return removed;
}

Result<void> delete_image(const StoreConfig& store, const std::string& id) {
    ImageRecord removed;
    {
        auto lock = TRY(store_lock(store));
        auto lr = TRY(load_record(store, id));
        removed = std::move(lr.record);
        // A list's blob may be another list's as well: that one keeps it.
        if (removed.manifest_list) {
            auto others = TRY(digests_of_others(store, id));
            std::erase_if(removed.digests, [&](const std::string& d) { return others.count(d) > 0; });
        }
        for (auto& name : removed.names) TRY(remove_name_link(store, name, id));
        std::string path = record_path(store, id);
        if (::unlink(path.c_str()) < 0) return sys_error("remove image record " + path);
        TRY(fs::fsync_dir(images_dir(store)));
    }
    // Blobs belong to this image alone (the config's digest is its id; manifests name the config).
    ::unlink(blob_path(store, oci::Digest{"sha256", id}).c_str());
    for (auto& d : removed.digests) {
        auto digest = oci::parse_digest(d);
        if (digest.ok()) ::unlink(blob_path(store, *digest).c_str());
    }
    // No lock held here: removing a layer waits for writers that still rely on it.
    for (auto& diff_id : removed.config.diff_ids) TRY(remove_layer_if_unused(store, diff_id));
    return {};
}

}  // namespace skiff::storage
