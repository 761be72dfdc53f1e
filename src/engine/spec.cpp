// Image config + run options → runtime spec. Pure: every input arrives as an argument.
#include <cctype>
#include <algorithm>

#include <rapidjson/document.h>

#include "skiff/base/strings.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/rlimits.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::engine {

namespace {

std::string env_name(const std::string& kv) { return kv.substr(0, kv.find('=')); }

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

// "-e NAME=V" as is; "-e NAME" from skiff's environment (dropped when unset, as podman does).
std::vector<std::string> expand_env(const std::vector<std::string>& entries,
                                    const std::map<std::string, std::string>& host) {
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

struct SecurityOpts {
    runtime::SeccompMode seccomp = runtime::SeccompMode::kDefault;
    std::string seccomp_profile;
    bool no_new_privileges = false;
};

Result<SecurityOpts> parse_security_opts(const std::vector<std::string>& opts) {
    SecurityOpts out;
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
        } else if ((key == "label" && (value == "disable" || str::starts_with(value, "type:") ||
                                        str::starts_with(value, "level:") || value == "nested")) ||
                   (key == "apparmor" && !value.empty()) || key == "mask" || key == "unmask") {
            // SELinux labels and AppArmor profiles: this host enforces neither, so as podman on such a
            // host they have nothing to apply. mask/unmask are applied below.
        } else {
            return make_error("invalid --security-opt " + o);
        }
    }
    return out;
}

runtime::Mount bind_mount(const std::string& src, const std::string& dst, bool ro) {
    runtime::Mount m{dst, "bind", src, {"rbind", "nosuid", "nodev", "noexec"}};
    if (ro) m.options.push_back("ro");
    return m;
}

}  // namespace

std::vector<std::string> env_file_entries(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (auto& raw : lines) {
        std::string line(str::trim(raw));
        if (line.empty() || line[0] == '#') continue;
        out.push_back(line);
    }
    return out;
}

std::vector<std::string> merge_env(const std::vector<std::string>& base, const std::vector<std::string>& over) {
    std::vector<std::string> out = base;
    for (auto& kv : over) {
        std::string name = env_name(kv);
        auto it = std::find_if(out.begin(), out.end(), [&](const std::string& e) { return env_name(e) == name; });
        if (it != out.end())
            *it = kv;
        else
            out.push_back(kv);
    }
    return out;
}

Result<ProcessCommand> split_args(const oci::ContainerConfig& image, const RunOptions& opts) {
    ProcessCommand pc;
    if (opts.entrypoint) {
        // An explicit entrypoint drops the image's Cmd, as docker and podman do.
        pc.entrypoint = TRY(parse_entrypoint(*opts.entrypoint));
        pc.cmd = opts.command;
    } else {
        pc.entrypoint = image.entrypoint.value_or(std::vector<std::string>{});
        pc.cmd = opts.command.empty() ? image.cmd.value_or(std::vector<std::string>{}) : opts.command;
    }
    return pc;
}

Result<std::vector<std::string>> make_args(const oci::ContainerConfig& image, const RunOptions& opts) {
    auto pc = TRY(split_args(image, opts));
    std::vector<std::string> args = pc.entrypoint;
    args.insert(args.end(), pc.cmd.begin(), pc.cmd.end());
    if (args.empty())
        return make_error("no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
    return args;
}

Result<int64_t> parse_size(std::string_view s, bool allow_unlimited) {
    std::string text(s);
    if (allow_unlimited && text == "-1") return int64_t{-1};
    char* end = nullptr;
    double n = std::strtod(text.c_str(), &end);
    std::string unit = end ? end : "";
    for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!unit.empty() && unit.back() == 'b' && unit.size() > 1) unit.pop_back();
    double mult = unit.empty() || unit == "b" ? 1.0
                  : unit == "k" ? 1024.0
                  : unit == "m" ? 1024.0 * 1024
                  : unit == "g" ? 1024.0 * 1024 * 1024
                  : unit == "t" ? 1024.0 * 1024 * 1024 * 1024
                                : -1;
    if (text.empty() || end == text.c_str() || n < 0 || mult < 0)
        return make_error("invalid size \"" + text + "\": want a number of bytes with an optional unit (b, k, m, g)");
    return static_cast<int64_t>(n * mult);
}

Result<runtime::Resources> resources_of(const RunOptions& opts) {
    runtime::Resources r;
    if (!opts.memory.empty()) r.memory = TRY_CTX(parse_size(opts.memory, true), "--memory");
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
    return r;
}

