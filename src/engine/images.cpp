#include "skiff/engine/images.hpp"

#include "skiff/engine/image_filter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/image_change.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/platform.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/base/time.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/image_transaction.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

namespace {

constexpr int kExitNoSuchImage = 1;
constexpr int kExitImageInUse = 2;

struct Input {
    unique_fd owned;  // empty for stdin
    int fd = 0;
    std::string label;
    int64_t mtime_ns = 0;
};

// podman's `load -i URL` and `import URL`: the body is downloaded first, here into an unnamed
// file in $TMPDIR (else /var/tmp) that goes with its descriptor.
Result<Input> download(const std::string& url) {
    const char* env = std::getenv("TMPDIR");
    std::string dir = env && *env ? env : "/var/tmp";
    Input in;
    in.owned = TRY_CTX(sys::open(dir, O_TMPFILE | O_RDWR, 0600), "creating temporary download file");
    in.fd = in.owned.get();
    in.label = url;
    auto client = TRY(oci::http::make_client());
    oci::http::Request req;
    req.url = url;
    req.follow_redirects = true;
    oci::http::BodySink sink = [&](std::string_view chunk) -> Result<void> {
        TRY_CTX(sys::write_all(in.fd, chunk), "copying " + url + " to a temporary file");
        return {};
    };
    auto resp = TRY_CTX(client->send(req, &sink), "downloading " + url);
    if (resp.status < 200 || resp.status > 299)
        return make_error("downloading " + url + ": HTTP status " + std::to_string(resp.status));
    if (::lseek(in.fd, 0, SEEK_SET) < 0) return sys_error("downloading " + url);
    in.mtime_ns = now_ns();
    return in;
}

Result<Input> open_input(const std::string& path) {
    Input in;
    if (path.empty() || path == "-") {
        in.label = "stdin";
        return in;
    }
    if (path.starts_with("http://") || path.starts_with("https://")) return download(path);
    in.owned = TRY(sys::open(path, O_RDONLY));
    in.fd = in.owned.get();
    in.label = path;
    struct stat st;
    if (::fstat(in.fd, &st) < 0) return sys_error("stat " + path);
    if (S_ISDIR(st.st_mode)) return make_error("open " + path + ": is a directory");
    in.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return in;
}

std::string import_manifest(const std::string& config, const storage::LayerInfo& layer) {
    oci::Manifest m;
    m.media_type = std::string(oci::kMediaTypeImageManifest);
    m.config = {std::string(oci::kMediaTypeImageConfig), oci::sha256_of(config).str(), static_cast<int64_t>(config.size()), {}, {}};
    m.layers.push_back({std::string(oci::kMediaTypeLayerTar), layer.diff_id, static_cast<int64_t>(layer.size), {}, {}});
    return oci::serialize_manifest(m);
}

bool has_name(const storage::ImageRecord& img, const std::string& name) {
    return std::find(img.names.begin(), img.names.end(), name) != img.names.end();
}

Error with_exit(Error e, int code) {
    e.exit_code = code;
    return e;
}

// Remove the image `img` as `input` named it (a name, or an id when `by_id`).
Result<void> remove_one(const storage::StoreConfig& store, const storage::ImageRecord& img, bool by_id,
                        const std::string& name, bool force_tags, bool force, RemoveImageResult& res) {
    if (!by_id && img.names.size() > 1) {
        TRY(storage::untag_image(store, img.id, name));
        res.untagged.push_back(name);
        return {};
    }
    if (by_id && img.names.size() > 1 && !force_tags)
        return make_error("unable to delete image \"" + img.id + "\" by ID with more than one tag ([" +
                          str::join(img.names, " ") + "]): please force removal");
    auto users = TRY(storage::containers_using_image(store, img.id));
    if (!users.empty()) {
        if (!force)
            return with_exit(make_error("image used by " + users.front() +
                                        ": image is in use by a container: consider listing external containers and "
                                        "force-removing image"),
                             kExitImageInUse);
        for (auto& r : remove_containers(store, users, forced_removal()))
            if (!r.error.message.empty()) return Error(r.error).context("remove container " + r.id.substr(0, 12));
    }
    TRY(storage::delete_image(store, img.id));
    res.untagged = img.names;
    res.deleted = img.id;
    return {};
}

// libimage's parent: of the images `child` builds on, the one with most layers.
const storage::ImageRecord* closest_parent(const std::vector<storage::ImageRecord>& images,
                                           const storage::ImageRecord& child) {
    const storage::ImageRecord* parent = nullptr;
    for (auto& img : images)
        if (builds_on(child, img) && (!parent || img.config.diff_ids.size() > parent->config.diff_ids.size()))
            parent = &img;
    return parent;
}

// After `removed` went: its parent too while that parent is left dangling, as podman's rmi.
void prune_parents(const storage::StoreConfig& store, storage::ImageRecord removed,
                   std::vector<RemoveImageResult>& out) {
    for (;;) {
        // A parent has fewer layers, and at least one: an image of one layer has none (and the
        // store's image list, read for each removal, would make `rmi -a` quadratic).
        if (removed.config.diff_ids.size() < 2) return;
        auto images = storage::list_images(store);
        if (!images.ok()) return;
        const storage::ImageRecord* parent = closest_parent(*images, removed);
        if (!parent || !parent->names.empty() || containers_using(store, parent->id) > 0) return;
        bool other_child = std::any_of(images->begin(), images->end(),
                                       [&](const storage::ImageRecord& img) { return builds_on(img, *parent); });
        if (other_child) return;
        RemoveImageResult res;
        res.input = parent->id;
        if (auto r = storage::delete_image(store, parent->id); !r.ok()) {
            res.error = r.take_error();
            out.push_back(std::move(res));
            return;
        }
        res.deleted = parent->id;
        out.push_back(std::move(res));
        removed = *parent;
    }
}

}  // namespace

