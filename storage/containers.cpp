#include "skiff/storage/containers.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "container_paths.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::storage {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using paths::defs_root;
using paths::is_id;
using paths::names_dir;
using paths::run_root;

std::string def_path(const StoreConfig& s, const std::string& id, bool auto_remove) {
    return fs::join(auto_remove ? run_root(s) : defs_root(s), id + "/config.json");
}
std::string status_path(const StoreConfig& s, const std::string& id) {
    return fs::join(run_root(s), id + "/state.json");
}

// A record rewritten in place: through a temporary file in its root's .tmp directory.
Result<void> write_record(const std::string& root, const std::string& path, std::string_view data,
                          fs::Durability d, unsigned mode = 0600) {
    auto tmp = TRY(paths::tmp_file(root));
    return fs::write_file_atomic_via(tmp, path, data, d, mode);
}

void put(Writer& w, const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}
void put_list(Writer& w, const char* k, const std::vector<std::string>& v) {
    w.Key(k);
    w.StartArray();
    for (auto& s : v) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
    w.EndArray();
}

std::string get_str(const rapidjson::Value& o, const char* k) {
    auto it = o.FindMember(k);
    return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                      : std::string();
}
std::vector<std::string> get_list(const rapidjson::Value& o, const char* k) {
    std::vector<std::string> out;
    auto it = o.FindMember(k);
    if (it != o.MemberEnd() && it->value.IsArray())
        for (auto& v : it->value.GetArray())
            if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
}
int64_t get_int(const rapidjson::Value& o, const char* k) {
    auto it = o.FindMember(k);
    return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}
bool get_bool(const rapidjson::Value& o, const char* k) {
    auto it = o.FindMember(k);
    return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

Result<rapidjson::Document> parse_object(std::string_view json, const char* what) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) return make_error(std::string("corrupt ") + what + " record");
    return d;
}

// Older records list only directories: /sys/fs/cgroup/<hierarchy>/… is a v1 one, a lone
// directory or one under /sys/fs/cgroup/unified is cgroup2.
std::map<std::string, std::string> cgroups_by_shape(const std::vector<std::string>& dirs) {
    std::map<std::string, std::string> out;
    const std::string root = "/sys/fs/cgroup/";
    for (auto& dir : dirs) {
        std::string rest = dir.starts_with(root) ? dir.substr(root.size()) : dir;
        std::string first = rest.substr(0, rest.find('/'));
        out[first == "unified" || dirs.size() == 1 ? std::string() : first] = dir;
    }
    return out;
}

// "PATH: why" for a record file that cannot be used.
std::string damaged(const std::string& path, const Error& e, const Result<std::string>& text) {
    if (!text.ok()) return path + ": " + (text.error().code == ENOENT ? "missing" : text.error().message);
    return path + ": " + e.message + " (" + std::to_string(text->size()) + " bytes)";
}

struct Loaded {
    Container c;
    bool definition_ok = true;
};

