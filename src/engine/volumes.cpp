#include "skiff/engine/volumes.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>

#include "skiff/base/copy_tree.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/filters.hpp"
#include "skiff/runtime/detached_root.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

bool empty_dir(int fd) {
    auto names = fs::list_dir("/proc/self/fd/" + std::to_string(fd));
    return names.ok() && names->empty();
}

// Copy what the image has at `destination` into the volume (an empty one), as podman's copy-up:
// only when the image has a non-empty directory there. Returns whether it copied. On the first
// mount (`first`), an empty directory there still gives the volume its owner and mode.
// The copy is made beside the volume's directory and renamed over it (still empty), so a start
// killed half-way leaves the volume empty and the next start copies again; a copy a killed start
// left behind is removed first. Not synced (as podman's): kills are covered, power loss is not.
// Called under the volumes' lock, before anything has mounted the volume: renaming over a
// directory mounted elsewhere would detach those mounts.
Result<bool> populate(const storage::Volume& v, int rootfd, const std::string& destination, bool first) {
    std::string staging = v.mountpoint + ".copyup";
    TRY_CTX(fs::remove_all(staging), "fill volume " + v.name);
    auto src = sys::open_in_root(rootfd, destination, O_RDONLY | O_DIRECTORY);
    if (!src.ok()) return src.error().code == ENOENT || src.error().code == ENOTDIR ? Result<bool>(false) : src.take_error();
    unique_fd data = TRY(sys::open(v.mountpoint, O_RDONLY | O_DIRECTORY));
    if (!empty_dir(data.get())) return false;
    struct stat st;
    if (::fstat(src->get(), &st) < 0) return sys_error("stat " + destination + " in the image");
    if (empty_dir(src->get())) {
        if (first && (::fchown(data.get(), st.st_uid, st.st_gid) < 0 || ::fchmod(data.get(), st.st_mode & 07777) < 0))
            return sys_error("fill volume " + v.name);
        return false;
    }
    if (::mkdir(staging.c_str(), 0700) < 0) return sys_error("fill volume " + v.name + ": mkdir " + staging);
    unique_fd copy = TRY(sys::open(staging, O_RDONLY | O_DIRECTORY));
    TRY_CTX(fs::copy_tree(src->get(), ".", copy.get(), ".", {}, destination + " of the image"), "fill volume " + v.name);
    if (::fchown(copy.get(), st.st_uid, st.st_gid) < 0 || ::fchmod(copy.get(), st.st_mode & 07777) < 0)
        return sys_error("fill volume " + v.name);
    if (::rename(staging.c_str(), v.mountpoint.c_str()) == 0) return true;
    // Something wrote into the volume meanwhile (not skiff: it holds the lock): that is its content.
    if (errno == ENOTEMPTY || errno == EEXIST) {
        TRY(fs::remove_all(staging));
        return false;
    }
    return sys_error("fill volume " + v.name + ": rename");
}

}  // namespace

std::string mount_host_path(const storage::StoreConfig& store, const MountConfig& m) {
    if (m.kind != MountConfig::Kind::kVolume) return m.source;
    return runtime_mounts({m}, storage::volumes_dir(store)).front().source;
}

Result<void> make_volumes(const storage::StoreConfig& store, const ContainerConfig& config) {
    auto names = volume_names(config);
    auto anonymous = anonymous_volume_names(config);
    if (names.empty()) return {};
    auto lock = TRY(storage::lock_volumes(store));
    for (auto& name : names) {
        auto found = storage::find_volume(store, name);
        if (found.ok()) continue;
        if (!found.error().missing) return found.take_error();
        bool anon = std::find(anonymous.begin(), anonymous.end(), name) != anonymous.end();
        TRY(storage::create_volume(store, name, anon, {}));
    }
    return {};
}

void remove_anonymous_volumes(const storage::StoreConfig& store, const ContainerConfig& config) {
    for (auto& name : volume_names(config)) {
        auto v = storage::find_volume(store, name);
        if (v.ok() && v->anonymous) (void)remove_volume(store, name, false);
    }
}

Result<void> populate_volumes(const storage::StoreConfig& store, const runtime::Spec& spec) {
    unique_fd root;
    for (auto& m : spec.mounts) {
        std::string name = storage::volume_named_by(store, m.source);
        if (name.empty()) continue;
        auto lock = TRY(storage::lock_volumes(store));
        auto v = TRY(storage::find_volume(store, name));
        if (v.populated) continue;
        if (!root) {
            // Not volatile: overlay marks a volatile mount's work directory and refuses the next
            // mount of it, and the container's own mount comes next (storage/rootfs.hpp).
            runtime::Mount plain = spec.root;
            std::erase(plain.options, "volatile");
            root = TRY_CTX(runtime::mount_detached_root(plain), "mount the image to fill volume " + name);
        }
        if (TRY(populate(v, root.get(), m.destination, !v.mounted))) TRY(storage::mark_volume_populated(store, v));
        else if (!v.mounted) TRY(storage::mark_volume_mounted(store, v));
    }
    return {};
}

// Every volume each container mounts. A record whose options cannot be read fails the question:
// a volume must never be taken for unused.
Result<std::string> create_volume(const storage::StoreConfig& store, const std::string& name,
                                  const std::map<std::string, std::string>& labels, bool ignore) {
    std::string chosen = name.empty() ? str::random_hex(32) : name;
    auto lock = TRY(storage::lock_volumes(store));
    auto v = storage::create_volume(store, chosen, false, labels);
    if (!v.ok() && !(ignore && v.error().code == EEXIST)) return v.take_error();
    return chosen;
}