bool builds_on(const storage::ImageRecord& child, const storage::ImageRecord& parent) {
    const auto& c = child.config.diff_ids;
    const auto& p = parent.config.diff_ids;
    return !p.empty() && c.size() > p.size() && std::equal(p.begin(), p.end(), c.begin());
}

Result<storage::ImageRecord> import_image(const storage::StoreConfig& store, const ImportOptions& opts) {
    oci::ImageConfig cfg;
    for (auto& change : opts.changes) TRY(oci::apply_change(cfg.config, change));
    std::vector<std::string> names;
    if (!opts.reference.empty()) names.push_back(TRY(oci::normalize_local_name(opts.reference)));

    auto in = TRY(open_input(opts.source));
    storage::ImageTransaction tx(store);
    storage::FdSource src(in.fd);
    auto unpacked = TRY(tx.unpack_layer(src, {in.label, {}, {}}));

    cfg.created = format_rfc3339(in.mtime_ns ? in.mtime_ns : now_ns());
    cfg.architecture = oci::host_architecture();
    cfg.os = "linux";
    cfg.variant = oci::host_variant();
    cfg.diff_ids = {unpacked.layer.diff_id};
    oci::HistoryEntry h;
    h.created = cfg.created;
    h.created_by = "/bin/sh -c #(nop) ADD file:" + unpacked.layer.diff_id.substr(7) + " in /";
    h.comment = opts.message.empty() ? "imported from tarball" : opts.message;
    cfg.history = {h};
    std::string config = oci::serialize_image_config(cfg);
    storage::NewImage img{config, import_manifest(config, unpacked.layer), std::string(oci::kMediaTypeImageManifest), names};
    if (opts.progress) {
        oci::Descriptor layer;
        layer.media_type = oci::kMediaTypeLayerTar;
        layer.digest = unpacked.layer.diff_id;
        opts.progress->blob_start(layer, false);
        opts.progress->config(oci::sha256_of(config).str());
        opts.progress->writing_manifest();
    }
    auto record = TRY(tx.commit(img));
    if (opts.progress) opts.progress->storing_signatures();
    return record;
}

Result<std::vector<storage::LoadedImage>> load_images(const storage::StoreConfig& store, const std::string& input,
                                                      PullProgress* progress) {
    auto in = TRY(open_input(input));
    if (!in.owned && ::isatty(in.fd))
        return make_error("cannot read from terminal, use command-line redirection or the --input flag");
    storage::FdSource src(in.fd);
    if (!progress) return storage::load_image_archive(store, src, in.label);
    return storage::load_image_archive(store, src, in.label, archive_progress(*progress));
}

