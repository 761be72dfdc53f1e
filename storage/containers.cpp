#include "skiff/storage/containers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::storage {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string defs_root(const StoreConfig& s) { return fs::join(s.root, "containers"); }
std::string run_root(const StoreConfig& s) { return fs::join(s.runroot, "containers"); }
std::string names_dir(const StoreConfig& s) { return fs::join(defs_root(s), "names"); }

std::string def_path(const StoreConfig& s, const std::string& id, bool auto_remove) {
    return fs::join(auto_remove ? run_root(s) : defs_root(s), id + "/config.json");
}
std::string status_path(const StoreConfig& s, const std::string& id) {
    return fs::join(run_root(s), id + "/state.json");
}

bool is_id(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
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

Result<Container> load(const StoreConfig& s, const std::string& id) {
    Container c;
    auto text = fs::read_file(def_path(s, id, false));
    if (!text.ok()) text = fs::read_file(def_path(s, id, true));
    if (!text.ok()) return text.take_error();
    static_cast<ContainerDefinition&>(c) = TRY_CTX(parse_definition(*text), "container " + id);
    auto st = fs::read_file(status_path(s, id));
    if (st.ok()) {
        auto parsed = parse_status(*st);
        if (parsed.ok()) static_cast<ContainerStatus&>(c) = parsed.take();
    }
    // A container whose process is gone (its skiff or its monitor was killed) has exited. While its
    // monitor lives, the monitor records the exit: until then it is still running.
    if (c.state == ContainerState::kRunning && !same_process(c.pid, c.pid_start) && !same_process(c.monitor_pid, c.monitor_start)) {
        c.state = ContainerState::kExited;
        c.exit_code = -1;
    }
    if (c.state != ContainerState::kRunning) c.paused = false;
    return c;
}

}  // namespace

const char* state_name(ContainerState s) {
    switch (s) {
        case ContainerState::kCreated: return "created";
        case ContainerState::kRunning: return "running";
        case ContainerState::kExited: return "exited";
    }
    return "unknown";
}

const char* status_name(const Container& c) {
    return c.state == ContainerState::kRunning && c.paused ? "paused" : state_name(c.state);
}

int64_t now_ns() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
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
    if (!d.run_options.empty()) put(w, "run_options", d.run_options);
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
    d.run_options = get_str(doc, "run_options");
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
    return s;
}

std::string container_dir(const StoreConfig& s, const std::string& id) { return fs::join(defs_root(s), id); }
std::string container_run_dir(const StoreConfig& s, const std::string& id) { return fs::join(run_root(s), id); }

Result<FileLock> lock_container(const StoreConfig& s, const std::string& id) {
    std::string dir = fs::join(s.runroot, "locks");
    TRY(fs::mkdir_p(dir, 0700));
    return FileLock::acquire(fs::join(dir, "container-" + id));
}

static Result<void> reserve_name(const StoreConfig& s, const std::string& name, const std::string& id) {
    std::string link = fs::join(names_dir(s), name);
    if (::symlink(id.c_str(), link.c_str()) == 0) return {};
    if (errno != EEXIST) return sys_error("reserve name " + name);
    char target[128];
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    std::string owner = n > 0 ? std::string(target, static_cast<size_t>(n)) : "another container";
    return make_error("creating container storage: the container name \"" + name + "\" is already in use by " +
                      owner + ". You have to remove that container to be able to reuse that name: that name is already in use");
}