Result<bool> volume_exists(const storage::StoreConfig& store, const std::string& name) {
    auto found = storage::find_volume(store, name);
    if (found.ok()) return true;
    if (found.error().missing) return false;
    return found.take_error();
}

Result<storage::Volume> find_volume(const storage::StoreConfig& store, const std::string& name) {
    return storage::find_volume(store, name);
}

Result<std::vector<storage::Volume>> all_volumes(const storage::StoreConfig& store) { return storage::list_volumes(store); }

Result<std::map<std::string, std::vector<std::string>>> users_by_volume(const storage::StoreConfig& store) {
    std::map<std::string, std::vector<std::string>> out;
    for (auto& c : TRY(storage::list_containers(store))) {
        if (c.config.empty()) continue;
        for (auto& n : volume_names(TRY(config_of(c)))) out[n].push_back(c.id);
    }
    return out;
}

Result<std::vector<std::string>> volume_users(const storage::StoreConfig& store, const std::string& name) {
    auto users = TRY(users_by_volume(store));
    auto it = users.find(name);
    return it == users.end() ? std::vector<std::string>{} : it->second;
}

Result<void> remove_volume(const storage::StoreConfig& store, const std::string& name, bool force,
                           std::optional<int> stop_timeout) {
    TRY(storage::find_volume(store, name));
    // Users are looked up under the lock: a container being made writes its record before it
    // makes or takes its volumes, under the same lock.
    for (int round = 0;; ++round) {
        std::vector<std::string> users;
        {
            auto lock = TRY(storage::lock_volumes(store));
            users = TRY(volume_users(store, name));
            if (users.empty()) return storage::remove_volume(store, name);
            if (!force || round > 0) {
                std::string list;
                for (auto& id : users) list += (list.empty() ? "" : ", ") + id;
                Error e = make_error("volume " + name + " is being used by the following container(s): " + list + ": volume is being used");
                e.code = EBUSY;
                return e;
            }
        }
        // -f: the containers go first, without the volumes' lock (a container's lock comes before it).
        RemoveOptions how = forced_removal();
        how.stop_timeout = stop_timeout;
        for (auto& r : remove_containers(store, users, how))
            if (!r.error.message.empty()) return std::move(r.error).context("remove volume " + name);
    }
}

namespace {

// The volumes no container uses that carry every label in `labels`; `users` as users_by_volume.
std::vector<std::string> unused_volumes(const std::vector<storage::Volume>& volumes,
                                        const std::map<std::string, std::vector<std::string>>& users,
                                        const std::vector<std::string>& labels) {
    std::vector<std::string> out;
    for (auto& v : volumes) {
        bool labelled = std::all_of(labels.begin(), labels.end(), [&](const std::string& l) { return label_matches(v.labels, l); });
        if (!users.count(v.name) && labelled) out.push_back(v.name);
    }
    return out;
}

}  // namespace

Result<std::vector<std::string>> prunable_volumes(const storage::StoreConfig& store, const std::vector<std::string>& labels) {
    auto users = TRY(users_by_volume(store));
    return unused_volumes(TRY(storage::list_volumes(store)), users, labels);
}

Result<std::vector<std::string>> prune_volumes(const storage::StoreConfig& store, const std::vector<std::string>& labels) {
    std::vector<std::string> removed;
    auto lock = TRY(storage::lock_volumes(store));
    auto users = TRY(users_by_volume(store));
    for (auto& name : unused_volumes(TRY(storage::list_volumes(store)), users, labels)) {
        TRY(storage::remove_volume(store, name));
        removed.push_back(name);
    }
    return removed;
}

Result<std::vector<storage::Volume>> list_volumes(const storage::StoreConfig& store, const std::vector<std::string>& filters) {
    const char* const keys[] = {"name", "label", "dangling", "driver"};
    const char* const may_be_empty[] = {"label"};
    FilterValues values = TRY(group_filters(filters, keys, may_be_empty));
    for (auto& n : values.count("name") ? values.at("name") : std::vector<std::string>{}) {
        try {
            std::regex check(n);
        } catch (const std::regex_error&) {
            return make_error("invalid filter \"name=" + n + "\": not a regular expression");
        }
    }
    std::map<std::string, std::vector<std::string>> users;
    if (values.count("dangling")) {
        for (auto& d : values["dangling"])
            if (d != "true" && d != "false" && d != "1" && d != "0")
                return make_error("invalid dangling filter value \"" + d + "\": want true or false");
        users = TRY(users_by_volume(store));  // once for every volume
    }
    std::vector<storage::Volume> out;
    for (auto& v : TRY(storage::list_volumes(store))) {
        bool match = filters_match(values, [&](const std::string& key, const std::string& value) {
            if (key == "name") return std::regex_search(v.name, std::regex(value));
            if (key == "label") return label_matches(v.labels, value);
            if (key == "driver") return value == "local";
            return (users.count(v.name) == 0) == (value == "true" || value == "1");  // dangling
        });
        if (match) out.push_back(std::move(v));
    }
    return out;
}

}  // namespace skiff::engine