Result<std::vector<storage::ImageRecord>> list_images(const storage::StoreConfig& store, const std::string& reference) {
    storage::sweep_dead_writers(store);
    auto all = TRY(storage::list_images(store));
    if (reference.empty()) return all;
    auto want = TRY(oci::parse_reference(reference));
    auto matches = [&](const std::string& name) {
        auto have = oci::parse_reference(name);
        if (!have.ok()) return false;
        if (!want.tag.empty() && have->tag != want.tag) return false;
        if (!want.digest.empty() && have->digest != want.digest) return false;
        if (!want.registry.empty()) return have->name() == want.name();
        return have->repository == want.repository || have->repository == "library/" + want.repository;
    };
    std::vector<storage::ImageRecord> out;
    for (auto& img : all)
        if (std::any_of(img.names.begin(), img.names.end(), matches)) out.push_back(std::move(img));
    return out;
}

std::vector<RemoveImageResult> remove_images(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                             const RemoveImagesOptions& opts) {
    storage::sweep_dead_writers(store);
    std::vector<RemoveImageResult> out;
    std::vector<std::string> inputs = names;
    if (opts.all) {
        inputs.clear();
        auto list = storage::list_images(store);
        if (!list.ok()) {
            out.push_back({"", {}, {}, list.take_error()});
            return out;
        }
        for (auto& img : *list) inputs.push_back(img.id);
    }
    for (auto& input : inputs) {
        // -a: a parent pruned with an earlier image is gone already.
        if (opts.all && std::any_of(out.begin(), out.end(), [&](const RemoveImageResult& r) { return r.deleted == input; }))
            continue;
        RemoveImageResult res;
        res.input = input;
        // A manifest list named goes itself unless it has a local instance for this host (podman's
        // rule); with --all every image, lists too, is named by its own id and goes itself.
        auto img = storage::find_image_or_list(store, input);
        if (img.ok() && opts.lists_only && !img->manifest_list) {
            res.error = make_error(input + ": image is not a manifest list");
            out.push_back(std::move(res));
            continue;
        }
        if (img.ok() && img->manifest_list && !opts.lists_only && !opts.all)
            if (auto instance = storage::find_image(store, input); instance.ok()) img = instance.take();
        if (!img.ok()) {
            res.error = with_exit(img.take_error(), kExitNoSuchImage);
            out.push_back(std::move(res));
            continue;
        }
        auto normalized = oci::normalize_local_name(input);
        bool by_id = !(normalized.ok() && has_name(*img, *normalized));
        std::string name = by_id ? std::string() : *normalized;
        // A short name may have matched another registry's image ("alpine" → docker.io/library/alpine).
        if (by_id && !opts.all) {
            auto ref = oci::parse_reference(input);
            std::string hex = str::starts_with(input, "sha256:") ? input.substr(7) : input;
            bool is_id_prefix = !hex.empty() && str::starts_with(img->id, hex);
            if (ref.ok() && !is_id_prefix && img->names.size() >= 1) {
                for (auto& n : img->names) {
                    auto have = oci::parse_reference(n);
                    std::string tag = ref->tag.empty() ? "latest" : ref->tag;
                    if (have.ok() && have->tag == tag &&
                        (have->repository == ref->repository || have->repository == "library/" + ref->repository)) {
                        name = n;
                        by_id = false;
                        break;
                    }
                }
            }
        }
        auto r = remove_one(store, *img, by_id, name, opts.force || opts.all, opts.force, res);
        if (!r.ok()) res.error = r.take_error();
        bool deleted = !res.deleted.empty();
        out.push_back(std::move(res));
        if (deleted && opts.prune) prune_parents(store, *img, out);
    }
    return out;
}

std::vector<std::string> repo_digests(const storage::ImageRecord& img) {
    std::vector<std::string> out;
    for (auto& name : img.names) {
        auto ref = oci::parse_reference(name);
        if (!ref.ok()) continue;
        for (auto& d : img.digests) {
            std::string rd = ref->name() + "@" + d;
            if (std::find(out.begin(), out.end(), rd) == out.end()) out.push_back(rd);
        }
    }
    return out;
}

std::vector<std::string> repo_tags(const storage::ImageRecord& img) {
    std::vector<std::string> out;
    for (auto& name : img.names)
        if (name.find('@') == std::string::npos) out.push_back(name);
    return out;
}

std::pair<std::string, std::string> repository_and_tag(const std::string& name) {
    auto ref = oci::parse_reference(name);
    if (!ref.ok()) return {name, "<none>"};
    return {ref->name(), ref->tag.empty() ? "<none>" : ref->tag};
}

