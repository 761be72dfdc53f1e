// Manifest lists: podman's `manifest` commands over lists kept in the image store.
#include "skiff/engine/manifest.hpp"

#include <algorithm>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "copy_image.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/oci/registries_conf.hpp"
#include "skiff/storage/blobs.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

namespace {

constexpr std::string_view kLocalTransport = "containers-storage:";
constexpr std::string_view kDockerTransport = "docker://";

// A list as read from the store: its record, its entries and where each came from.
struct LoadedList {
    storage::ImageRecord record;
    oci::Index index;
};

// podman's lookup of a list by name or id: anything else named so is "not a manifest list".
Result<LoadedList> load_list(const storage::StoreConfig& store, const std::string& name) {
    LoadedList out;
    out.record = TRY(storage::find_image_or_list(store, name));
    if (!out.record.manifest_list) return make_error(name + ": image is not a manifest list");
    out.index = TRY(oci::parse_index(TRY(storage::read_list(store, out.record))));
    return out;
}

bool has_annotations(const oci::Index& index) {
    if (!index.annotations.empty()) return true;
    return std::any_of(index.manifests.begin(), index.manifests.end(),
                       [](const oci::Descriptor& d) { return !d.annotations.empty(); });
}

// The list's bytes as stored: a docker manifest list, as podman makes it, until something in it
// needs an OCI index (annotations).
storage::NewList stored_form(const LoadedList& l) {
    oci::Index index = l.index;
    index.schema_version = 2;
    index.media_type = has_annotations(index) ? oci::kMediaTypeImageIndex : oci::kMediaTypeDockerManifestList;
    return storage::NewList{oci::serialize_index(index), index.media_type, l.record.instances};
}

Result<std::string> save(const storage::StoreConfig& store, const LoadedList& l) {
    auto r = TRY(storage::update_list(store, l.record.id, stored_form(l)));
    return r.id;
}

// An entry replaces any entry with its digest, as podman's list keeps one per digest.
void put_entry(LoadedList& l, const oci::Descriptor& d, const std::string& source) {
    std::erase_if(l.index.manifests, [&](const oci::Descriptor& e) { return e.digest == d.digest; });
    l.index.manifests.push_back(d);
    l.record.instances[d.digest] = source;
}

oci::Descriptor* entry(LoadedList& l, const std::string& digest) {
    for (auto& d : l.index.manifests)
        if (d.digest == digest) return &d;
    return nullptr;
}

void annotate(oci::Descriptor& d, const InstanceAnnotations& set) {
    if (!set.architecture.empty()) d.platform.architecture = set.architecture;
    if (!set.os.empty()) d.platform.os = set.os;
    if (!set.variant.empty()) d.platform.variant = set.variant;
    if (!set.os_version.empty()) d.platform.os_version = set.os_version;
    if (!set.features.empty()) d.platform.features = set.features;
    if (!set.os_features.empty()) d.platform.os_features = set.os_features;
    for (auto& [k, v] : set.annotations) d.annotations[k] = v;
}

// Go's %q of text (podman quotes a manifest so in its messages).
std::string go_quote(std::string_view s) {
    static const char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') out += {'\\', static_cast<char>(c)};
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

Result<std::string> checked_digest(const std::string& input) {
    auto d = oci::parse_digest(input);
    if (!d.ok()) return make_error("invalid image digest \"" + input + "\": " + d.error().message);
    return d->str();
}

// The descriptor of a stored image's manifest, its platform from its config; `source` names the
// image by id.
Result<oci::Descriptor> local_descriptor(const storage::StoreConfig& store, const std::string& name, std::string* source) {
    auto img = TRY(storage::find_image(store, name));
    *source = std::string(kLocalTransport) + img.id;
    if (img.digest.empty()) return make_error(name + ": image has no manifest to list");
    auto manifest = TRY(storage::read_blob(store, TRY(oci::parse_digest(img.digest))));
    oci::Descriptor d;
    d.media_type = img.manifest_media_type.empty() ? std::string(oci::kMediaTypeImageManifest) : img.manifest_media_type;
    d.digest = img.digest;
    d.size = static_cast<int64_t>(manifest.size());
    d.platform.os = img.config.os;
    d.platform.architecture = img.config.architecture;
    d.platform.variant = img.config.variant;
    return d;
}

// A registry reference's manifest or list, from the first of its candidates (short names resolved
// as pull resolves them) that answers, with the reference that answered and the source it came from.
struct Fetched {
    oci::ManifestBytes bytes;
    std::string kind;
    oci::Reference ref;
    std::unique_ptr<ImageSource> source;
};

Result<Fetched> fetch_remote(const std::string& image, const oci::RegistryAccess& access) {
    std::string_view input = image;
    if (input.starts_with(kDockerTransport)) input.remove_prefix(kDockerTransport.size());
    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    auto candidates = TRY(oci::resolve_image_name(conf, input));
    std::optional<Error> last;
    for (auto& ref : candidates) {
        for (auto& target : TRY(oci::registry_targets(conf, ref, access))) {
            auto got = [&]() -> Result<Fetched> {
                Fetched f;
                f.source = TRY(open_registry(target, ref));
                f.bytes = TRY(f.source->get_manifest(ref.digest.empty() ? (ref.tag.empty() ? "latest" : ref.tag) : ref.digest));
                f.kind = TRY(oci::manifest_kind(f.bytes));
                f.ref = ref;
                return f;
            }();
            if (got.ok()) return got;
            last = got.take_error();
        }
    }
    if (!last) return make_error(image + ": no registry to read it from");
    return std::move(*last);
}

// The entries a registry reference adds: a manifest (its platform from its config), or a list's
// entry for this host (every entry with `all`).
Result<std::vector<oci::Descriptor>> remote_descriptors(const std::string& image, bool all, const oci::RegistryAccess& access,
                                                        std::string* source) {
    auto f = TRY(fetch_remote(image, access));
    *source = std::string(kDockerTransport) + f.ref.str();
    if (oci::is_index_media_type(f.kind)) {
        auto index = TRY(oci::parse_index(f.bytes.bytes));
        if (all) return index.manifests;
        return std::vector<oci::Descriptor>{TRY(oci::choose_platform(index, {}))};
    }
    auto manifest = TRY(oci::parse_manifest(f.bytes.bytes));
    auto config = TRY(oci::parse_image_config(TRY(f.source->get_blob(manifest.config))));
    oci::Descriptor d;
    d.media_type = f.kind;
    d.digest = oci::sha256_of(f.bytes.bytes).str();
    d.size = static_cast<int64_t>(f.bytes.bytes.size());
    d.platform.os = config.os;
    d.platform.architecture = config.architecture;
    d.platform.variant = config.variant;
    return std::vector<oci::Descriptor>{d};
}

Result<std::vector<std::string>> add_image(const storage::StoreConfig& store, LoadedList& l, const std::string& image, bool all,
                                           const oci::RegistryAccess& access) {
    std::vector<oci::Descriptor> found;
    std::string source;
    if (image.starts_with(kLocalTransport)) {
        found.push_back(TRY(local_descriptor(store, image.substr(kLocalTransport.size()), &source)));
    } else {
        found = TRY(remote_descriptors(image, all, access, &source));
    }
    std::vector<std::string> digests;
    for (auto& d : found) {
        put_entry(l, d, source);
        digests.push_back(d.digest);
    }
    return digests;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_manifest_annotations(const std::vector<std::string>& items) {
    std::map<std::string, std::string> out;
    for (auto& a : items) {
        auto eq = a.find('=');
        if (eq == std::string::npos) return make_error("no value given for annotation \"" + a + "\"");
        out[a.substr(0, eq)] = a.substr(eq + 1);
    }
    return out;
}

Result<std::string> create_manifest_list(const storage::StoreConfig& store, const std::string& name,
                                         const std::vector<std::string>& images, bool all, bool amend,
                                         const oci::RegistryAccess& access) {
    if (name.empty()) return make_error("no name specified for creating a manifest list");
    std::string normalized = TRY(oci::normalize_local_name(name));
    oci::Index empty;
    empty.media_type = oci::kMediaTypeDockerManifestList;
    auto made = storage::create_list(store, normalized, {oci::serialize_index(empty), empty.media_type, {}});
    LoadedList l;
    if (made.ok()) {
        l.record = made.take();
        l.index = empty;
    } else {
        if (!amend) return made.take_error();
        auto existing = load_list(store, name);
        if (!existing.ok()) return made.take_error();
        l = existing.take();
    }
    if (images.empty()) return l.record.id;
    for (auto& image : images) TRY(add_image(store, l, image, all, access));
    return save(store, l);
}

Result<std::string> add_to_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                         const std::string& image, bool all, const InstanceAnnotations& set,
                                         const oci::RegistryAccess& access) {
    auto l = TRY(load_list(store, list));
    for (auto& digest : TRY(add_image(store, l, image, all, access))) annotate(*entry(l, digest), set);
    return save(store, l);
}

Result<std::string> annotate_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                           const std::string& digest, const InstanceAnnotations& set) {
    std::string d = TRY(checked_digest(digest));
    auto l = TRY(load_list(store, list));
    auto* e = entry(l, d);
    if (!e) return make_error("no instance with digest \"" + d + "\" in manifest list " + list);
    annotate(*e, set);
    return save(store, l);
}

Result<std::string> remove_from_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                              const std::string& digest) {
    std::string d = TRY(checked_digest(digest));
    auto l = TRY(load_list(store, list));
    if (!entry(l, d)) return make_error("removing from manifest list " + list + ": no instance with digest \"" + d + "\"");
    std::erase_if(l.index.manifests, [&](const oci::Descriptor& e) { return e.digest == d; });
    l.record.instances.erase(d);
    return save(store, l);
}

