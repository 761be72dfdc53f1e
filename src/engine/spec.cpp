// Image config + the container's configuration → runtime spec. Pure: every input arrives as an argument.
#include <cctype>
#include <algorithm>

#include "skiff/base/strings.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/caps.hpp"
#include "skiff/runtime/container_init.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/rlimits.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/engine/spec.hpp"

#include "skiff/engine/secrets.hpp"
#include "systemd.hpp"

namespace skiff::engine {

namespace {

std::string env_name(const std::string& kv) { return kv.substr(0, kv.find('=')); }

runtime::Mount bind_mount(const std::string& src, const std::string& dst, bool ro) {
    runtime::Mount m{dst, "bind", src, {"rbind", "nosuid", "nodev", "noexec"}};
    if (ro) m.options.push_back("ro");
    return m;
}

// podman's defaults beneath the image's variables, less --unsetenv's (or all with --unsetenv-all),
// then the container's own (-e, --env-file, and --env-host's or --http-proxy's beneath them).
// container=podman is what systemd and scripts recognise a podman-like engine's container by.
std::vector<std::string> process_env(const oci::ContainerConfig& image, const ContainerConfig& config) {
    std::vector<std::string> env = {std::string("PATH=") + runtime::kDefaultPath, "TERM=xterm", "container=podman"};
    env = merge_env(env, image.env);
    std::erase_if(env, [&](const std::string& kv) {
        return config.unsetenv_all || std::find(config.unsetenv.begin(), config.unsetenv.end(), env_name(kv)) != config.unsetenv.end();
    });
    return merge_env(env, config.env);
}

// /run/.containerenv (written by the session) tells the container's processes they run in one,
// unless a mount of the user's covers it.
void add_containerenv(const std::string& run_dir, const std::vector<runtime::Mount>& user_mounts,
                      std::vector<runtime::Mount>& mounts) {
    for (const runtime::Mount& m : user_mounts)
        if (m.destination == "/run" || m.destination == "/run/.containerenv") return;
    mounts.push_back(bind_mount(run_dir + "/.containerenv", "/run/.containerenv", false));
}

runtime::Namespace namespace_of(const NamespaceMode& mode, const std::string& type, const SpecInputs& in) {
    using Kind = runtime::Namespace::Kind;
    if (mode.kind == NamespaceMode::Kind::kHost) return {Kind::kHost, {}};
    if (mode.kind == NamespaceMode::Kind::kPath) return {Kind::kJoin, mode.container};
    if (mode.kind != NamespaceMode::Kind::kContainer) return {};
    runtime::Namespace n{Kind::kJoin, {}};
    if (auto d = in.donors.find(mode.container); d != in.donors.end())
        n.path = "/proc/" + std::to_string(d->second.pid) + "/ns/" + type;
    return n;
}

// /dev/shm as --ipc has it, as podman: none has none; host has the host's, bind-mounted. A
// shareable one (the default) binds its tmpfs on the host (in.shm_dir) and one joining it binds the
// same, so both see the same files; private keeps a tmpfs of its own in the container (so does a
// shareable one without a host tmpfs: rootless). (A new mqueue mount shows the queues of the ipc
// namespace it is made in: host or joined, it is theirs.)
void ipc_mounts(const ContainerConfig& config, const SpecInputs& in, runtime::Spec& spec) {
    if (config.shm_size)  // --shm-size: podman's default size replaced (0: tmpfs's own, no size given)
        for (runtime::Mount& m : spec.mounts)
            if (m.destination == "/dev/shm") {
                std::erase_if(m.options, [](const std::string& o) { return o.rfind("size=", 0) == 0; });
                if (*config.shm_size > 0) m.options.push_back("size=" + std::to_string(*config.shm_size));
            }
    using Kind = NamespaceMode::Kind;
    std::string shared;
    if (config.ipc.kind == Kind::kShareable) shared = in.shm_dir;
    if (config.ipc.kind == Kind::kContainer)
        if (auto d = in.donors.find(config.ipc.container); d != in.donors.end()) shared = d->second.shm_dir;
    if (config.ipc.kind == Kind::kHost) shared = "/dev/shm";
    if (shared.empty() && config.ipc.kind != Kind::kNone) return;
    std::erase_if(spec.mounts, [&](const runtime::Mount& x) { return x.destination == "/dev/shm"; });
    if (!shared.empty()) spec.mounts.push_back(runtime::Mount{"/dev/shm", "bind", shared, {"rbind", "nosuid", "noexec", "nodev"}});
}

// The container's namespaces (--network, --ipc, --pid, --uts, --cgroupns), and the hostname it sees
// in them.
void namespaces_of(const ContainerConfig& config, const SpecInputs& in, runtime::Spec& spec) {
    NamespaceMode net;
    if (config.network == NetworkMode::kHost) net.kind = NamespaceMode::Kind::kHost;
    if (config.network == NetworkMode::kContainer) net = {NamespaceMode::Kind::kContainer, config.network_container};
    spec.namespaces.net = namespace_of(net, "net", in);
    spec.namespaces.ipc = namespace_of(config.ipc, "ipc", in);
    spec.namespaces.pid = namespace_of(config.pid, "pid", in);
    spec.namespaces.uts = namespace_of(config.uts, "uts", in);
    spec.namespaces.cgroup = namespace_of(config.cgroupns, "cgroup", in);
    ipc_mounts(config, in, spec);
    if (config.uts.kind == NamespaceMode::Kind::kHost) spec.hostname = in.host_name;
    if (config.uts.kind == NamespaceMode::Kind::kContainer)
        if (auto d = in.donors.find(config.uts.container); d != in.donors.end()) spec.hostname = d->second.hostname;
}

// --secret files, as podman mounts them: an empty /run/secrets of the container's own, then each
// secret's copy (made at create, engine/secrets.hpp) at its destination.
void add_secret_mounts(const ContainerConfig& config, const SpecInputs& in, std::vector<runtime::Mount>& mounts) {
    bool any = false;
    for (size_t i = 0; i < config.secrets.size(); ++i) {
        const SecretUse& s = config.secrets[i];
        if (s.env) continue;
        if (!any) mounts.push_back(bind_mount(in.run_dir + "/secrets", "/run/secrets", false));
        any = true;
        mounts.push_back(bind_mount(in.secrets_dir + "/" + secret_file_name(config, i),
                                    runtime::clean_path(secret_destination(s)), false));
    }
}

}  // namespace

std::string shm_tmpfs_data(const ContainerConfig& config) {
    int64_t size = config.shm_size.value_or(64 * 1024 * 1024);
    return size > 0 ? "mode=1777,size=" + std::to_string(size) : "mode=1777";
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

Result<ProcessCommand> split_args(const oci::ContainerConfig& image, const ContainerConfig& config) {
    ProcessCommand pc;
    if (config.entrypoint) {
        // An explicit entrypoint drops the image's Cmd, as docker and podman do.
        pc.entrypoint = *config.entrypoint;
        pc.cmd = config.command;
    } else {
        pc.entrypoint = image.entrypoint.value_or(std::vector<std::string>{});
        pc.cmd = config.command.empty() ? image.cmd.value_or(std::vector<std::string>{}) : config.command;
    }
    return pc;
}

Result<std::vector<std::string>> make_args(const oci::ContainerConfig& image, const ContainerConfig& config) {
    auto pc = TRY(split_args(image, config));
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

Result<runtime::Spec> make_spec(const oci::ImageConfig& image, const ContainerConfig& config, const SpecInputs& in) {
    runtime::Spec spec = runtime::default_spec();
    const oci::ContainerConfig& ic = image.config;

    spec.args = TRY(make_args(ic, config));
    if (config.init) spec.args.insert(spec.args.begin(), {runtime::kContainerInitPath, "--"});
    spec.hostname = config.hostname.empty() ? in.container_id.substr(0, 12) : config.hostname;
    namespaces_of(config, in, spec);

    spec.env = merge_env(process_env(ic, config), {"HOSTNAME=" + spec.hostname});

    spec.id = in.container_id;
    spec.cwd = !config.workdir.empty() ? config.workdir : !ic.working_dir.empty() ? ic.working_dir : "/";
    spec.create_cwd = config.workdir.empty() && !ic.working_dir.empty();
    spec.root_symlinks = {{"/etc/mtab", "/proc/mounts"}};
    if (spec.cwd.front() != '/') return make_error("invalid working directory \"" + spec.cwd + "\": must be an absolute path");
    spec.user = config.user.empty() ? ic.user : config.user;
    spec.group_add = config.group_add;
    spec.terminal = config.tty;
    spec.interactive = config.interactive;
    spec.readonly_rootfs = config.read_only;
    spec.rlimits = config.ulimits;
    spec.oom_score_adj = config.oom_score_adj;
    spec.umask = config.umask;
    spec.sysctls.assign(config.sysctls.begin(), config.sysctls.end());

    spec.no_new_privileges = config.security.no_new_privileges;
    spec.seccomp = config.security.seccomp;
    spec.seccomp_profile = config.security.seccomp_profile;
    spec.cache_dir = in.cache_dir;
    spec.privileged = config.privileged;
    if (config.privileged) {
        spec.capabilities = runtime::caps::all();
        spec.masked_paths.clear();
        spec.readonly_paths.clear();
        spec.seccomp = runtime::SeccompMode::kUnconfined;
    }
    spec.capabilities = TRY(runtime::caps::resolve(spec.capabilities, config.cap_add, config.cap_drop));
    TRY(device_rules_of(config, in.devices, spec));
    const auto& unmask = config.security.unmask;
    bool unmask_all = std::find(unmask.begin(), unmask.end(), "ALL") != unmask.end();
    std::erase_if(spec.masked_paths, [&](const std::string& p) {
        return unmask_all || std::find(unmask.begin(), unmask.end(), p) != unmask.end();
    });
    spec.masked_paths.insert(spec.masked_paths.end(), config.security.mask.begin(), config.security.mask.end());

    spec.cgroup = config.cgroups && in.own_cgroup;
    spec.cgroup_name = "skiff-" + in.container_id;
    spec.cgroup_parent = config.cgroup_parent;
    spec.resources = config.resources;

    // The files podman bind-mounts over the image's own.
    spec.mounts.push_back(bind_mount(in.run_dir + "/hostname", "/etc/hostname", false));
    spec.mounts.push_back(bind_mount(in.run_dir + "/hosts", "/etc/hosts", false));
    spec.mounts.push_back(bind_mount(in.run_dir + "/resolv.conf", "/etc/resolv.conf", false));
    if (!in.localtime.empty()) spec.mounts.push_back(bind_mount(in.localtime, "/etc/localtime", true));  // --tz
    // As podman mounts its init: read-only, and executable (bind_mount's are noexec).
    if (config.init) spec.mounts.push_back({runtime::kContainerInitPath, "bind", in.init_binary, {"bind", "ro"}});
    // The user's mounts replace the defaults at the same place. Parents are mounted before what lies
    // beneath them (as podman orders them): a volume at /etc keeps skiff's /etc/hosts on top.
    auto mine = runtime_mounts(config.mounts, in.volumes_dir);
    add_containerenv(in.run_dir, mine, spec.mounts);
    std::erase_if(spec.mounts, [&](const runtime::Mount& d) {
        return std::any_of(mine.begin(), mine.end(), [&](const runtime::Mount& m) { return m.destination == runtime::clean_path(d.destination); });
    });
    spec.mounts.insert(spec.mounts.end(), mine.begin(), mine.end());
    if (config.systemd) add_systemd(in.container_id, mine, spec);
    add_secret_mounts(config, in, spec.mounts);
    auto depth = [](const runtime::Mount& m) { return std::count(m.destination.begin(), m.destination.end(), '/'); };
    std::stable_sort(spec.mounts.begin(), spec.mounts.end(),
                     [&](const runtime::Mount& a, const runtime::Mount& b) { return depth(a) < depth(b); });
    return spec;
}

}  // namespace skiff::engine