size_t containers_using(const storage::StoreConfig& store, const std::string& image_id) {
    auto users = storage::containers_using_image(store, image_id);
    return users.ok() ? users->size() : 0;
}

Result<ImageHistory> image_history(const storage::StoreConfig& store, const std::string& image) {
    auto img = TRY(storage::find_image(store, image));
    std::vector<oci::HistoryEntry> history = img.config.history;
    if (history.empty()) history.resize(img.config.diff_ids.size());
    std::vector<HistoryStep> out;
    size_t layer = 0;
    for (auto& h : history) {
        HistoryStep s{h, "<missing>", 0};
        if (!h.empty_layer && layer < img.config.diff_ids.size()) {
            auto info = storage::layer_info(store, img.config.diff_ids[layer++]);
            if (info) s.size = info->size;
        }
        out.push_back(std::move(s));
    }
    std::reverse(out.begin(), out.end());
    if (!out.empty()) out.front().id = img.id;
    return ImageHistory{img.names, std::move(out)};
}

namespace {

// A name as the store keeps it ("demo" → "localhost/demo:latest"); digests cannot be tags.
Result<std::string> tag_name(const std::string& input) {
    auto ref = TRY_CTX(oci::parse_reference(input), "normalizing name \"" + input + "\"");
    if (!ref.digest.empty()) return make_error("normalizing name \"" + input + "\": tag by digest not supported");
    return TRY_CTX(oci::normalize_local_name(input), "normalizing name \"" + input + "\"");
}

}  // namespace

Result<void> tag_image(const storage::StoreConfig& store, const std::string& image, const std::vector<std::string>& names) {
    std::vector<std::string> normalized;
    for (auto& n : names) normalized.push_back(TRY(tag_name(n)));
    auto img = TRY(storage::find_image_or_list(store, image));  // a list is tagged itself, as podman's
    for (auto& n : normalized) TRY(storage::tag_image(store, img.id, n));
    return {};
}

Result<void> untag_image(const storage::StoreConfig& store, const std::string& image, const std::vector<std::string>& names) {
    auto img = TRY(storage::find_image(store, image));
    std::vector<std::string> normalized;
    if (names.empty()) normalized = img.names;  // no names: all of them
    for (auto& given : names) {
        // A name may be repository@digest (a pull by digest gave it); an id is not a name.
        if (given.starts_with("sha256:")) return make_error(given + ": untag by digest not supported");
        std::string n = TRY_CTX(oci::normalize_local_name(given), "normalizing name \"" + given + "\"");
        if (std::find(img.names.begin(), img.names.end(), n) == img.names.end()) return make_error(n + ": tag not known");
        normalized.push_back(n);
    }
    for (auto& n : normalized) TRY(storage::untag_image(store, img.id, n));
    return {};
}

Result<bool> image_exists(const storage::StoreConfig& store, const std::string& image) {
    auto found = storage::find_image(store, image);
    if (found) return true;
    if (found.error().missing) return false;
    return found.take_error();
}

Result<storage::ImageRecord> find_image(const storage::StoreConfig& store, const std::string& name) {
    return storage::find_image(store, name);
}

Result<std::vector<std::string>> image_layer_dirs(const storage::StoreConfig& store, const storage::ImageRecord& img) {
    if (store.driver != storage::Driver::kOverlay || img.config.diff_ids.empty()) return std::vector<std::string>{};
    return storage::layer_dirs(store, img);
}

Result<std::vector<std::string>> prune_images(const storage::StoreConfig& store, bool all, const ImageFilter& filter) {
    std::vector<std::string> removed;
    for (auto& img : TRY(storage::list_images(store))) {
        if ((!all && !img.names.empty()) || !filter.matches(img)) continue;
        if (!TRY(storage::containers_using_image(store, img.id)).empty()) continue;
        auto r = storage::delete_image(store, img.id);
        // Removed meanwhile by another process: not ours to report.
        if (!r && r.error().missing) continue;
        TRY(std::move(r));
        removed.push_back(img.id);
    }
    // Layers no image lists: a killed pull's or load's, whose image record was never written.
    TRY(storage::prune_layers(store));
    TRY(storage::prune_blobs(store));
    return removed;
}

}  // namespace skiff::engine