// Not found: no container directory (whatever else of it there is gets swept if stale). Found: the
// container, with `damage` naming each record file that could not be used.
Result<Loaded> load(const StoreConfig& s, const std::string& id) {
    std::string def_dir = fs::join(defs_root(s), id);
    struct stat st;
    if (::stat(def_dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
        paths::sweep_if_stale(s, id);
        return missing_error("no container with ID " + id);
    }
    Loaded l;
    Container& c = l.c;
    std::vector<std::string> damage;
    std::string path = def_path(s, id, false);
    auto text = fs::read_file(path);
    if (!text.ok() && text.error().code == ENOENT && sys::exists(def_path(s, id, true)))
        text = fs::read_file(path = def_path(s, id, true));
    auto def = text.ok() ? parse_definition(*text) : Result<ContainerDefinition>(text.error());
    if (def.ok() && def->id != id) def = make_error("holds the id of another container");
    if (def.ok()) {
        static_cast<ContainerDefinition&>(c) = def.take();
    } else {
        damage.push_back(damaged(path, def.error(), text));
        l.definition_ok = false;
        c.id = id;
        auto names = paths::names_of(s, id);
        if (!names.empty()) c.name = names.front();
        c.created_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }
    // No run-time directory: the boot it was made in has ended (created or exited, as recorded).
    if (sys::exists(fs::join(run_root(s), id))) {
        auto st_text = fs::read_file(status_path(s, id));
        auto parsed = st_text.ok() ? parse_status(*st_text) : Result<ContainerStatus>(st_text.error());
        if (parsed.ok()) {
            static_cast<ContainerStatus&>(c) = parsed.take();
        } else {
            damage.push_back(damaged(status_path(s, id), parsed.error(), st_text));
            c.state = ContainerState::kUnknown;
        }
    }
    c.damage = str::join(damage, "; ");
    // A container whose process is gone (its skiff or its monitor was killed) has exited. While its
    // monitor lives, the monitor records the exit: until then it is still running.
    bool has_process = c.state == ContainerState::kRunning || c.state == ContainerState::kInitialized;
    if (has_process && !same_process(c.pid, c.pid_start) && !same_process(c.monitor_pid, c.monitor_start)) {
        c.state = ContainerState::kExited;
        c.exit_code = -1;
    }
    if (c.state != ContainerState::kRunning) c.paused = c.stopping = false;
    return l;
}

}  // namespace

const char* state_name(ContainerState s) {
    switch (s) {
        case ContainerState::kCreated: return "created";
        case ContainerState::kRunning: return "running";
        case ContainerState::kExited: return "exited";
        case ContainerState::kUnknown: return "unknown";
        case ContainerState::kInitialized: return "initialized";
    }
    return "unknown";
}

const char* status_name(const Container& c) {
    if (c.state == ContainerState::kRunning && c.stopping) return "stopping";
    return c.state == ContainerState::kRunning && c.paused ? "paused" : state_name(c.state);
}

unsigned long long process_start_time(pid_t pid) {
    if (pid <= 0) return 0;
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text.ok()) return 0;
    // Field 22, counted after the ")" that closes the command name (which may hold spaces).
    auto close = text->rfind(')');
    if (close == std::string::npos || close + 2 >= text->size()) return 0;
    auto fields = str::split(std::string_view(*text).substr(close + 2), ' ');
    if (fields.size() < 20) return 0;
    // A zombie has exited: only its parent has not reaped it yet. One whose parent is gone may
    // never be reaped (an init that does not reap orphans), and a dead monitor must not keep its
    // container "running".
    if (fields[0] == "Z" || fields[0] == "X") return 0;
    return std::strtoull(fields[19].c_str(), nullptr, 10);
}

bool same_process(pid_t pid, unsigned long long start) {
    return pid > 0 && start != 0 && process_start_time(pid) == start;
}

