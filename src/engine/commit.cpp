// diff and commit. A commit exports the container's changes into an unnamed temporary file first (so
// a failed export leaves nothing, and the new layer's diff id is known before it is unpacked), then
// unpacks that stream into the layer store the way pull and import do, then writes the image.
#include "skiff/engine/commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>

#include "container_root.hpp"

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/image_change.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/image_transaction.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/engine/spec.hpp"

namespace skiff::engine {

namespace {

// Mount points a container's runtime makes for itself, left out of its diff as podman leaves them.
bool is_runtime_mount_point(const std::string& path) {
    static const std::set<std::string, std::less<>> kPaths = {
        "/dev", "/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf", "/proc", "/run", "/run/.containerenv", "/sys",
    };
    return kPaths.contains(path);
}

bool is_container_missing(const Error& e) { return e.message.starts_with("no container with name or ID"); }

// The image config podman's commit writes: the image's, then what the container was given.
Result<oci::ImageConfig> commit_config(const storage::Container& c, const storage::ImageRecord& image,
                                       const CommitOptions& opts) {
    oci::ImageConfig cfg = image.config;
    auto run = TRY(config_of(c));
    auto pc = TRY(split_args(image.config.config, run));
    auto& cc = cfg.config;
    cc.entrypoint = pc.entrypoint.empty() ? std::nullopt : std::optional(pc.entrypoint);
    cc.cmd = pc.cmd.empty() ? std::nullopt : std::optional(pc.cmd);
    // The container's environment as it ran, but for its own hostname.
    std::vector<std::string> env;
    for (auto& kv : c.env)
        if (!kv.starts_with("HOSTNAME=")) env.push_back(kv);
    cc.env = merge_env(cc.env, env);
    for (auto& [k, v] : c.labels) cc.labels[k] = v;
    // Volumes, as podman's: the anonymous volumes the user asked for (-v /path), or with
    // --include-volumes the destination of every mount the user gave.
    for (auto& m : run.mounts) {
        if (!opts.include_volumes && !m.anonymous) continue;
        if (std::find(cc.volumes.begin(), cc.volumes.end(), m.destination) == cc.volumes.end())
            cc.volumes.push_back(m.destination);
    }
    if (!run.user.empty()) cc.user = run.user;
    if (!c.working_dir.empty()) cc.working_dir = c.working_dir;
    for (auto& change : opts.changes) TRY(oci::apply_change(cc, change));

    cfg.created = format_rfc3339(now_ns());
    if (!opts.author.empty()) cfg.author = opts.author;
    oci::HistoryEntry h;
    h.created = cfg.created;
    h.created_by = str::join(c.command, " ");
    h.author = opts.author;
    h.comment = opts.message;
    if (opts.squash) cfg.history.clear();  // the one layer stands for all of them
    cfg.history.push_back(h);
    return cfg;
}

std::string commit_manifest(const std::string& config, const oci::ImageConfig& cfg, const storage::StoreConfig& store,
                            bool docker) {
    oci::Manifest m;
    m.media_type = std::string(docker ? oci::kMediaTypeDockerManifest : oci::kMediaTypeImageManifest);
    m.config = {std::string(docker ? oci::kMediaTypeDockerConfig : oci::kMediaTypeImageConfig),
                oci::sha256_of(config).str(), static_cast<int64_t>(config.size()), {}, {}};
    for (auto& id : cfg.diff_ids) {
        auto info = storage::layer_info(store, id);
        int64_t size = info.ok() ? static_cast<int64_t>(info->size) : 0;
        m.layers.push_back(
            {std::string(docker ? oci::kMediaTypeDockerLayerTar : oci::kMediaTypeLayerTar), id, size, {}, {}});
    }
    return oci::serialize_manifest(m);
}

// The container's changes as a layer in the store, held.
Result<storage::UnpackedLayer> store_changes(storage::ImageTransaction& tx, const storage::Container& c,
                                             const storage::ImageRecord& image) {
    const storage::StoreConfig& store = tx.store();
    // O_TMPFILE: the file has no name, so nothing is left behind whatever happens.
    auto tmp = TRY_CTX(sys::open(store.root, O_TMPFILE | O_RDWR, 0600), "commit: temporary file in " + store.root);
    std::string diff_id;
    {
        auto lock = TRY(storage::lock_container(store, c.id));
        TRY_CTX(storage::find_container(store, c.id), "commit");  // not removed meanwhile
        storage::FdSink file(tmp.get());
        storage::HashingSink hashed(file);
        TRY_CTX(storage::export_container_changes(store, c.id, image, hashed), "commit: export the changes of " + c.name);
        TRY(hashed.close());
        diff_id = hashed.digest();
    }
    if (::lseek(tmp.get(), 0, SEEK_SET) < 0) return sys_error("commit: rewind the exported changes");
    storage::FdSource src(tmp.get());
    return tx.unpack_layer(src, {"changes of container " + c.name, diff_id, {}});
}

// The container's whole file system (its image's layers and its changes) as one layer, held.
Result<storage::UnpackedLayer> store_squashed(storage::ImageTransaction& tx, const storage::Container& c) {
    const storage::StoreConfig& store = tx.store();
    auto tmp = TRY_CTX(sys::open(store.root, O_TMPFILE | O_RDWR, 0600), "commit: temporary file in " + store.root);
    std::string diff_id;
    {
        ContainerRoot root = TRY(open_container_root(store, c.id));
        auto dir = TRY(sys::openat(root.fd.get(), ".", O_RDONLY | O_DIRECTORY));
        storage::FdSink file(tmp.get());
        storage::HashingSink hashed(file);
        TRY_CTX(storage::export_tree(dir.get(), "container " + c.name, hashed, store.idmap, root.running),
                "commit: export the file system of " + c.name);
        TRY(hashed.close());
        diff_id = hashed.digest();
    }
    if (::lseek(tmp.get(), 0, SEEK_SET) < 0) return sys_error("commit: rewind the exported file system");
    storage::FdSource src(tmp.get());
    return tx.unpack_layer(src, {"file system of container " + c.name, diff_id, {}});
}

}  // namespace

Result<std::vector<storage::Change>> diff(const storage::StoreConfig& store, const std::string& name_or_id,
                                          DiffTarget target) {
    if (target != DiffTarget::kImage) {
        auto c = storage::find_container(store, name_or_id);
        if (c.ok()) {
            // As podman: a --rootfs container's root has no image to compare with, so no changes.
            if (c->image_id.empty()) return std::vector<storage::Change>{};
            auto changes = TRY(storage::container_changes(store, c->id, TRY(storage::find_image(store, c->image_id))));
            std::erase_if(changes, [](const storage::Change& ch) { return is_runtime_mount_point(ch.path); });
            return changes;
        }
        if (target == DiffTarget::kContainer || !is_container_missing(c.error())) return c.take_error();
    }
    auto image = storage::find_image(store, name_or_id);
    if (image.ok()) return storage::image_changes(store, *image);
    if (target == DiffTarget::kImage) return image.take_error();
    return make_error(name_or_id + " not found: no container or image with that name or ID");
}

namespace {

Result<storage::ImageRecord> commit_as_is(const storage::StoreConfig& store, const CommitOptions& opts) {
    if (opts.format != "oci" && opts.format != "docker")
        return make_error("unrecognized image type \"" + opts.format + "\": want oci or docker");
    std::vector<std::string> names;
    if (!opts.reference.empty()) names.push_back(TRY(oci::normalize_local_name(opts.reference)));
    auto c = TRY(storage::find_container(store, opts.container));
    if (c.image_id.empty()) return make_error("cannot commit a container that uses an exploded rootfs");
    auto image = TRY(storage::find_image(store, c.image_id));
    // Everything the user wrote is checked before any work is done.
    auto cfg = TRY(commit_config(c, image, opts));

    storage::ImageTransaction tx(store);
    if (opts.squash) {
        cfg.diff_ids = {TRY(store_squashed(tx, c)).layer.diff_id};
    } else {
        for (auto& id : image.config.diff_ids) TRY(tx.hold_layer(id));
        cfg.diff_ids.push_back(TRY(store_changes(tx, c, image)).layer.diff_id);
    }

    std::string config = oci::serialize_image_config(cfg);
    bool docker = opts.format == "docker";
    storage::NewImage img{config, commit_manifest(config, cfg, store, docker),
                          std::string(docker ? oci::kMediaTypeDockerManifest : oci::kMediaTypeImageManifest), names};
    return tx.commit(img);
}

}  // namespace

Result<storage::ImageRecord> commit(const storage::StoreConfig& store, const CommitOptions& opts) {
    if (!opts.pause) return commit_as_is(store, opts);
    auto c = TRY(storage::find_container(store, opts.container));
    if (c.state != storage::ContainerState::kRunning || c.paused) return commit_as_is(store, opts);
    TRY(engine::pause(store, c.id));
    CommitOptions frozen = opts;
    frozen.container = c.id;
    auto img = commit_as_is(store, frozen);
    auto thawed = engine::unpause(store, c.id);
    if (!thawed.ok() && img.ok()) return thawed.take_error().context("commit: unpause");
    return img;
}

}  // namespace skiff::engine