Result<Container> create_container(const StoreConfig& s, ContainerDefinition def) {
    TRY(fs::mkdir_p(names_dir(s), 0700));
    TRY(fs::mkdir_p(run_root(s), 0700));
    if (def.id.empty()) def.id = str::random_hex(32);
    if (!is_id(def.id)) return make_error("invalid container id \"" + def.id + "\"");
    if (def.created_ns == 0) def.created_ns = now_ns();
    if (!def.name.empty()) {
        if (!valid_name(def.name))
            return make_error("invalid container name \"" + def.name + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
        TRY(reserve_name(s, def.name, def.id));
    } else {
        for (int attempt = 0;; ++attempt) {
            uint64_t r = std::strtoull(str::random_hex(8).c_str(), nullptr, 16);
            def.name = generate_name(r);
            if (attempt > 8) def.name += "_" + str::random_hex(3);
            auto ok = reserve_name(s, def.name, def.id);
            if (ok.ok()) break;
            if (attempt > 16) return ok.take_error();
        }
    }
    Container c;
    static_cast<ContainerDefinition&>(c) = def;
    auto durability = def.auto_remove ? fs::Durability::kNoSync : fs::Durability::kFsync;
    auto write = [&]() -> Result<void> {
        TRY(fs::mkdir_p(container_dir(s, def.id), 0700));
        TRY(fs::mkdir_p(container_run_dir(s, def.id), 0700));
        TRY(fs::write_file_atomic(status_path(s, def.id), serialize_status(c), fs::Durability::kNoSync, 0600));
        TRY(fs::write_file_atomic(def_path(s, def.id, def.auto_remove), serialize_definition(def), durability, 0600));
        return {};
    };
    auto r = write();
    if (!r.ok()) {
        (void)remove_container(s, c);
        return r.take_error();
    }
    return c;
}

Result<void> save_status(const StoreConfig& s, const Container& c) {
    if (!sys::exists(container_run_dir(s, c.id))) return make_error("container " + c.id + " was removed");
    return fs::write_file_atomic(status_path(s, c.id), serialize_status(c), fs::Durability::kNoSync, 0600);
}

Result<void> save_definition(const StoreConfig& s, const ContainerDefinition& def) {
    auto durability = def.auto_remove ? fs::Durability::kNoSync : fs::Durability::kFsync;
    return fs::write_file_atomic(def_path(s, def.id, def.auto_remove), serialize_definition(def), durability, 0600);
}

static void release_name(const StoreConfig& s, const std::string& name, const std::string& id) {
    std::string link = fs::join(names_dir(s), name);
    char target[128];
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == id) ::unlink(link.c_str());
}

Result<void> rename_container(const StoreConfig& s, Container& c, const std::string& name) {
    if (!valid_name(name))
        return make_error("invalid container name \"" + name + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    if (name == c.name) return {};
    TRY(reserve_name(s, name, c.id));
    ContainerDefinition def = c;
    def.name = name;
    auto durability = def.auto_remove ? fs::Durability::kNoSync : fs::Durability::kFsync;
    auto written = fs::write_file_atomic(def_path(s, c.id, def.auto_remove), serialize_definition(def), durability, 0600);
    if (!written) {
        release_name(s, name, c.id);
        return written.take_error();
    }
    release_name(s, c.name, c.id);
    c.name = name;
    return {};
}

Result<void> remove_container(const StoreConfig& s, const Container& c) {
    // The definition goes first: once it is gone, nobody lists the container.
    ::unlink(def_path(s, c.id, false).c_str());
    ::unlink(def_path(s, c.id, true).c_str());
    TRY(fs::remove_all(container_dir(s, c.id)));
    TRY(fs::remove_all(container_run_dir(s, c.id)));
    if (!c.name.empty()) release_name(s, c.name, c.id);
    ::unlink(fs::join(s.runroot, "locks/container-" + c.id).c_str());
    return {};
}

static Result<std::vector<std::string>> container_ids(const StoreConfig& s) {
    std::vector<std::string> ids;
    for (auto& dir : {defs_root(s), run_root(s)}) {
        for (auto& n : TRY(fs::list_dir(dir)))
            if (is_id(n)) ids.push_back(n);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

Result<std::vector<Container>> list_containers(const StoreConfig& s) {
    std::vector<Container> out;
    for (auto& id : TRY(container_ids(s))) {
        auto c = load(s, id);
        if (c.ok()) out.push_back(c.take());  // a half-created or half-removed container is skipped
    }
    std::sort(out.begin(), out.end(), [](const Container& a, const Container& b) { return a.created_ns > b.created_ns; });
    return out;
}

Result<Container> find_container(const StoreConfig& s, std::string_view key) {
    std::string k(key);
    if (k.empty()) return missing_error("no container with name or ID \"\" found: no such container");
    if (is_id(k)) {
        auto c = load(s, k);
        if (c.ok()) return c;
    }
    if (valid_name(k)) {
        char target[128];
        ssize_t n = ::readlink(fs::join(names_dir(s), k).c_str(), target, sizeof target - 1);
        if (n > 0) {
            auto c = load(s, std::string(target, static_cast<size_t>(n)));
            if (c.ok()) return c;
        }
    }
    std::vector<std::string> matches;
    for (auto& id : TRY(container_ids(s)))
        if (str::starts_with(id, k)) matches.push_back(id);
    if (matches.size() > 1) return make_error("more than one result for container \"" + k + "\"");
    if (matches.size() == 1) {
        auto c = load(s, matches[0]);
        if (c.ok()) return c;
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