bool valid_name(std::string_view n) {
    if (n.empty()) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (!alnum(n[0])) return false;
    return std::all_of(n.begin(), n.end(), [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string generate_name(uint64_t r) {
    static constexpr const char* kAdjectives[] = {
        "agile", "brave", "calm", "clever", "eager", "fancy", "gentle", "happy", "jolly", "keen",
        "lucid", "merry", "nimble", "proud", "quiet", "rapid", "sharp", "steady", "swift", "witty",
        "bold", "bright", "cosy", "daring", "fearless", "frosty", "hardy", "lively", "mellow", "plucky"};
    static constexpr const char* kNouns[] = {
        "albatross", "barnacle", "cormorant", "dinghy", "ensign", "frigate", "gannet", "harbour",
        "keel", "lagoon", "mariner", "narwhal", "oar", "pelican", "quay", "rudder", "schooner",
        "tern", "tiller", "voyager", "wake", "yawl", "anchor", "buoy", "cutter", "dory", "galley",
        "hull", "ketch", "sloop"};
    constexpr size_t na = sizeof kAdjectives / sizeof *kAdjectives, nn = sizeof kNouns / sizeof *kNouns;
    return std::string(kAdjectives[r % na]) + "_" + kNouns[(r / na) % nn];
}

std::string serialize_definition(const ContainerDefinition& d) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    put(w, "id", d.id);
    put(w, "name", d.name);
    put(w, "image_id", d.image_id);
    put(w, "image_name", d.image_name);
    put_list(w, "command", d.command);
    put_list(w, "env", d.env);
    put(w, "user", d.user);
    put(w, "working_dir", d.working_dir);
    put(w, "hostname", d.hostname);
    w.Key("tty");
    w.Bool(d.tty);
    w.Key("interactive");
    w.Bool(d.interactive);
    w.Key("auto_remove");
    w.Bool(d.auto_remove);
    w.Key("labels");
    w.StartObject();
    for (auto& [k, v] : d.labels) put(w, k.c_str(), v);
    w.EndObject();
    w.Key("created_ns");
    w.Int64(d.created_ns);
    if (!d.config.empty()) put(w, "run_options", d.config);
    w.EndObject();
    return buf.GetString();
}

Result<ContainerDefinition> parse_definition(std::string_view json) {
    auto doc = TRY(parse_object(json, "container"));
    ContainerDefinition d;
    d.id = get_str(doc, "id");
    if (!is_id(d.id)) return make_error("corrupt container record: bad id");
    d.name = get_str(doc, "name");
    d.image_id = get_str(doc, "image_id");
    d.image_name = get_str(doc, "image_name");
    d.command = get_list(doc, "command");
    d.env = get_list(doc, "env");
    d.user = get_str(doc, "user");
    d.working_dir = get_str(doc, "working_dir");
    d.hostname = get_str(doc, "hostname");
    d.tty = get_bool(doc, "tty");
    d.interactive = get_bool(doc, "interactive");
    d.auto_remove = get_bool(doc, "auto_remove");
    auto labels = doc.FindMember("labels");
    if (labels != doc.MemberEnd() && labels->value.IsObject())
        for (auto& m : labels->value.GetObject())
            if (m.value.IsString()) d.labels[m.name.GetString()] = m.value.GetString();
    d.created_ns = get_int(doc, "created_ns");
    d.config = get_str(doc, "run_options");
    return d;
}

std::string serialize_status(const ContainerStatus& s) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    put(w, "state", state_name(s.state));
    w.Key("pid");
    w.Int(s.pid);
    w.Key("pid_start");
    w.Uint64(s.pid_start);
    w.Key("exit_code");
    w.Int(s.exit_code);
    w.Key("started_ns");
    w.Int64(s.started_ns);
    w.Key("finished_ns");
    w.Int64(s.finished_ns);
    if (s.monitor_pid > 0) {
        w.Key("monitor_pid");
        w.Int(s.monitor_pid);
        w.Key("monitor_start");
        w.Uint64(s.monitor_start);
    }
    if (s.restarts > 0) {
        w.Key("restarts");
        w.Int(s.restarts);
    }
    if (s.oom_killed) {
        w.Key("oom_killed");
        w.Bool(true);
    }
    if (!s.cgroups.empty()) {
        w.Key("cgroups");
        w.StartObject();
        for (auto& [hierarchy, dir] : s.cgroups) put(w, hierarchy.c_str(), dir);
        w.EndObject();
    }
    if (s.paused) {
        w.Key("paused");
        w.Bool(true);
    }
    if (s.stopping) {
        w.Key("stopping");
        w.Bool(true);
    }
    w.EndObject();
    return buf.GetString();
}

Result<ContainerStatus> parse_status(std::string_view json) {
    auto doc = TRY(parse_object(json, "container state"));
    ContainerStatus s;
    std::string state = get_str(doc, "state");
    if (state == "running")
        s.state = ContainerState::kRunning;
    else if (state == "exited")
        s.state = ContainerState::kExited;
    else if (state == "created")
        s.state = ContainerState::kCreated;
    else if (state == "initialized")
        s.state = ContainerState::kInitialized;
    else
        return make_error("corrupt container state: unknown state \"" + state + "\"");
    s.pid = static_cast<pid_t>(get_int(doc, "pid"));
    auto it = doc.FindMember("pid_start");
    if (it != doc.MemberEnd() && it->value.IsUint64()) s.pid_start = it->value.GetUint64();
    s.exit_code = static_cast<int>(get_int(doc, "exit_code"));
    s.started_ns = get_int(doc, "started_ns");
    s.finished_ns = get_int(doc, "finished_ns");
    s.monitor_pid = static_cast<pid_t>(get_int(doc, "monitor_pid"));
    if (auto m = doc.FindMember("monitor_start"); m != doc.MemberEnd() && m->value.IsUint64())
        s.monitor_start = m->value.GetUint64();
    s.restarts = static_cast<int>(get_int(doc, "restarts"));
    s.oom_killed = get_bool(doc, "oom_killed");
    if (auto cg = doc.FindMember("cgroups"); cg != doc.MemberEnd() && cg->value.IsObject()) {
        for (auto& m : cg->value.GetObject())
            if (m.value.IsString()) s.cgroups[m.name.GetString()] = m.value.GetString();
    } else {
        s.cgroups = cgroups_by_shape(get_list(doc, "cgroup_dirs"));  // written by an older skiff
    }
    s.paused = get_bool(doc, "paused");
    s.stopping = get_bool(doc, "stopping");
    return s;
}

std::string container_dir(const StoreConfig& s, const std::string& id) { return fs::join(defs_root(s), id); }
std::string container_run_dir(const StoreConfig& s, const std::string& id) { return fs::join(run_root(s), id); }

Result<FileLock> lock_container(const StoreConfig& s, const std::string& id) {
    TRY(fs::mkdir_p(fs::join(s.runroot, "locks"), 0700));
    return FileLock::acquire(paths::lock_path(s, id));
}

Result<FileLock> lock_existing_container(const StoreConfig& s, const std::string& id) {
    return FileLock::acquire_existing(paths::lock_path(s, id));
}

// A name reservation left by a killed command (its container never made, or removed, or renamed)
// is taken over; one held for real is an error.
static Result<void> reserve_name(const StoreConfig& s, const std::string& name, const std::string& id) {
    std::string link = fs::join(names_dir(s), name);
    std::string owner;
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (::symlink(id.c_str(), link.c_str()) == 0) return {};
        if (errno != EEXIST) return sys_error("reserve name " + name);
        owner = paths::name_owner(s, name);
        if (!owner.empty() && !paths::take_stale_name(s, name, owner)) break;
    }
    return make_error("creating container storage: the container name \"" + name + "\" is already in use by " +
                      (owner.empty() ? "another container" : owner) +
                      ". You have to remove that container to be able to reuse that name: that name is already in use");
}

