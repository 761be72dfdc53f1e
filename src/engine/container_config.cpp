// The container's configuration: the command line's options checked and typed once (configure),
// and the record's text (schema 2), which also reads what an earlier skiff stored (schema 1: the
// options themselves, as JSON) by configuring those options again.
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "run_internal.hpp"
#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/oci/image_change.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/rlimits.hpp"
#include "skiff/engine/spec.hpp"

namespace skiff::engine {

namespace {

Result<std::vector<std::string>> parse_entrypoint(const std::string& s) {
    if (s.empty()) return std::vector<std::string>{};
    if (s.front() == '[') {
        rapidjson::Document d;
        d.Parse(s.c_str(), s.size());
        if (!d.HasParseError() && d.IsArray()) {
            std::vector<std::string> out;
            for (auto& v : d.GetArray()) {
                if (!v.IsString()) return make_error("invalid --entrypoint " + s + ": not an array of strings");
                out.emplace_back(v.GetString(), v.GetStringLength());
            }
            return out;
        }
    }
    return std::vector<std::string>{s};
}

Result<SecurityConfig> parse_security_opts(const std::vector<std::string>& opts) {
    SecurityConfig out;
    out.options = opts;
    for (auto& o : opts) {
        auto eq = o.find_first_of("=:");
        std::string key = o.substr(0, eq), value = eq == std::string::npos ? "" : o.substr(eq + 1);
        if (key == "seccomp") {
            if (value == "unconfined") {
                out.seccomp = runtime::SeccompMode::kUnconfined;
            } else if (!value.empty()) {
                out.seccomp = runtime::SeccompMode::kProfile;
                out.seccomp_profile = value;
            } else {
                return make_error("invalid --security-opt " + o + ": seccomp needs unconfined or a profile path");
            }
        } else if (key == "no-new-privileges") {
            if (value.empty() || value == "true")
                out.no_new_privileges = true;
            else if (value == "false")
                out.no_new_privileges = false;
            else
                return make_error("invalid --security-opt " + o + ": want no-new-privileges[=true|false]");
        } else if (key == "mask" || key == "unmask") {
            for (auto& p : str::split(value, ':'))
                if (!p.empty()) (key == "mask" ? out.mask : out.unmask).push_back(p);
        } else if ((key == "label" && (value == "disable" || str::starts_with(value, "type:") ||
                                        str::starts_with(value, "level:") || value == "nested")) ||
                   (key == "apparmor" && !value.empty())) {
            // SELinux labels and AppArmor profiles: this host enforces neither, so as podman on such a
            // host they have nothing to apply.
        } else {
            return make_error("invalid --security-opt " + o);
        }
    }
    return out;
}

Result<NetworkMode> parse_network(const std::string& s) {
    if (s == "host") return NetworkMode::kHost;
    if (s == "none") return NetworkMode::kNone;
    if (s == "private" || s.empty()) return NetworkMode::kPrivate;
    if (str::starts_with(s, "container:") && s.size() > 10) return NetworkMode::kContainer;
    return make_error("unsupported network \"" + s + "\": want private, none, host or container:NAME|ID");
}

// --network container:NAME|ID: whose namespace (as given; create resolves it to an id).
std::string network_container_of(const std::string& s) {
    return str::starts_with(s, "container:") ? s.substr(10) : std::string();
}

// --shm-size, as podman checks it: a size of bytes (k, m, g binary), refused where the container
// has no /dev/shm of its own to size.
Result<std::optional<int64_t>> shm_size_of(const std::string& text, const NamespaceMode& ipc) {
    if (text.empty()) return std::optional<int64_t>();
    auto bytes = parse_size(text, false);
    if (!bytes.ok() || text.front() == '-') return make_error("unable to translate --shm-size: invalid size: '" + text + "'");
    if (ipc.kind == NamespaceMode::Kind::kHost || ipc.kind == NamespaceMode::Kind::kNone)
        return make_error("invalid config provided: cannot set shmsize when running in the {" + namespace_mode_text(ipc) +
                          " } IPC Namespace");
    return std::optional<int64_t>(*bytes);
}

// --umask as podman takes it: one to four octal digits.
Result<unsigned> parse_umask(const std::string& text) {
    bool octal = !text.empty() && text.size() <= 4 &&
                 std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
    if (!octal) return make_error("running container create option: invalid umask string " + text + ": invalid argument");
    return static_cast<unsigned>(std::stoul(text, nullptr, 8));
}

// --userns as root: the host's user namespace is the only one; podman's own refusals for the modes
// only rootless podman has, and skiff's for the mappings it cannot make.
Result<void> check_userns(const std::string& mode) {
    if (mode.empty() || mode == "host") return {};
    if (mode == "keep-id" || str::starts_with(mode, "keep-id:")) return make_error("keep-id is only supported in rootless mode");
    if (mode == "nomap") return make_error("nomap is only supported in rootless mode");
    if (mode == "auto" || str::starts_with(mode, "auto:") || mode == "private" || str::starts_with(mode, "ns:") ||
        str::starts_with(mode, "container:"))
        return make_error("--userns=" + mode + ": skiff runs containers in the host's user namespace only");
    return make_error("unrecognized namespace mode " + mode + " passed");
}

Result<runtime::Resources> resources_of(const RunOptions& opts) {
    runtime::Resources r;
    if (!opts.memory.empty()) {
        int64_t memory = TRY_CTX(parse_size(opts.memory, true), "--memory");
        if (memory != 0) r.memory = memory;  // 0, as podman takes it: no limit, the same as no --memory
    }
    if (!opts.memory_swap.empty()) {
        r.memory_swap = TRY_CTX(parse_size(opts.memory_swap, true), "--memory-swap");
        if (!r.memory && *r.memory_swap != -1) return make_error("--memory-swap needs --memory");
        if (r.memory && *r.memory_swap != -1 && *r.memory_swap < *r.memory)
            return make_error("--memory-swap must be at least --memory (memory plus swap)");
    }
    if (!opts.cpus.empty()) {
        char* end = nullptr;
        double c = std::strtod(opts.cpus.c_str(), &end);
        if (*end || c < 0) return make_error("invalid --cpus \"" + opts.cpus + "\": want a number of CPUs such as 1.5");
        r.cpus = c;
    }
    if (opts.cpu_shares) r.cpu_shares = opts.cpu_shares;
    if (!opts.cpuset_cpus.empty()) r.cpuset_cpus = opts.cpuset_cpus;
    if (opts.pids_limit) r.pids_limit = *opts.pids_limit;
    r.read_bps = TRY(parse_throttle_devices(opts.device_read_bps, true));
    r.write_bps = TRY(parse_throttle_devices(opts.device_write_bps, true));
    r.read_iops = TRY(parse_throttle_devices(opts.device_read_iops, false));
    r.write_iops = TRY(parse_throttle_devices(opts.device_write_iops, false));
    return r;
}

Result<LogConfig> log_config_of(const RunOptions& opts, bool journal_running) {
    LogConfig log;
    // json-file is kept as given (inspect shows it), and written as k8s-file, as podman does.
    log.driver = opts.log_driver.empty() ? "k8s-file" : opts.log_driver;
    if (log.driver == "journald") {
        // podman's journald writer fails so where the journal is not running; skiff has none.
        if (!journal_running)
            return make_error(std::string("failed to initialize journal: ") + kJournalSocket + ": no such file or directory");
        return make_error("running container create option: invalid log driver: skiff writes no journald log");
    }
    if (log.driver != "k8s-file" && log.driver != "json-file" && log.driver != "none" && log.driver != "passthrough")
        return make_error("running container create option: invalid log driver: invalid argument");
    for (auto& o : opts.log_opts) {
        if (o.starts_with("path=")) {
            if (log.path.empty()) log.path = o.substr(5);
        } else if (o.starts_with("max-size=")) {
            if (!log.max_size) log.max_size = TRY_CTX(parse_log_size(o.substr(9)), "invalid --log-opt " + o);
        }
    }
    return log;
}

}  // namespace

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

const char* restart_policy_name(RestartPolicy::Kind kind) {
    switch (kind) {
        case RestartPolicy::Kind::kOnFailure: return "on-failure";
        case RestartPolicy::Kind::kAlways: return "always";
        case RestartPolicy::Kind::kUnlessStopped: return "unless-stopped";
        case RestartPolicy::Kind::kNo: break;
    }
    return "no";
}

const char* network_mode_name(NetworkMode mode) {
    switch (mode) {
        case NetworkMode::kHost: return "host";
        case NetworkMode::kNone: return "none";
        case NetworkMode::kContainer: return "container";
        case NetworkMode::kPrivate: break;
    }
    return "private";
}

Result<NamespaceMode> parse_namespace_mode(std::string_view text, std::string_view flag) {
    using Kind = NamespaceMode::Kind;
    std::string s(text);
    bool ipc = flag == "ipc";
    if (s == "host") return NamespaceMode{Kind::kHost, {}};
    if (s == "private" || s.empty()) return NamespaceMode{Kind::kPrivate, {}};
    if (ipc && s == "shareable") return NamespaceMode{Kind::kShareable, {}};
    if (ipc && s == "none") return NamespaceMode{Kind::kNone, {}};
    if (str::starts_with(s, "container:") && s.size() > 10) return NamespaceMode{Kind::kContainer, s.substr(10)};
    if (str::starts_with(s, "container:")) return make_error("invalid config provided: namespace mode container requires a value");
    if (flag == "cgroup" && str::starts_with(s, "ns:") && s.size() > 3) return NamespaceMode{Kind::kPath, s.substr(3)};
    if (flag == "cgroup" && str::starts_with(s, "ns:")) return make_error("invalid config provided: namespace mode path requires a value");
    if (s == "pod") return make_error("cannot use pod namespace as container is not joining a pod or pod has no infra container: invalid argument");
    return make_error("unrecognized namespace mode " + s + " passed");
}

std::string namespace_mode_text(const NamespaceMode& mode) {
    switch (mode.kind) {
        case NamespaceMode::Kind::kShareable: return "shareable";
        case NamespaceMode::Kind::kNone: return "none";
        case NamespaceMode::Kind::kHost: return "host";
        case NamespaceMode::Kind::kContainer: return "container:" + mode.container;
        case NamespaceMode::Kind::kPath: return "ns:" + mode.container;
        case NamespaceMode::Kind::kPrivate: break;
    }
    return "private";
}

std::vector<std::string> namespace_donors(const ContainerConfig& config) {
    std::vector<std::string> out;
    auto add = [&](const std::string& id) {
        if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    };
    for (const NamespaceMode* m : {&config.ipc, &config.pid, &config.uts, &config.cgroupns})
        if (m->kind == NamespaceMode::Kind::kContainer) add(m->container);
    if (config.network == NetworkMode::kContainer) add(config.network_container);
    return out;
}

Result<int64_t> parse_log_size(std::string_view text) {
    std::string v(text);
    char* end = nullptr;
    double n = std::strtod(v.c_str(), &end);
    std::string unit = end ? end : "";
    for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    double mult = unit.empty() || unit == "b" ? 1
                  : unit == "k" || unit == "kb" ? 1e3
                  : unit == "m" || unit == "mb" ? 1e6
                  : unit == "g" || unit == "gb" ? 1e9
                                                : -1;
    if (v.empty() || n <= 0 || mult < 0) return make_error("want a size like 10mb");
    return static_cast<int64_t>(n * mult);
}

std::string signal_name(int signal) {
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev ? std::string("SIG") + abbrev : std::to_string(signal);
}

std::vector<std::string> env_file_entries(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (auto& raw : lines) {
        std::string line(str::trim(raw));
        if (line.empty() || line[0] == '#') continue;
        out.push_back(line);
    }
    return out;
}

std::vector<std::string> expand_env(const std::vector<std::string>& entries, const std::map<std::string, std::string>& host) {
    std::vector<std::string> out;
    for (auto& e : entries) {
        if (e.find('=') != std::string::npos) {
            out.push_back(e);
            continue;
        }
        if (!e.empty() && e.back() == '*') {  // "-e PREFIX*": every host variable with the prefix
            std::string prefix = e.substr(0, e.size() - 1);
            for (auto& [k, v] : host)
                if (str::starts_with(k, prefix)) out.push_back(k + "=" + v);
            continue;
        }
        auto it = host.find(e);
        if (it != host.end()) out.push_back(e + "=" + it->second);
    }
    return out;
}

namespace {

// What podman passes in from its own environment beneath -e and --env-file: everything with
// --env-host, else (--http-proxy, the default) the proxy variables that are set.
std::vector<std::string> passed_host_env(const RunOptions& opts, const std::map<std::string, std::string>& host) {
    std::vector<std::string> out;
    static constexpr const char* kProxyEnv[] = {"http_proxy", "https_proxy", "ftp_proxy", "no_proxy",
                                                "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"};
    if (opts.env_host) {
        for (auto& [k, v] : host) out.push_back(k + "=" + v);
    } else if (opts.http_proxy) {
        for (const char* k : kProxyEnv)
            if (auto it = host.find(k); it != host.end()) out.push_back(it->first + "=" + it->second);
    }
    return out;
}

}  // namespace

namespace {

Error secret_error(const std::string& what) { return make_error(what + ": parsing secret"); }

// podman's --secret: NAME alone, or NAME or source=NAME with type=, target=, uid=, gid=, mode=.
Result<SecretUse> parse_secret(const std::string& spec) {
    SecretUse s;
    auto parts = str::split(spec, ',');
    if (parts.size() == 1) {
        s.name = spec;
        return s;
    }
    size_t first = 0;
    if (parts[0].find('=') == std::string::npos) s.name = parts[first++];
    std::string type;
    bool mount_only = false;
    for (size_t i = first; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        auto eq = part.find('=');
        if (eq == std::string::npos) return secret_error("option " + part + " must be in form option=value");
        std::string key = part.substr(0, eq), value = part.substr(eq + 1);
        auto number = [&](int base, const char* what) -> Result<uint32_t> {
            char* end = nullptr;
            errno = 0;
            unsigned long long v = value.empty() || value[0] == '-' || value[0] == '+' ? 0 : std::strtoull(value.c_str(), &end, base);
            if (value.empty() || !end || *end || errno || v > 0xffffffffULL) return secret_error(std::string(what) + " " + value + " invalid");
            return static_cast<uint32_t>(v);
        };
        if (key == "source") s.name = value;
        else if (key == "type") {
            if (!type.empty()) return secret_error("cannot set more than one secret type");
            if (value != "mount" && value != "env") return secret_error("type " + value + " is invalid");
            type = value;
        } else if (key == "target") s.target = value;
        else if (key == "mode") s.mode = TRY(number(8, "mode")), mount_only = true;
        else if (key == "uid" || key == "UID") s.uid = TRY(number(10, "UID")), mount_only = true;
        else if (key == "gid" || key == "GID") s.gid = TRY(number(10, "GID")), mount_only = true;
        else return secret_error("option " + part + " invalid");
    }
    if (s.name.empty()) return secret_error("no source found " + spec);
    s.env = type == "env";
    if (s.env && mount_only) return secret_error("UID, GID, Mode options cannot be set with secret type env");
    if (s.env && s.target.empty()) s.target = s.name;
    return s;
}

}  // namespace

std::string secret_destination(const SecretUse& s) {
    if (s.target.empty()) return "/run/secrets/" + s.name;
    if (s.target.front() == '/') return s.target;
    return "/run/secrets/" + s.target;
}

Result<ContainerConfig> configure(const RunOptions& opts, const ConfigInputs& in) {
    ContainerConfig c;
    c.image = opts.image_name.empty() ? opts.image : opts.image_name;
    if (opts.rootfs) {
        // As podman: PATH:O asks for the overlay; the rest is the directory.
        c.rootfs_overlay = c.image.ends_with(":O");
        c.rootfs = c.rootfs_overlay ? c.image.substr(0, c.image.size() - 2) : c.image;
        c.image.clear();
    }
    if (opts.entrypoint) c.entrypoint = TRY(parse_entrypoint(*opts.entrypoint));
    c.command = opts.command;
    c.env = merge_env(passed_host_env(opts, in.host_env),
                      merge_env(expand_env(env_file_entries(in.env_file_lines), in.host_env), expand_env(opts.env, in.host_env)));
    c.unsetenv = opts.unsetenv;
    c.unsetenv_all = opts.unsetenv_all;
    c.workdir = opts.workdir;
    c.user = opts.user;
    if (opts.group_add.size() > 1 &&
        std::find(opts.group_add.begin(), opts.group_add.end(), "keep-groups") != opts.group_add.end())
        return make_error("the '--group-add keep-groups' option is not allowed with any other --group-add options");
    c.group_add = opts.group_add;
    c.hostname = opts.hostname;
    c.name = opts.name;
    c.remove = opts.remove;
    c.interactive = opts.interactive;
    c.tty = opts.tty;
    c.detach = opts.detach;

    c.network = TRY(parse_network(opts.network));
    c.network_container = network_container_of(opts.network);
    c.publish_all = opts.publish_all;
    c.ipc = TRY(parse_namespace_mode(opts.ipc, "ipc"));
    c.pid = TRY(parse_namespace_mode(opts.pid, "pid"));
    c.uts = TRY(parse_namespace_mode(opts.uts, "uts"));
    c.cgroupns = opts.cgroupns.empty() ? NamespaceMode{in.cgroupns_default, {}} : TRY(parse_namespace_mode(opts.cgroupns, "cgroup"));
    TRY(check_userns(opts.userns));
    for (auto& e : opts.expose) {
        auto ports = TRY_CTX(net::parse_expose(e), "--expose");
        c.expose.insert(c.expose.end(), ports.begin(), ports.end());
    }

    c.mounts = TRY(parse_mounts(opts));
    for (auto& m : c.mounts)
        m.anonymous = m.kind == MountConfig::Kind::kVolume &&
                      std::find(opts.anonymous_volumes.begin(), opts.anonymous_volumes.end(), m.source) != opts.anonymous_volumes.end();
    c.read_only = opts.read_only;
    c.privileged = opts.privileged;
    for (auto& d : opts.devices) c.devices.push_back(TRY(parse_device_option(d)));
    for (auto& r : opts.device_cgroup_rules) TRY(runtime::parse_device_rule(r));
    c.device_cgroup_rules = opts.device_cgroup_rules;
    c.cap_add = opts.cap_add;
    c.cap_drop = opts.cap_drop;
    c.security = TRY(parse_security_opts(opts.security_opt));
    c.labels = TRY_CTX(parse_label_lines(in.label_file_lines, in.host_env), "unable to process labels");
    for (auto& [k, v] : opts.labels) c.labels[k] = v;
    c.annotations = TRY(parse_annotations(opts.annotations));
    c.sysctls = TRY(parse_sysctls(opts.sysctls, c.network, c.ipc));

    c.restart = TRY(parse_restart_policy(opts.restart));
    if (c.restart.kind != RestartPolicy::Kind::kNo && opts.remove)
        return make_error("the --rm option conflicts with --restart when the restart policy is not \"no\"");
    c.log = TRY(log_config_of(opts, in.journal_running));
    std::string stop_signal = !opts.stop_signal.empty() ? opts.stop_signal : in.image_stop_signal;
    c.stop_signal = stop_signal.empty() ? SIGTERM : TRY(oci::parse_signal(stop_signal));
    c.stop_timeout = opts.stop_timeout;

    if (opts.cgroups != "enabled" && opts.cgroups != "disabled")
        return make_error("invalid --cgroups \"" + opts.cgroups + "\": want enabled or disabled");
    c.cgroups = opts.cgroups == "enabled";
    c.cgroup_parent = opts.cgroup_parent;
    c.resources = TRY(resources_of(opts));
    auto& r = c.resources;
    bool limited = r.memory || r.memory_swap || r.cpus || r.cpu_shares || r.cpuset_cpus || r.pids_limit ||
                   !r.read_bps.empty() || !r.write_bps.empty() || !r.read_iops.empty() || !r.write_iops.empty();
    if (!c.cgroups && (limited || !opts.cgroup_parent.empty()))
        return make_error("resource limits and --cgroup-parent need --cgroups enabled");
    for (auto& u : opts.ulimits)
        if (u != "host") c.ulimits.push_back(TRY(runtime::parse_ulimit(u)));
    if (opts.oom_score_adj && (*opts.oom_score_adj < -1000 || *opts.oom_score_adj > 1000))
        return make_error("invalid --oom-score-adj " + std::to_string(*opts.oom_score_adj) + ": must be -1000 to 1000");
    c.oom_score_adj = opts.oom_score_adj;
    c.pidfile = opts.pidfile;
    c.timezone = opts.tz;
    c.timeout = opts.timeout;
    c.conmon_pidfile = opts.conmon_pidfile;
    c.shm_size = TRY(shm_size_of(opts.shm_size, c.ipc));
    for (const std::string& spec : opts.secrets) c.secrets.push_back(TRY(parse_secret(spec)));
    if (!opts.umask.empty()) c.umask = TRY(parse_umask(opts.umask));
    // podman's checks of --init: the init must be the namespace's PID 1, and systemd wants to be.
    c.init = opts.init;
    c.init_path = opts.init_path;
    c.runtime = opts.runtime == kOwnRuntime ? std::string() : opts.runtime;
    if (c.init && c.pid.kind != NamespaceMode::Kind::kPrivate)
        return make_error("cannot add init binary as PID 1 (PID namespace isn't private)");
    if (c.init && opts.systemd == "always") return make_error("cannot use container-init binary with systemd=always");
    return c;
}

MountView mount_view(const MountConfig& m) {
    static const std::set<std::string, std::less<>> kPropagation = {
        "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"};
    MountView v;
    for (auto& w : m.options) {
        if (w == "ro" || w == "rw") v.read_only = w == "ro";
        else if (kPropagation.count(w)) v.propagation = w;
        else v.other.push_back(w);
    }
    return v;
}

std::vector<std::string> volume_names(const ContainerConfig& config) {
    std::vector<std::string> out;
    for (auto& m : config.mounts)
        if (m.kind == MountConfig::Kind::kVolume) out.push_back(m.source);
    return out;
}

std::vector<std::string> anonymous_volume_names(const ContainerConfig& config) {
    std::vector<std::string> out;
    for (auto& m : config.mounts)
        if (m.kind == MountConfig::Kind::kVolume && m.anonymous) out.push_back(m.source);
    return out;
}

// ---- The record's text ----

namespace {

const char* mount_kind_name(MountConfig::Kind k) {
    switch (k) {
        case MountConfig::Kind::kVolume: return "volume";
        case MountConfig::Kind::kTmpfs: return "tmpfs";
        case MountConfig::Kind::kImage: return "image";
        case MountConfig::Kind::kBind: break;
    }
    return "bind";
}

const char* seccomp_name(runtime::SeccompMode m) {
    switch (m) {
        case runtime::SeccompMode::kUnconfined: return "unconfined";
        case runtime::SeccompMode::kProfile: return "profile";
        case runtime::SeccompMode::kDefault: break;
    }
    return "default";
}

void put_bool(json::Writer& w, const char* key, bool v) {
    w.Key(key);
    w.Bool(v);
}

void put_int(json::Writer& w, const char* key, int64_t v) {
    w.Key(key);
    w.Int64(v);
}

bool get_bool(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

std::optional<int64_t> get_optional_int(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    return it->value.GetInt64();
}

const rapidjson::Value* get_object(const rapidjson::Value& o, const char* key) {
    auto it = o.FindMember(key);
    return it != o.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

template <typename F>
void for_each_object(const rapidjson::Value& o, const char* key, F&& f) {
    auto it = o.FindMember(key);
    if (it == o.MemberEnd() || !it->value.IsArray()) return;
    for (auto& v : it->value.GetArray())
        if (v.IsObject()) f(v);
}

// KEY: [ {…}, … ], each object's members written by `put_members`.
template <typename T, typename F>
void put_object_array(json::Writer& w, const char* key, const std::vector<T>& items, F&& put_members) {
    w.Key(key);
    w.StartArray();
    for (auto& item : items) {
        w.StartObject();
        put_members(item);
        w.EndObject();
    }
    w.EndArray();
}

void put_ports(json::Writer& w, const std::vector<net::PortMapping>& ports) {
    put_object_array(w, "ports", ports, [&](const net::PortMapping& p) {
        json::put_nonempty(w, "host_ip", p.host_ip);
        put_int(w, "host_port", p.host_port);
        put_int(w, "container_port", p.container_port);
        json::put(w, "protocol", p.protocol);
    });
}

std::vector<net::PortMapping> get_ports(const rapidjson::Value& d) {
    std::vector<net::PortMapping> out;
    for_each_object(d, "ports", [&](const rapidjson::Value& p) {
        net::PortMapping m;
        m.host_ip = json::get_string(p, "host_ip");
        m.host_port = static_cast<uint16_t>(json::get_uint(p, "host_port"));
        m.container_port = static_cast<uint16_t>(json::get_uint(p, "container_port"));
        m.protocol = json::get_string(p, "protocol");
        out.push_back(std::move(m));
    });
    return out;
}

void put_throttle(json::Writer& w, const char* key, const std::vector<runtime::ThrottleDevice>& devices) {
    if (devices.empty()) return;
    put_object_array(w, key, devices, [&](const runtime::ThrottleDevice& d) {
        json::put(w, "path", d.path);
        put_int(w, "major", d.major);
        put_int(w, "minor", d.minor);
        w.Key("rate");
        w.Uint64(d.rate);
    });
}

std::vector<runtime::ThrottleDevice> get_throttle(const rapidjson::Value& o, const char* key) {
    std::vector<runtime::ThrottleDevice> out;
    for_each_object(o, key, [&](const rapidjson::Value& d) {
        out.push_back({json::get_string(d, "path"), static_cast<uint32_t>(json::get_uint(d, "major")),
                       static_cast<uint32_t>(json::get_uint(d, "minor")), json::get_uint(d, "rate")});
    });
    return out;
}

// Schema 1: the command line's options as an earlier skiff stored them (env, ports and the stop
// signal already resolved at create), configured again.
Result<ContainerConfig> migrate_options(const rapidjson::Value& d) {
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
    if (auto v = get_optional_int(d, "oom_score_adj")) o.oom_score_adj = static_cast<int>(*v);
    // --env-file and "-e NAME" were resolved into `env` at create: nothing is read again.
    ContainerConfig c = TRY_CTX(configure(o, ConfigInputs{}), "an earlier skiff's record");
    c.ports = get_ports(d);
    return c;
}

}  // namespace

std::string serialize_config(const ContainerConfig& c) {
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    w.StartObject();
    put_int(w, "schema", ContainerConfig::kSchema);
    json::put(w, "image", c.image);
    json::put_nonempty(w, "rootfs", c.rootfs);
    if (!c.volumes_from.empty()) json::put_strings(w, "volumes_from", c.volumes_from);
    if (c.rootfs_overlay) put_bool(w, "rootfs_overlay", true);
    if (c.entrypoint) json::put_strings(w, "entrypoint", *c.entrypoint);
    json::put_strings(w, "command", c.command);
    json::put_strings(w, "env", c.env);
    json::put_nonempty(w, "workdir", c.workdir);
    json::put_nonempty(w, "user", c.user);
    if (!c.group_add.empty()) json::put_strings(w, "group_add", c.group_add);
    json::put_nonempty(w, "hostname", c.hostname);
    json::put_nonempty(w, "name", c.name);
    put_bool(w, "remove", c.remove);
    put_bool(w, "interactive", c.interactive);
    put_bool(w, "tty", c.tty);
    put_bool(w, "detach", c.detach);
    if (!c.unsetenv.empty()) json::put_strings(w, "unsetenv", c.unsetenv);
    put_bool(w, "unsetenv_all", c.unsetenv_all);
    put_bool(w, "systemd", c.systemd);
    json::put(w, "network", c.network == NetworkMode::kContainer ? "container:" + c.network_container
                                                                  : std::string(network_mode_name(c.network)));
    json::put(w, "ipc", namespace_mode_text(c.ipc));
    json::put(w, "pid", namespace_mode_text(c.pid));
    json::put(w, "uts", namespace_mode_text(c.uts));
    json::put(w, "cgroupns", namespace_mode_text(c.cgroupns));
    if (!c.ports.empty()) put_ports(w, c.ports);
    if (c.publish_all) put_bool(w, "publish_all", true);
    if (!c.expose.empty()) {
        w.Key("expose");
        w.StartArray();
        for (auto& e : c.expose) {
            w.StartObject();
            put_int(w, "port", e.port);
            json::put(w, "protocol", e.protocol);
            w.EndObject();
        }
        w.EndArray();
    }
    w.Key("mounts");
    w.StartArray();
    for (auto& m : c.mounts) {
        w.StartObject();
        json::put(w, "kind", mount_kind_name(m.kind));
        json::put_nonempty(w, "source", m.source);
        json::put(w, "destination", m.destination);
        json::put_strings(w, "options", m.options);
        if (m.anonymous) put_bool(w, "anonymous", true);
        w.EndObject();
    }
    w.EndArray();
    put_bool(w, "read_only", c.read_only);
    put_bool(w, "privileged", c.privileged);
    if (!c.devices.empty()) {
        w.Key("devices");
        w.StartArray();
        for (auto& d : c.devices) {
            w.StartObject();
            json::put(w, "host_path", d.host_path);
            json::put(w, "container_path", d.container_path);
            json::put(w, "access", d.access);
            w.EndObject();
        }
        w.EndArray();
    }
    if (!c.device_cgroup_rules.empty()) json::put_strings(w, "device_cgroup_rules", c.device_cgroup_rules);
    json::put_strings(w, "cap_add", c.cap_add);
    json::put_strings(w, "cap_drop", c.cap_drop);
    w.Key("security");
    w.StartObject();
    json::put(w, "seccomp", seccomp_name(c.security.seccomp));
    json::put_nonempty(w, "seccomp_profile", c.security.seccomp_profile);
    put_bool(w, "no_new_privileges", c.security.no_new_privileges);
    json::put_strings(w, "mask", c.security.mask);
    json::put_strings(w, "unmask", c.security.unmask);
    json::put_strings(w, "options", c.security.options);
    w.EndObject();
    json::put_string_map(w, "labels", c.labels);
    if (!c.annotations.empty()) json::put_string_map(w, "annotations", c.annotations);
    if (!c.sysctls.empty()) json::put_string_map(w, "sysctls", c.sysctls);
    w.Key("restart");
    w.StartObject();
    json::put(w, "policy", restart_policy_name(c.restart.kind));
    put_int(w, "max_retries", c.restart.max_retries);
    w.EndObject();
    w.Key("log");
    w.StartObject();
    json::put(w, "driver", c.log.driver);
    json::put_nonempty(w, "path", c.log.path);
    if (c.log.max_size) put_int(w, "max_size", *c.log.max_size);
    w.EndObject();
    put_int(w, "stop_signal", c.stop_signal);
    put_int(w, "stop_timeout", c.stop_timeout);
    put_bool(w, "cgroups", c.cgroups);
    json::put_nonempty(w, "cgroup_parent", c.cgroup_parent);
    w.Key("resources");
    w.StartObject();
    const runtime::Resources& r = c.resources;
    if (r.memory) put_int(w, "memory", *r.memory);
    if (r.memory_swap) put_int(w, "memory_swap", *r.memory_swap);
    if (r.cpus) {
        w.Key("cpus");
        w.Double(*r.cpus);
    }
    if (r.cpu_shares) put_int(w, "cpu_shares", static_cast<int64_t>(*r.cpu_shares));
    if (r.cpuset_cpus) json::put(w, "cpuset_cpus", *r.cpuset_cpus);
    if (r.pids_limit) put_int(w, "pids_limit", *r.pids_limit);
    if (r.io_weight) put_int(w, "io_weight", *r.io_weight);
    put_throttle(w, "read_bps", r.read_bps);
    put_throttle(w, "write_bps", r.write_bps);
    put_throttle(w, "read_iops", r.read_iops);
    put_throttle(w, "write_iops", r.write_iops);
    w.EndObject();
    if (!c.ulimits.empty()) {
        w.Key("ulimits");
        w.StartArray();
        for (auto& u : c.ulimits) {
            w.StartObject();
            json::put(w, "name", u.name);
            w.Key("soft");
            w.Uint64(u.soft);
            w.Key("hard");
            w.Uint64(u.hard);
            w.EndObject();
        }
        w.EndArray();
    }
    if (c.oom_score_adj) put_int(w, "oom_score_adj", *c.oom_score_adj);
    json::put_nonempty(w, "pidfile", c.pidfile);
    json::put_nonempty(w, "timezone", c.timezone);
    if (c.timeout) put_int(w, "timeout", c.timeout);
    json::put_nonempty(w, "conmon_pidfile", c.conmon_pidfile);
    if (c.shm_size) put_int(w, "shm_size", *c.shm_size);
    put_int(w, "umask", c.umask);
    if (!c.secrets.empty()) {
        w.Key("secrets");
        w.StartArray();
        for (const SecretUse& sec : c.secrets) {
            w.StartObject();
            json::put(w, "name", sec.name);
            json::put(w, "id", sec.id);
            put_bool(w, "env", sec.env);
            json::put_nonempty(w, "target", sec.target);
            put_int(w, "uid", sec.uid);
            put_int(w, "gid", sec.gid);
            put_int(w, "mode", sec.mode);
            w.EndObject();
        }
        w.EndArray();
    }
    if (c.init) put_bool(w, "init", true);
    json::put_nonempty(w, "init_path", c.init_path);
    json::put_nonempty(w, "runtime", c.runtime);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

Result<ContainerConfig> parse_config(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return make_error("corrupt container configuration");
    int64_t schema = json::get_int(d, "schema");
    if (schema == 0) return migrate_options(d);
    if (schema != ContainerConfig::kSchema)
        return make_error("container configuration of schema " + std::to_string(schema) +
                          " (this skiff reads schema " + std::to_string(ContainerConfig::kSchema) + " and earlier)");
    ContainerConfig c;
    c.image = json::get_string(d, "image");
    c.rootfs = json::get_string(d, "rootfs");
    c.volumes_from = json::get_strings(d, "volumes_from");
    c.rootfs_overlay = get_bool(d, "rootfs_overlay");
    if (d.HasMember("entrypoint")) c.entrypoint = json::get_strings(d, "entrypoint");
    c.command = json::get_strings(d, "command");
    c.env = json::get_strings(d, "env");
    c.workdir = json::get_string(d, "workdir");
    c.user = json::get_string(d, "user");
    c.group_add = json::get_strings(d, "group_add");
    c.hostname = json::get_string(d, "hostname");
    c.name = json::get_string(d, "name");
    c.remove = get_bool(d, "remove");
    c.interactive = get_bool(d, "interactive");
    c.tty = get_bool(d, "tty");
    c.detach = get_bool(d, "detach");
    c.unsetenv = json::get_strings(d, "unsetenv");
    c.unsetenv_all = get_bool(d, "unsetenv_all");
    c.systemd = get_bool(d, "systemd");
    std::string network = json::get_string(d, "network");
    c.network = TRY(parse_network(network));
    c.network_container = network_container_of(network);
    // Before these were recorded, every container's were private (ipc: shareable, as podman's).
    if (d.HasMember("ipc")) c.ipc = TRY(parse_namespace_mode(json::get_string(d, "ipc"), "ipc"));
    c.pid = TRY(parse_namespace_mode(json::get_string(d, "pid"), "pid"));
    c.uts = TRY(parse_namespace_mode(json::get_string(d, "uts"), "uts"));
    // Before it was recorded, every container had a cgroup namespace of its own.
    c.cgroupns = TRY(parse_namespace_mode(json::get_string(d, "cgroupns"), "cgroup"));
    c.ports = get_ports(d);
    c.publish_all = get_bool(d, "publish_all");
    for_each_object(d, "expose", [&](const rapidjson::Value& e) {
        c.expose.push_back({static_cast<uint16_t>(json::get_uint(e, "port")), json::get_string(e, "protocol")});
    });
    Result<void> bad;
    for_each_object(d, "mounts", [&](const rapidjson::Value& m) {
        MountConfig mc;
        std::string kind = json::get_string(m, "kind");
        if (kind == "volume") mc.kind = MountConfig::Kind::kVolume;
        else if (kind == "tmpfs") mc.kind = MountConfig::Kind::kTmpfs;
        else if (kind == "image") mc.kind = MountConfig::Kind::kImage;
        else if (kind == "bind") mc.kind = MountConfig::Kind::kBind;
        else bad = make_error("corrupt container configuration: mount kind \"" + kind + "\"");
        mc.source = json::get_string(m, "source");
        mc.destination = json::get_string(m, "destination");
        mc.options = json::get_strings(m, "options");
        mc.anonymous = get_bool(m, "anonymous");
        c.mounts.push_back(std::move(mc));
    });
    TRY(std::move(bad));
    c.read_only = get_bool(d, "read_only");
    c.privileged = get_bool(d, "privileged");
    for_each_object(d, "devices", [&](const rapidjson::Value& v) {
        c.devices.push_back({json::get_string(v, "host_path"), json::get_string(v, "container_path"), json::get_string(v, "access")});
    });
    c.device_cgroup_rules = json::get_strings(d, "device_cgroup_rules");
    c.cap_add = json::get_strings(d, "cap_add");
    c.cap_drop = json::get_strings(d, "cap_drop");
    if (const rapidjson::Value* s = get_object(d, "security")) {
        std::string mode = json::get_string(*s, "seccomp");
        c.security.seccomp = mode == "unconfined" ? runtime::SeccompMode::kUnconfined
                             : mode == "profile"  ? runtime::SeccompMode::kProfile
                                                  : runtime::SeccompMode::kDefault;
        c.security.seccomp_profile = json::get_string(*s, "seccomp_profile");
        c.security.no_new_privileges = get_bool(*s, "no_new_privileges");
        c.security.mask = json::get_strings(*s, "mask");
        c.security.unmask = json::get_strings(*s, "unmask");
        c.security.options = json::get_strings(*s, "options");
    }
    c.labels = json::get_string_map(d, "labels");
    c.annotations = json::get_string_map(d, "annotations");
    c.sysctls = json::get_string_map(d, "sysctls");
    if (const rapidjson::Value* r = get_object(d, "restart")) {
        c.restart = TRY(parse_restart_policy(json::get_string(*r, "policy")));
        c.restart.max_retries = static_cast<int>(json::get_int(*r, "max_retries"));
    }
    if (const rapidjson::Value* l = get_object(d, "log")) {
        c.log.driver = json::get_string(*l, "driver");
        c.log.path = json::get_string(*l, "path");
        c.log.max_size = get_optional_int(*l, "max_size");
    }
    c.stop_signal = static_cast<int>(json::get_int(d, "stop_signal"));
    if (c.stop_signal <= 0 || c.stop_signal > 64) c.stop_signal = SIGTERM;
    c.stop_timeout = static_cast<int>(json::get_int(d, "stop_timeout"));
    c.cgroups = get_bool(d, "cgroups");
    c.cgroup_parent = json::get_string(d, "cgroup_parent");
    if (const rapidjson::Value* r = get_object(d, "resources")) {
        runtime::Resources& res = c.resources;
        res.memory = get_optional_int(*r, "memory");
        res.memory_swap = get_optional_int(*r, "memory_swap");
        if (auto it = r->FindMember("cpus"); it != r->MemberEnd() && it->value.IsNumber()) res.cpus = it->value.GetDouble();
        if (auto v = get_optional_int(*r, "cpu_shares")) res.cpu_shares = static_cast<uint64_t>(*v);
        if (r->HasMember("cpuset_cpus")) res.cpuset_cpus = json::get_string(*r, "cpuset_cpus");
        res.pids_limit = get_optional_int(*r, "pids_limit");
        if (auto v = get_optional_int(*r, "io_weight")) res.io_weight = static_cast<uint16_t>(*v);
        res.read_bps = get_throttle(*r, "read_bps");
        res.write_bps = get_throttle(*r, "write_bps");
        res.read_iops = get_throttle(*r, "read_iops");
        res.write_iops = get_throttle(*r, "write_iops");
    }
    for_each_object(d, "ulimits", [&](const rapidjson::Value& u) {
        c.ulimits.push_back({json::get_string(u, "name"), json::get_uint(u, "soft"), json::get_uint(u, "hard")});
    });
    if (auto v = get_optional_int(d, "oom_score_adj")) c.oom_score_adj = static_cast<int>(*v);
    c.pidfile = json::get_string(d, "pidfile");
    c.timezone = json::get_string(d, "timezone");
    c.timeout = static_cast<unsigned>(json::get_uint(d, "timeout"));
    c.conmon_pidfile = json::get_string(d, "conmon_pidfile");
    c.shm_size = get_optional_int(d, "shm_size");
    if (auto v = get_optional_int(d, "umask")) c.umask = static_cast<unsigned>(*v);
    for_each_object(d, "secrets", [&](const rapidjson::Value& v) {
        SecretUse sec;
        sec.name = json::get_string(v, "name");
        sec.id = json::get_string(v, "id");
        sec.env = get_bool(v, "env");
        sec.target = json::get_string(v, "target");
        sec.uid = static_cast<uint32_t>(json::get_uint(v, "uid"));
        sec.gid = static_cast<uint32_t>(json::get_uint(v, "gid"));
        sec.mode = static_cast<uint32_t>(json::get_uint(v, "mode"));
        c.secrets.push_back(std::move(sec));
    });
    c.init = get_bool(d, "init");
    c.init_path = json::get_string(d, "init_path");
    c.runtime = json::get_string(d, "runtime");
    return c;
}

Result<ContainerConfig> config_of(const storage::Container& c) {
    if (c.config.empty()) return make_error("container " + c.id.substr(0, 12) + " has no stored configuration (made by an older skiff)");
    return TRY_CTX(parse_config(c.config), "container " + c.id.substr(0, 12));
}

}  // namespace skiff::engine