Result<bool> manifest_list_exists(const storage::StoreConfig& store, const std::string& list) {
    auto l = load_list(store, list);
    if (l.ok()) return true;
    if (l.error().missing) return false;
    return l.take_error();
}

Result<InspectedManifest> inspect_manifest(const storage::StoreConfig& store, const std::string& name,
                                           const oci::RegistryAccess& access) {
    auto local = storage::find_image_or_list(store, name);
    if (local.ok() && local->manifest_list) {
        InspectedManifest out;
        out.index = TRY(oci::parse_index(TRY(storage::read_list(store, *local))));
        return out;
    }
    if (!local.ok() && !local.error().missing) return local.take_error();
    // Not a local list: what the registry has under that name, as podman reads it.
    auto f = TRY(fetch_remote(name, access));
    InspectedManifest out;
    if (oci::is_index_media_type(f.kind)) {
        out.index = TRY(oci::parse_index(f.bytes.bytes));
        for (auto& d : out.index.manifests) d.annotations.clear();  // a docker list has none
        out.index.annotations.clear();
        return out;
    }
    if (f.kind != oci::kMediaTypeDockerManifest)
        return make_error("parsing manifest blob " + go_quote(f.bytes.bytes) + " as a \"" + f.kind +
                          "\": Treating single images as manifest lists is not implemented");
    out.single_image = true;
    out.manifest = TRY(oci::parse_manifest(f.bytes.bytes));
    return out;
}