static void release_name(const StoreConfig& s, const std::string& name, const std::string& id) {
    if (paths::name_owner(s, name) == id) ::unlink(fs::join(names_dir(s), name).c_str());
}

// Under the new container's lock, so that nobody takes what is built here for a killed command's
// leftovers: the name, the run-time directory and state, then the definition in a staging
// directory renamed into place.
static Result<void> publish(const StoreConfig& s, const Container& c) {
    std::string staging = paths::staging(defs_root(s), c.id);
    std::string run_dir = container_run_dir(s, c.id);
    TRY(fs::mkdir_p(staging, 0700));
    TRY(fs::mkdir_p(run_dir, 0700));
    TRY(fs::write_file_atomic(fs::join(run_dir, "state.json"), serialize_status(c), fs::Durability::kNoSync, 0600));
    auto durability = c.auto_remove ? fs::Durability::kNoSync : fs::Durability::kFsync;
    TRY(fs::write_file_atomic(fs::join(c.auto_remove ? run_dir : staging, "config.json"), serialize_definition(c),
                              durability, 0600));
    if (::rename(staging.c_str(), container_dir(s, c.id).c_str()) < 0)
        return sys_error("rename " + staging + " to " + container_dir(s, c.id));
    if (durability == fs::Durability::kFsync) TRY(fs::fsync_dir(defs_root(s)));
    return {};
}

