// The layer store: where layers live, who may remove them, and publishing what the unpack pipeline
// (layer_unpack.hpp) staged.
#include "skiff/storage/layers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include "layer_record.hpp"
#include "layer_unpack.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/images.hpp"
#include "staging.hpp"

namespace skiff::storage {

namespace {

std::string layers_dir(const StoreConfig& s) { return fs::join(s.root, "layers"); }
std::string locks_dir(const StoreConfig& s) { return fs::join(s.runroot, "locks"); }

std::string use_lock_path(const StoreConfig& s, const std::string& hex) {
    return fs::join(locks_dir(s), "layer-" + hex + ".use");
}

Result<FileLock> use_lock(const StoreConfig& s, const std::string& hex, FileLock::Mode mode) {
    TRY(fs::mkdir_p(locks_dir(s), 0700));
    return FileLock::acquire(use_lock_path(s, hex), mode);
}

Result<FileLock> unpack_lock(const StoreConfig& s, const std::string& hex) {
    TRY(fs::mkdir_p(locks_dir(s), 0700));
    return FileLock::acquire(fs::join(locks_dir(s), "layer-" + hex));
}

// What a process of an older skiff, killed, left in layers/ itself: ".staging-<pid>-<random>" and
// ".removing-<pid>-<random>", whose owner is known by its pid. Entries are made in staging/ now.
void sweep_legacy(const StoreConfig& store) {
    auto names = fs::list_dir(layers_dir(store));
    if (!names.ok()) return;
    for (auto& name : *names) {
        if (!str::starts_with(name, ".staging-") && !str::starts_with(name, ".removing-")) continue;
        auto parts = str::split(name, '-');
        if (parts.size() != 3 || parts[1].empty() || parts[1].find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = static_cast<pid_t>(std::stol(parts[1]));
        if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM) continue;
        (void)fs::remove_all(fs::join(layers_dir(store), name));
    }
}

// Make the staged layer durable and visible under layers/<hex>. The caller holds the unpack lock.
Result<void> publish(const StoreConfig& store, Staged& staged, const std::string& hex) {
    auto dir = TRY(sys::open(staged.dir.path(), O_RDONLY | O_DIRECTORY));
    if (::syncfs(dir.get()) < 0) return sys_error("sync " + staged.dir.path());
    std::string final_path = fs::join(layers_dir(store), hex);
    if (::rename(staged.dir.path().c_str(), final_path.c_str()) < 0)
        return sys_error("rename " + staged.dir.path() + " to " + final_path);
    staged.dir.published();
    return fs::fsync_dir(layers_dir(store));
}

Result<UnpackResult> reuse(const StoreConfig& store, const std::string& diff_id, FileLock hold, std::string compressed) {
    auto info = TRY(layer_info(store, diff_id));
    return UnpackResult{std::move(info), std::move(compressed), false, LayerHold(diff_id, std::move(hold))};
}

Result<void> check_compressed(const UnpackRequest& req, const Staged& staged) {
    if (!req.compressed_digest.empty() && req.compressed_digest != staged.compressed_digest)
        return make_error("layer " + req.label + ": digest mismatch: want " + req.compressed_digest + ", got " +
                          staged.compressed_digest);
    return {};
}

}  // namespace

std::string layer_diff_dir(const StoreConfig& store, const std::string& diff_id) {
    auto colon = diff_id.find(':');
    return fs::join(layers_dir(store), diff_id.substr(colon == std::string::npos ? 0 : colon + 1) + "/diff");
}

bool layer_exists(const StoreConfig& store, const std::string& diff_id) {
    auto d = oci::parse_digest(diff_id);
    return d.ok() && sys::exists(fs::join(layers_dir(store), d->hex + "/layer.json"));
}

Result<LayerInfo> layer_info(const StoreConfig& store, const std::string& diff_id) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto text = fs::read_file(fs::join(layers_dir(store), d.hex + "/layer.json"));
    if (!text.ok()) return text.take_error().context("layer " + diff_id);
    return parse_layer_json(diff_id, *text);
}

Result<void> record_layer_blob(const StoreConfig& store, const std::string& diff_id, const LayerBlob& blob) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto lock = TRY(unpack_lock(store, d.hex));
    auto info = TRY(layer_info(store, diff_id));
    bool changed = false;
    LayerBlob* known = nullptr;
    for (auto& b : info.blobs)
        if (b.digest == blob.digest) known = &b;
    if (!known) {
        info.blobs.push_back(blob);
        changed = true;
    } else {
        for (auto& r : blob.repositories) {
            if (std::find(known->repositories.begin(), known->repositories.end(), r) != known->repositories.end()) continue;
            known->repositories.push_back(r);
            changed = true;
        }
    }
    if (!changed) return {};
    return fs::write_file_atomic(fs::join(layers_dir(store), d.hex + "/layer.json"), layer_json(info));
}