Result<std::string> push_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                       const std::string& destination, const ManifestPushOptions& opts,
                                       const oci::RegistryAccess& access, PushProgress& progress) {
    auto l = TRY_CTX(load_list(store, list), "retrieving local image from image name " + list);
    CopyOptions copy;
    copy.format = TRY(parse_manifest_format(opts.format));
    // The entries that came from the local store, pushed first with --all; the others must be in
    // the destination's repository already.
    std::vector<storage::ImageRecord> images;
    std::vector<size_t> entries;
    std::vector<oci::Reference> remote;  // by digest
    if (opts.all)
        for (size_t i = 0; i < l.index.manifests.size(); ++i) {
            const std::string& digest = l.index.manifests[i].digest;
            auto source = l.record.instances.find(digest);
            if (source == l.record.instances.end()) continue;
            if (source->second.starts_with(kDockerTransport)) {
                auto ref = TRY(oci::normalize_reference(source->second.substr(kDockerTransport.size())));
                ref.tag.clear();
                ref.digest = digest;
                remote.push_back(std::move(ref));
                continue;
            }
            if (!source->second.starts_with(kLocalTransport)) continue;
            images.push_back(TRY(storage::find_image(store, source->second.substr(kLocalTransport.size()))));
            entries.push_back(i);
        }
    auto make_list = [&](const std::vector<CopiedImage>& pushed) -> Result<std::pair<std::string, std::string>> {
        oci::Index index = l.index;
        for (size_t i = 0; i < pushed.size(); ++i) {
            auto& d = index.manifests[entries[i]];
            d.digest = pushed[i].manifest_digest;
            d.size = static_cast<int64_t>(pushed[i].manifest.size());
            d.media_type = pushed[i].manifest_media_type;
        }
        if (!copy.format) index.media_type = l.record.manifest_media_type;
        else if (*copy.format == ManifestFormat::kOci) index.media_type = oci::kMediaTypeImageIndex;
        else index.media_type = oci::kMediaTypeDockerManifestList;
        if (index.media_type == oci::kMediaTypeDockerManifestList) {  // a docker list has no annotations
            index.annotations.clear();
            for (auto& d : index.manifests) d.annotations.clear();
        }
        return std::pair{oci::serialize_index(index), index.media_type};
    };
    std::string dest = destination;
    if (dest.starts_with(kDockerTransport)) dest.erase(0, kDockerTransport.size());
    progress.list_start(images.size() + remote.size(), l.index.manifests.size());
    auto digest = TRY(push_list_to_registry(store, images, remote, dest, copy, access, progress, make_list));
    if (!opts.digestfile.empty()) TRY(fs::write_file_atomic(opts.digestfile, digest));
    return digest;
}

}  // namespace skiff::engine