Result<Container> create_container(const StoreConfig& s, ContainerDefinition def) {
    TRY(fs::mkdir_p(names_dir(s), 0700));
    TRY(fs::mkdir_p(run_root(s), 0700));
    if (def.id.empty()) def.id = str::random_hex(32);
    if (!is_id(def.id)) return make_error("invalid container id \"" + def.id + "\"");
    if (def.created_ns == 0) def.created_ns = now_ns();
    if (!def.name.empty() && !valid_name(def.name))
        return make_error("invalid container name \"" + def.name + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    auto lock = TRY(lock_container(s, def.id));
    if (!def.name.empty()) {
        auto reserved = reserve_name(s, def.name, def.id);
        if (!reserved.ok()) {
            ::unlink(paths::lock_path(s, def.id).c_str());  // nothing of this container was made
            return reserved.take_error();
        }
    } else {
        for (int attempt = 0;; ++attempt) {
            uint64_t r = std::strtoull(str::random_hex(8).c_str(), nullptr, 16);
            def.name = generate_name(r);
            if (attempt > 8) def.name += "_" + str::random_hex(3);
            auto ok = reserve_name(s, def.name, def.id);
            if (ok.ok()) break;
            if (attempt > 16) {
                ::unlink(paths::lock_path(s, def.id).c_str());
                return ok.take_error();
            }
        }
    }
    Container c;
    static_cast<ContainerDefinition&>(c) = def;
    auto published = publish(s, c);
    if (!published.ok()) {
        (void)fs::remove_all(paths::staging(defs_root(s), c.id));
        (void)remove_container(s, c);
        return published.take_error();
    }
    return c;
}

Result<void> write_run_file(const StoreConfig& s, const std::string& id, const std::string& name, std::string_view data,
                            unsigned mode) {
    return write_record(run_root(s), fs::join(container_run_dir(s, id), name), data, fs::Durability::kNoSync, mode);
}

Result<void> save_status(const StoreConfig& s, const Container& c) {
    if (!sys::exists(container_run_dir(s, c.id))) return make_error("container " + c.id + " was removed");
    return write_run_file(s, c.id, "state.json", serialize_status(c));
}

Result<void> save_definition(const StoreConfig& s, const ContainerDefinition& def) {
    auto durability = def.auto_remove ? fs::Durability::kNoSync : fs::Durability::kFsync;
    return write_record(def.auto_remove ? run_root(s) : defs_root(s), def_path(s, def.id, def.auto_remove),
                        serialize_definition(def), durability);
}

Result<void> rename_container(const StoreConfig& s, Container& c, const std::string& name) {
    if (!valid_name(name))
        return make_error("invalid container name \"" + name + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    if (name == c.name) return {};
    TRY(reserve_name(s, name, c.id));
    ContainerDefinition def = c;
    def.name = name;
    // Killed from here on, the container has two names until one of them is met: the one its
    // definition does not hold is then taken for stale.
    auto written = save_definition(s, def);
    if (!written) {
        release_name(s, name, c.id);
        return written.take_error();
    }
    release_name(s, c.name, c.id);
    c.name = name;
    return {};
}

Result<void> remove_container(const StoreConfig& s, const Container& c) {
    // Renamed aside first: from then on nobody lists or finds the container, and if this process
    // is killed, whoever meets what is left sweeps it.
    std::string def_trash = paths::trash(defs_root(s), c.id), run_trash = paths::trash(run_root(s), c.id);
    // Its root mounted on the host (`skiff mount`) goes with it: nothing else would unmount it.
    TRY(unmount_host(container_host_mount(s, c.id)));
    // So is its /dev/shm, left mounted by a monitor killed before it could unmount it.
    if (std::string shm = container_shm_dir(s, c.id); mounted_at(shm)) TRY(sys::umount(shm, MNT_DETACH));
    if (::rename(container_dir(s, c.id).c_str(), def_trash.c_str()) < 0 && errno != ENOENT)
        return sys_error("rename " + container_dir(s, c.id) + " to " + def_trash);
    if (::rename(container_run_dir(s, c.id).c_str(), run_trash.c_str()) < 0 && errno != ENOENT)
        return sys_error("rename " + container_run_dir(s, c.id) + " to " + run_trash);
    if (!c.name.empty()) release_name(s, c.name, c.id);
    // A damaged definition may not say the name: every reservation pointing here goes.
    if (!c.damage.empty())
        for (auto& n : paths::names_of(s, c.id)) release_name(s, n, c.id);
    TRY(fs::remove_all(def_trash));
    TRY(fs::remove_all(run_trash));
    ::unlink(paths::lock_path(s, c.id).c_str());
    return {};
}

// The ids of the containers directories' entries. What a killed command left there (a staging or
// trash directory, a run-time directory without its container, temporary files) is swept on the
// way: `ps -a` lists these directories anyway.
static Result<std::vector<std::string>> container_ids(const StoreConfig& s) {
    std::vector<std::string> ids;
    for (auto& dir : {defs_root(s), run_root(s)}) {
        for (auto& n : TRY(fs::list_dir(dir))) {
            if (is_id(n)) ids.push_back(n);
            else if (n.starts_with(".creating-")) paths::sweep_if_stale(s, n.substr(10));
            else if (n.starts_with(".removing-")) paths::sweep_if_stale(s, n.substr(10));
            else if (n == ".tmp") paths::sweep_tmp(dir);
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

Result<std::vector<Container>> list_containers(const StoreConfig& s) {
    std::vector<Container> out;
    for (auto& id : TRY(container_ids(s))) {
        auto l = load(s, id);
        if (l.ok()) out.push_back(std::move(l->c));  // one being created or removed is skipped
    }
    std::sort(out.begin(), out.end(), [](const Container& a, const Container& b) { return a.created_ns > b.created_ns; });
    return out;
}

static Result<Container> found(Loaded l, bool damaged_too) {
    if (!l.c.damage.empty() && !damaged_too)
        return make_error("container " + l.c.id + " has a damaged record: " + l.c.damage +
                          " (skiff ps -a lists it, skiff rm -f removes it)");
    return std::move(l.c);
}

Result<Container> find_container(const StoreConfig& s, std::string_view key, bool damaged_too) {
    std::string k(key);
    if (k.empty()) return missing_error("no container with name or ID \"\" found: no such container");
    paths::sweep_tmp(defs_root(s));
    paths::sweep_tmp(run_root(s));
    if (is_id(k)) {
        auto l = load(s, k);
        if (l.ok()) return found(l.take(), damaged_too);
    }
    std::string owner = valid_name(k) ? paths::name_owner(s, k) : std::string();
    if (!owner.empty()) {
        auto l = load(s, owner);
        // A definition that cannot be read does not say its name: the reservation does.
        if (l.ok() && !l->definition_ok) l->c.name = k;
        if (l.ok() && l->c.name == k) return found(l.take(), damaged_too);
        paths::take_stale_name(s, k, owner);
    }
    std::vector<std::string> matches;
    for (auto& id : TRY(container_ids(s)))
        if (str::starts_with(id, k)) matches.push_back(id);
    if (matches.size() > 1) return make_error("more than one result for container \"" + k + "\"");
    if (matches.size() == 1) {
        auto l = load(s, matches[0]);
        if (l.ok()) return found(l.take(), damaged_too);
    }
    return missing_error("no container with name or ID \"" + k + "\" found: no such container");
}

Result<std::vector<std::string>> containers_using_image(const StoreConfig& s, const std::string& image_id) {
    std::vector<std::string> out;
    for (auto& c : TRY(list_containers(s)))
        if (c.image_id == image_id) out.push_back(c.id);
    return out;
}

}  // namespace skiff::storage