Result<runtime::Spec> make_spec(const oci::ImageConfig& image, const RunOptions& opts, const SpecInputs& in) {
    runtime::Spec spec = runtime::default_spec();
    const oci::ContainerConfig& ic = image.config;

    spec.args = TRY(make_args(ic, opts));
    spec.hostname = opts.hostname.empty() ? in.container_id.substr(0, 12) : opts.hostname;

    std::vector<std::string> env = {std::string("PATH=") + runtime::kDefaultPath, "container=skiff"};
    if (opts.tty) env.push_back("TERM=xterm");
    env = merge_env(env, ic.env);
    env = merge_env(env, expand_env(env_file_entries(in.env_file_lines), in.host_env));
    env = merge_env(env, expand_env(opts.env, in.host_env));
    env = merge_env(env, {"HOSTNAME=" + spec.hostname});
    spec.env = std::move(env);

    spec.cwd = !opts.workdir.empty() ? opts.workdir : !ic.working_dir.empty() ? ic.working_dir : "/";
    if (spec.cwd.front() != '/') return make_error("invalid working directory \"" + spec.cwd + "\": must be an absolute path");
    spec.user = opts.user.empty() ? ic.user : opts.user;
    spec.terminal = opts.tty;
    spec.interactive = opts.interactive;
    spec.readonly_rootfs = opts.read_only;

    for (auto& u : opts.ulimits)
        if (u != "host") spec.rlimits.push_back(TRY(runtime::parse_ulimit(u)));
    if (opts.oom_score_adj && (*opts.oom_score_adj < -1000 || *opts.oom_score_adj > 1000))
        return make_error("invalid --oom-score-adj " + std::to_string(*opts.oom_score_adj) + ": must be -1000 to 1000");
    spec.oom_score_adj = opts.oom_score_adj;

    if (opts.network == "host")
        spec.host_network = true;
    else if (opts.network == "private" || opts.network == "none" || opts.network.empty())
        spec.host_network = false;
    else
        return make_error("unsupported network \"" + opts.network + "\": want private, none or host");

    auto sec = TRY(parse_security_opts(opts.security_opt));
    spec.no_new_privileges = sec.no_new_privileges;
    spec.seccomp = sec.seccomp;
    spec.seccomp_profile = sec.seccomp_profile;
    spec.cache_dir = in.cache_dir;
    spec.privileged = opts.privileged;
    if (opts.privileged) {
        spec.capabilities = runtime::caps::all();
        spec.masked_paths.clear();
        spec.readonly_paths.clear();
        spec.seccomp = runtime::SeccompMode::kUnconfined;
    }
    spec.capabilities = TRY(runtime::caps::resolve(spec.capabilities, opts.cap_add, opts.cap_drop));
    TRY(device_rules_of(opts, in.devices, spec));
    for (auto& o : opts.security_opt) {
        if (str::starts_with(o, "unmask=")) {
            auto keep = str::split(o.substr(7), ':');
            bool all = std::find(keep.begin(), keep.end(), "ALL") != keep.end();
            std::erase_if(spec.masked_paths, [&](const std::string& p) {
                return all || std::find(keep.begin(), keep.end(), p) != keep.end();
            });
        } else if (str::starts_with(o, "mask=")) {
            for (auto& p : str::split(o.substr(5), ':'))
                if (!p.empty()) spec.masked_paths.push_back(p);
        }
    }

    if (opts.cgroups != "enabled" && opts.cgroups != "disabled")
        return make_error("invalid --cgroups \"" + opts.cgroups + "\": want enabled or disabled");
    spec.cgroup = opts.cgroups == "enabled";
    spec.cgroup_name = "skiff-" + in.container_id;
    spec.cgroup_parent = opts.cgroup_parent;
    spec.resources = TRY(resources_of(opts));
    auto& r = spec.resources;
    bool limited = r.memory || r.memory_swap || r.cpus || r.cpu_shares || r.cpuset_cpus || r.pids_limit;
    if (!spec.cgroup && (limited || !opts.cgroup_parent.empty()))
        return make_error("resource limits and --cgroup-parent need --cgroups enabled");

    // The files podman bind-mounts over the image's own.
    spec.mounts.push_back(bind_mount(in.run_dir + "/hostname", "/etc/hostname", false));
    spec.mounts.push_back(bind_mount(in.run_dir + "/hosts", "/etc/hosts", false));
    spec.mounts.push_back(bind_mount(in.run_dir + "/resolv.conf", "/etc/resolv.conf", false));
    // The user's mounts replace the defaults at the same place. Parents are mounted before what lies
    // beneath them (as podman orders them): a volume at /etc keeps skiff's /etc/hosts on top.
    auto mine = TRY(user_mounts(opts, in.volumes_dir));
    std::erase_if(spec.mounts, [&](const runtime::Mount& d) {
        return std::any_of(mine.begin(), mine.end(), [&](const runtime::Mount& m) { return m.destination == runtime::clean_path(d.destination); });
    });
    spec.mounts.insert(spec.mounts.end(), mine.begin(), mine.end());
    auto depth = [](const runtime::Mount& m) { return std::count(m.destination.begin(), m.destination.end(), '/'); };
    std::stable_sort(spec.mounts.begin(), spec.mounts.end(),
                     [&](const runtime::Mount& a, const runtime::Mount& b) { return depth(a) < depth(b); });
    return spec;
}

}  // namespace skiff::engine
