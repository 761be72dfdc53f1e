// RunOptions as JSON (stored with a created container) and the restart policy's grammar.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>

#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/run.hpp"

namespace skiff::engine {

namespace {

void put_bool(json::Writer& w, const char* key, bool v) {
    w.Key(key);
    w.Bool(v);
}

bool get_bool(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

std::string serialize_run_options(const RunOptions& o) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    json::put(w, "image", o.image);
    json::put_strings(w, "command", o.command);
    if (o.entrypoint) json::put(w, "entrypoint", *o.entrypoint);
    put_bool(w, "remove", o.remove);
    put_bool(w, "interactive", o.interactive);
    put_bool(w, "tty", o.tty);
    json::put_strings(w, "env", o.env);
    json::put_strings(w, "env_files", o.env_files);
    json::put(w, "workdir", o.workdir);
    json::put(w, "user", o.user);
    json::put(w, "hostname", o.hostname);
    json::put(w, "name", o.name);
    json::put(w, "network", o.network);
    if (!o.expose.empty()) json::put_strings(w, "expose", o.expose);
    if (!o.ports.empty()) {
        w.Key("ports");
        w.StartArray();
        for (auto& p : o.ports) {
            w.StartObject();
            json::put_nonempty(w, "host_ip", p.host_ip);
            w.Key("host_port");
            w.Uint(p.host_port);
            w.Key("container_port");
            w.Uint(p.container_port);
            json::put(w, "protocol", p.protocol);
            w.EndObject();
        }
        w.EndArray();
    }
    json::put_strings(w, "volumes", o.volumes);
    json::put_strings(w, "anonymous_volumes", o.anonymous_volumes);
    json::put_strings(w, "tmpfs", o.tmpfs);
    json::put_strings(w, "mounts", o.mounts);
    put_bool(w, "read_only", o.read_only);
    put_bool(w, "privileged", o.privileged);
    if (!o.devices.empty()) json::put_strings(w, "devices", o.devices);
    if (!o.device_cgroup_rules.empty()) json::put_strings(w, "device_cgroup_rules", o.device_cgroup_rules);
    json::put_strings(w, "cap_add", o.cap_add);
    json::put_strings(w, "cap_drop", o.cap_drop);
    json::put_strings(w, "security_opt", o.security_opt);
    json::put_string_map(w, "labels", o.labels);
    put_bool(w, "detach", o.detach);
    json::put(w, "restart", o.restart);
    json::put(w, "log_driver", o.log_driver);
    json::put_strings(w, "log_opts", o.log_opts);
    json::put(w, "stop_signal", o.stop_signal);
    w.Key("stop_timeout");
    w.Int(o.stop_timeout);
    json::put(w, "cgroups", o.cgroups);
    json::put(w, "cgroup_parent", o.cgroup_parent);
    json::put(w, "memory", o.memory);
    json::put(w, "memory_swap", o.memory_swap);
    json::put(w, "cpus", o.cpus);
    w.Key("cpu_shares");
    w.Uint64(o.cpu_shares);
    json::put(w, "cpuset_cpus", o.cpuset_cpus);
    if (o.pids_limit) {
        w.Key("pids_limit");
        w.Int64(*o.pids_limit);
    }
    json::put_nonempty(w, "pidfile", o.pidfile);
    if (!o.ulimits.empty()) json::put_strings(w, "ulimits", o.ulimits);
    if (o.oom_score_adj) {
        w.Key("oom_score_adj");
        w.Int(*o.oom_score_adj);
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

Result<RunOptions> parse_run_options(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return make_error("corrupt container options");
    RunOptions o;
    o.image = json::get_string(d, "image");
    o.command = json::get_strings(d, "command");
    if (d.HasMember("entrypoint")) o.entrypoint = json::get_string(d, "entrypoint");
    o.remove = get_bool(d, "remove");
    o.interactive = get_bool(d, "interactive");
    o.tty = get_bool(d, "tty");
    o.env = json::get_strings(d, "env");
    o.env_files = json::get_strings(d, "env_files");
    o.workdir = json::get_string(d, "workdir");
    o.user = json::get_string(d, "user");
    o.hostname = json::get_string(d, "hostname");
    o.name = json::get_string(d, "name");
    o.network = json::get_string(d, "network");
    o.expose = json::get_strings(d, "expose");
    if (auto it = d.FindMember("ports"); it != d.MemberEnd() && it->value.IsArray()) {
        for (auto& p : it->value.GetArray()) {
            if (!p.IsObject()) return make_error("corrupt container options: ports");
            net::PortMapping m;
            m.host_ip = json::get_string(p, "host_ip");
            m.host_port = static_cast<uint16_t>(json::get_uint(p, "host_port"));
            m.container_port = static_cast<uint16_t>(json::get_uint(p, "container_port"));
            m.protocol = json::get_string(p, "protocol");
            o.ports.push_back(std::move(m));
        }
    }
    o.volumes = json::get_strings(d, "volumes");
    o.anonymous_volumes = json::get_strings(d, "anonymous_volumes");
    o.tmpfs = json::get_strings(d, "tmpfs");
    o.mounts = json::get_strings(d, "mounts");
    o.read_only = get_bool(d, "read_only");
    o.privileged = get_bool(d, "privileged");
    o.devices = json::get_strings(d, "devices");
    o.device_cgroup_rules = json::get_strings(d, "device_cgroup_rules");
    o.cap_add = json::get_strings(d, "cap_add");
    o.cap_drop = json::get_strings(d, "cap_drop");
    o.security_opt = json::get_strings(d, "security_opt");
    o.labels = json::get_string_map(d, "labels");
    o.detach = get_bool(d, "detach");
    o.restart = json::get_string(d, "restart");
    o.log_driver = json::get_string(d, "log_driver");
    o.log_opts = json::get_strings(d, "log_opts");
    o.stop_signal = json::get_string(d, "stop_signal");
    o.stop_timeout = static_cast<int>(json::get_int(d, "stop_timeout"));
    o.cgroups = json::get_string(d, "cgroups");
    if (o.cgroups.empty()) o.cgroups = "enabled";
    o.cgroup_parent = json::get_string(d, "cgroup_parent");
    o.memory = json::get_string(d, "memory");
    o.memory_swap = json::get_string(d, "memory_swap");
    o.cpus = json::get_string(d, "cpus");
    o.cpu_shares = json::get_uint(d, "cpu_shares");
    o.cpuset_cpus = json::get_string(d, "cpuset_cpus");
    if (d.HasMember("pids_limit")) o.pids_limit = json::get_int(d, "pids_limit");
    o.pidfile = json::get_string(d, "pidfile");
    o.ulimits = json::get_strings(d, "ulimits");
    if (d.HasMember("oom_score_adj")) o.oom_score_adj = static_cast<int>(json::get_int(d, "oom_score_adj"));
    return o;
}

Result<RestartPolicy> parse_restart_policy(std::string_view s) {
    RestartPolicy p;
    std::string_view name = s.substr(0, s.find(':'));
    bool has_count = name.size() != s.size();
    if (name == "" || name == "no") p.kind = RestartPolicy::Kind::kNo;
    else if (name == "on-failure") p.kind = RestartPolicy::Kind::kOnFailure;
    else if (name == "always") p.kind = RestartPolicy::Kind::kAlways;
    else if (name == "unless-stopped") p.kind = RestartPolicy::Kind::kUnlessStopped;
    else return make_error("invalid restart policy \"" + std::string(s) + "\": want no, on-failure[:N], always or unless-stopped");
    if (has_count) {
        if (p.kind != RestartPolicy::Kind::kOnFailure)
            return make_error("restart policy \"" + std::string(s) + "\": a retry count is only allowed with on-failure");
        std::string n(s.substr(name.size() + 1));
        char* end = nullptr;
        long v = std::strtol(n.c_str(), &end, 10);
        if (n.empty() || *end || v < 0 || v > 1000000)
            return make_error("restart policy \"" + std::string(s) + "\": the retry count must be a number 0 or more");
        p.max_retries = static_cast<int>(v);
    }
    return p;
}

}  // namespace skiff::engine