Result<std::vector<std::string>> list_layers(const StoreConfig& store) {
    std::vector<std::string> out;
    for (auto& name : TRY(fs::list_dir(layers_dir(store))))
        if (name.size() == 64 && str::is_lower_hex(name)) out.push_back("sha256:" + name);
    return out;
}

Result<LayerHold> hold_layer(const StoreConfig& store, const std::string& diff_id) {
    auto d = TRY(oci::parse_digest(diff_id));
    auto lock = TRY(use_lock(store, d.hex, FileLock::Mode::kShared));
    if (!layer_exists(store, diff_id)) return make_error("layer " + diff_id + " is not in the store");
    return LayerHold(diff_id, std::move(lock));
}

Result<UnpackResult> unpack_layer(const StoreConfig& store, ByteSource& src, const UnpackRequest& req) {
    TRY(fs::mkdir_p(layers_dir(store), 0700));
    sweep_staging(store);
    if (!req.diff_id.empty()) {
        auto want = TRY_CTX(oci::parse_digest(req.diff_id), "layer " + req.label);
        auto hold = TRY(use_lock(store, want.hex, FileLock::Mode::kShared));
        if (layer_exists(store, req.diff_id)) return reuse(store, req.diff_id, std::move(hold), "");
        auto lock = TRY(unpack_lock(store, want.hex));
        if (layer_exists(store, req.diff_id)) return reuse(store, req.diff_id, std::move(hold), "");
        auto staged = TRY(unpack_to_staging(store, src, req.label));
        if (staged.layer.diff_id != req.diff_id)
            return make_error("layer " + req.label + ": diff id mismatch: want " + req.diff_id + ", got " +
                              staged.layer.diff_id);
        TRY(check_compressed(req, staged));
        TRY(publish(store, staged, want.hex));
        return UnpackResult{staged.layer, staged.compressed_digest, true, LayerHold(req.diff_id, std::move(hold))};
    }
    auto staged = TRY(unpack_to_staging(store, src, req.label));
    TRY(check_compressed(req, staged));
    auto got = TRY(oci::parse_digest(staged.layer.diff_id));
    auto hold = TRY(use_lock(store, got.hex, FileLock::Mode::kShared));
    auto lock = TRY(unpack_lock(store, got.hex));
    if (layer_exists(store, staged.layer.diff_id))
        return reuse(store, staged.layer.diff_id, std::move(hold), staged.compressed_digest);
    TRY(publish(store, staged, got.hex));
    return UnpackResult{staged.layer, staged.compressed_digest, true, LayerHold(staged.layer.diff_id, std::move(hold))};
}

Result<bool> remove_layer_if_unused(const StoreConfig& store, const std::string& diff_id, LayerWait wait) {
    auto d = TRY(oci::parse_digest(diff_id));
    // Exclusive: waits until no writer relies on the layer (or gives up when told not to wait);
    // nothing else is held while waiting.
    TRY(fs::mkdir_p(locks_dir(store), 0700));
    auto lock = wait == LayerWait::kYes ? FileLock::acquire(use_lock_path(store, d.hex), FileLock::Mode::kExclusive)
                                        : FileLock::try_acquire(use_lock_path(store, d.hex), FileLock::Mode::kExclusive);
    if (!lock.ok()) {
        if (wait == LayerWait::kNo && lock.error().code == EWOULDBLOCK) return false;
        return lock.take_error();
    }
    std::string path = fs::join(layers_dir(store), d.hex);
    if (!sys::exists(path)) return false;
    for (auto& image : TRY(list_images(store)))
        for (auto& id : image.config.diff_ids)
            if (id == diff_id) return false;
    // Out of sight first (one rename into staging/, locked), then removed at leisure: no reader sees
    // half a layer, and if we die meanwhile the next sweep finishes the job.
    auto doomed = TRY(StagingEntry::adopt(store, path, "removing"));
    TRY(doomed.remove());
    return true;
}

void sweep_dead_writers(const StoreConfig& store) { sweep_staging(store); }

Result<std::vector<std::string>> prune_layers(const StoreConfig& store) {
    sweep_staging(store);
    sweep_legacy(store);
    std::set<std::string> used;
    for (auto& image : TRY(list_images(store)))
        for (auto& id : image.config.diff_ids) used.insert(id);
    std::vector<std::string> removed;
    for (auto& id : TRY(list_layers(store))) {
        if (used.count(id)) continue;
        // Held: a pull or load in progress relies on it (its image record is not written yet).
        if (TRY(remove_layer_if_unused(store, id, LayerWait::kNo))) removed.push_back(id);
    }
    return removed;
}

}  // namespace skiff::storage
