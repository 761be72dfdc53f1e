#include "skiff/engine/volumes.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <regex>

#include "skiff/base/copy_tree.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/filters.hpp"
#include "run_internal.hpp"
#include "skiff/runtime/detached_root.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/rootfs.hpp"
#include "skiff/storage/tar_extract.hpp"

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

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// mount(8)'s flag words in an `o=` list; the rest is the file system's own data.
struct MountFlags {
    unsigned long flags = 0;
    std::vector<std::string> data;
};

MountFlags split_mount_options(const std::string& o) {
    static const std::map<std::string, unsigned long> kFlags = {
        {"ro", MS_RDONLY}, {"rw", 0},           {"nosuid", MS_NOSUID},   {"nodev", MS_NODEV},
        {"noexec", MS_NOEXEC}, {"sync", MS_SYNCHRONOUS}, {"noatime", MS_NOATIME}, {"nodiratime", MS_NODIRATIME},
        {"relatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME}, {"suid", 0}, {"dev", 0}, {"exec", 0},
        {"bind", 0}, {"rbind", MS_REC},
    };
    MountFlags out;
    for (auto& word : str::split(o, ',')) {
        if (word.empty()) continue;
        auto it = kFlags.find(word);
        if (it != kFlags.end()) out.flags |= it->second;
        else out.data.push_back(word);
    }
    return out;
}

// As podman's local driver: what options type, device and o say, mounted on the volume's data
// directory (as `mount -t TYPE -o O DEVICE DATA`; type bind binds DEVICE there).
Result<void> mount_device(const storage::Volume& v) {
    if (storage::mounted_at(v.mountpoint)) return {};
    auto get = [&](const char* key) { auto it = v.options.find(key); return it == v.options.end() ? std::string() : it->second; };
    std::string type = get("type"), device = get("device");
    MountFlags o = split_mount_options(get("o"));
    std::string what = "mount volume " + v.name;
    if (type == "bind" || get("o").find("bind") != std::string::npos) {
        TRY_CTX(sys::mount(device, v.mountpoint, nullptr, MS_BIND | (o.flags & MS_REC)), what);
        unsigned long rest = o.flags & ~MS_REC;
        if (rest) TRY_CTX(sys::mount("", v.mountpoint, nullptr, MS_REMOUNT | MS_BIND | rest), what);
        return {};
    }
    if (device.empty() && type == "tmpfs") device = "tmpfs";
    TRY_CTX(sys::mount(device, v.mountpoint, type.empty() ? nullptr : type.c_str(), o.flags, str::join(o.data, ",")), what);
    return {};
}

// Whether a running container other than the one exiting mounts the volume.
Result<bool> volume_in_use(const storage::StoreConfig& store, const std::string& name) {
    for (auto& id : TRY(volume_users(store, name))) {
        auto c = storage::find_container(store, id);
        if (c.ok() && c->state == storage::ContainerState::kRunning && alive(*c)) return true;
    }
    return false;
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
        if (storage::volume_mounts_device(v)) {
            // What the device holds is its content: nothing is copied up into it.
            TRY(mount_device(v));
            if (!v.mounted) TRY(storage::mark_volume_mounted(store, v));
            continue;
        }
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

void release_volumes(const storage::StoreConfig& store, const ContainerConfig& config) {
    for (auto& name : volume_names(config)) {
        auto lock = storage::lock_volumes(store);
        if (!lock.ok()) return;
        auto v = storage::find_volume(store, name);
        if (!v.ok() || !storage::volume_mounts_device(*v) || !storage::mounted_at(v->mountpoint)) continue;
        auto used = volume_in_use(store, name);
        if (used.ok() && !*used) (void)sys::umount(v->mountpoint, MNT_DETACH);
    }
}

namespace {

Result<void> check_volume_options(const std::map<std::string, std::string>& options) {
    for (auto& [key, value] : options) {
        std::string k = lower(key);
        if (k == "device") {
            auto type = options.find("type");
            if (type != options.end() && lower(type->second) == "bind") {
                auto st = sys::stat(value);
                if (!st.ok()) {
                    std::string why = std::strerror(st.error().code);  // in Go's words: lower case
                    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
                    return make_error("invalid volume option " + key + " for driver 'local': stat " + value + ": " + why);
                }
            }
        } else if (k != "o" && k != "type") {
            // podman's uid, gid, size, inodes, noquota, copy and nocopy are not had here.
            return make_error("invalid mount option " + key + " for driver 'local': invalid argument");
        }
    }
    return {};
}

}  // namespace

Result<std::string> create_volume(const storage::StoreConfig& store, const std::string& name,
                                  const std::map<std::string, std::string>& labels,
                                  const std::map<std::string, std::string>& options, bool ignore) {
    TRY(check_volume_options(options));
    std::string chosen = name.empty() ? str::random_hex(32) : name;
    auto lock = TRY(storage::lock_volumes(store));
    auto v = storage::create_volume(store, chosen, false, labels, options);
    if (!v.ok() && !(ignore && v.error().code == EEXIST)) return v.take_error();
    return chosen;
}

Result<void> export_volume(const storage::StoreConfig& store, const std::string& name, const std::string& output) {
    auto v = TRY(storage::find_volume(store, name));
    unique_fd file;
    if (!output.empty() && output != "-" && output != "/dev/stdout")
        file = TRY_CTX(sys::open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), "export volume " + name);
    auto dir = TRY_CTX(sys::open(v.mountpoint, O_RDONLY | O_DIRECTORY), "export volume " + name);
    storage::FdSink sink(file ? file.get() : STDOUT_FILENO);
    TRY_CTX(storage::export_tree(dir.get(), "volume " + name, sink, store.idmap), "export volume " + name);
    return {};
}

Result<void> import_volume(const storage::StoreConfig& store, const std::string& name, const std::string& source) {
    auto v = TRY(storage::find_volume(store, name));
    unique_fd file;
    if (source != "-") file = TRY(sys::open(source, O_RDONLY | O_CLOEXEC));
    auto dir = TRY_CTX(sys::open(v.mountpoint, O_RDONLY | O_DIRECTORY), "import into volume " + name);
    storage::ExtractOptions opts;
    opts.ids = store.idmap;
    opts.overwrite = true;
    TRY_CTX(storage::extract_tar(file ? file.get() : STDIN_FILENO, dir.get(), "volume " + name, opts),
            "import into volume " + name);
    return {};
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
