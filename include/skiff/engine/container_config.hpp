// A container's configuration, typed: what `create` makes of the command line's options once, what
// the container's record stores (with a schema version), and what every reader uses — start, the
// monitor, exec, update, inspect, ps, logs, port, commit and the volumes' users. Nothing is parsed
// from option strings after create.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/net/ports.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

struct RunOptions;

// One of -v, --tmpfs or --mount, checked and resolved.
struct MountConfig {
    enum class Kind { kBind, kVolume, kTmpfs, kImage };
    Kind kind = Kind::kBind;
    // kBind: an absolute host path; kVolume: the volume's name; kTmpfs: empty; kImage: the image as
    // the user named it (its layers are mounted when the container starts: mount_container_images)
    std::string source;
    std::string destination;  // absolute and clean
    std::vector<std::string> options;  // as the runtime mounts it, podman's defaults applied
    bool anonymous = false;   // a volume made for this container alone (-v /path): removed with it

    bool operator==(const MountConfig&) const = default;
};

// A restart policy, parsed.
struct RestartPolicy {
    enum class Kind { kNo, kOnFailure, kAlways, kUnlessStopped } kind = Kind::kNo;
    int max_retries = 0;  // on-failure:N; 0 = no limit

    bool operator==(const RestartPolicy&) const = default;
};
Result<RestartPolicy> parse_restart_policy(std::string_view s);
const char* restart_policy_name(RestartPolicy::Kind kind);  // "no", "on-failure", "always", "unless-stopped"

struct LogConfig {
    std::string driver = "k8s-file";  // k8s-file, none, or passthrough (a foreground run's)
    std::string path;                 // --log-opt path=FILE; empty: the container's own ctr.log
    std::optional<int64_t> max_size;  // --log-opt max-size, bytes

    bool operator==(const LogConfig&) const = default;
};

struct SecurityConfig {
    runtime::SeccompMode seccomp = runtime::SeccompMode::kDefault;
    std::string seccomp_profile;
    bool no_new_privileges = false;
    std::vector<std::string> mask;    // mask=PATH[:PATH…]: masked as well as the defaults
    std::vector<std::string> unmask;  // unmask=PATH[:PATH…] or ALL: left out of the defaults
    std::vector<std::string> options;  // --security-opt as given (inspect shows them)

    bool operator==(const SecurityConfig&) const = default;
};

// private: a network namespace of its own with only loopback, published ports forwarded into it;
// none: the same without published ports; host: the host's; container: another container's
// (network_container).
enum class NetworkMode { kPrivate, kNone, kHost, kContainer };
const char* network_mode_name(NetworkMode mode);  // as given: "private", "none", "host", "container"

// --ipc, --pid, --uts, --cgroupns: a namespace of its own (private; for ipc, shareable lets others
// join it and none gives it no /dev/shm), the host's, another container's, joined while that one
// runs, or (--cgroupns) the one a namespace file is, joined.
struct NamespaceMode {
    enum class Kind { kPrivate, kShareable, kNone, kHost, kContainer, kPath };
    Kind kind = Kind::kPrivate;
    // kContainer: the other container's id (a name is resolved at create); kPath: the file (ns:PATH)
    std::string container;

    bool operator==(const NamespaceMode&) const = default;
};
// "host", "private", "container:ID" (and for --ipc "shareable", "none"; for --cgroupns, whose `flag`
// is "cgroup", "ns:PATH"), as podman spells them; `flag` names the option in errors.
Result<NamespaceMode> parse_namespace_mode(std::string_view text, std::string_view flag);
// As the record stores it: "private", "shareable", "none", "host", "container:ID", "ns:PATH".
std::string namespace_mode_text(const NamespaceMode& mode);

// --device HOST[:CONTAINER][:PERMS], as podman parses it: PERMS of r, w, m (default rwm);
// CONTAINER absolute (default HOST).
struct DeviceOption {
    std::string host_path;
    std::string container_path;
    std::string access;

    bool operator==(const DeviceOption&) const = default;
};
Result<DeviceOption> parse_device_option(std::string_view text);

// --secret: a secret the container is given, as a file (podman's "mount" type) or a variable.
struct SecretUse {
    std::string name;  // the secret's, as given at create
    std::string id;    // resolved at create (resolve_secrets, engine/secrets.hpp)
    bool env = false;
    // env: the variable's name (default: the secret's name). mount: where the file is: empty
    // /run/secrets/NAME, relative beneath /run/secrets, absolute as it is.
    std::string target;
    uint32_t uid = 0, gid = 0, mode = 0444;
};
// The file a mount secret is in the container.
std::string secret_destination(const SecretUse& s);

struct ContainerConfig {
    static constexpr int kSchema = 2;  // 1: the command line's options as JSON (read and migrated)

    std::string image;  // as the user named it; empty with rootfs
    // --rootfs: the container's root is this directory instead of an image's layers; with
    // rootfs_overlay (PATH:O) the directory is the lower layer of an overlay whose upper layer is
    // the container's own and begins empty at each start.
    std::string rootfs;
    bool rootfs_overlay = false;
    std::optional<std::vector<std::string>> entrypoint;  // given: replaces the image's (and drops its Cmd)
    std::vector<std::string> command;                    // given: replaces the image's Cmd
    std::vector<std::string> env;  // -e and --env-file, resolved against skiff's environment at create
                                   // (and --env-host's or --http-proxy's variables beneath them)
    std::vector<std::string> unsetenv;  // default and image variables left out
    bool unsetenv_all = false;          // no default or image variable at all
    bool systemd = false;  // systemd mode (--systemd, resolved against the command at create)
    std::string workdir, user, hostname, name;
    std::vector<std::string> group_add;  // --group-add, checked
    bool remove = false, interactive = false, tty = false, detach = false;

    NetworkMode network = NetworkMode::kPrivate;
    std::string network_container;  // kContainer: whose network namespace it joins (an id)
    NamespaceMode ipc{NamespaceMode::Kind::kShareable, {}}, pid, uts;
    // --cgroupns, podman's default for the host's cgroups when not given (ConfigInputs). A record
    // without it is of a skiff that always made the container one of its own: private.
    NamespaceMode cgroupns;
    std::vector<net::PortMapping> ports;  // published, host ports chosen
    std::vector<net::ExposedPort> expose;  // --expose
    bool publish_all = false;              // -P (its ports are among `ports`)

    std::vector<MountConfig> mounts;
    std::vector<std::string> volumes_from;  // --volumes-from as given (inspect shows it); the mounts it
                                            // brought are in `mounts`
    bool read_only = false;
    bool privileged = false;
    std::vector<DeviceOption> devices;
    std::vector<std::string> device_cgroup_rules;  // checked
    std::vector<std::string> cap_add, cap_drop;
    SecurityConfig security;
    std::map<std::string, std::string> labels;      // --label-file's, then --label's
    std::map<std::string, std::string> annotations;  // --annotation
    std::map<std::string, std::string> sysctls;      // --sysctl, checked against the namespaces

    RestartPolicy restart;
    LogConfig log;
    int stop_signal = 15;  // --stop-signal, else the image's StopSignal, else SIGTERM
    int stop_timeout = 10;

    bool cgroups = true;  // --cgroups enabled|disabled
    std::string cgroup_parent;
    runtime::Resources resources;  // bytes, CPUs, shares, pids
    std::vector<runtime::Rlimit> ulimits;  // "host" (the inherited limits) leaves none
    std::optional<int> oom_score_adj;
    std::string pidfile;

    // Process options.
    std::string timezone;        // --tz: "local", an IANA zone, or empty (the image's)
    unsigned timeout = 0;        // --timeout seconds; 0: none
    std::string conmon_pidfile;  // --conmon-pidfile: the monitor's pid, at each start
    unsigned umask = 022;  // --umask
    std::optional<int64_t> shm_size;  // --shm-size in bytes (0: no limit); unset: podman's 65536k
    std::vector<SecretUse> secrets;  // --secret
    bool init = false;       // --init: an init runs the command as its child (/run/podman-init)
    std::string init_path;   // --init-path: that init, a host file; empty: skiff's own
    std::string runtime;     // --runtime as given (a name or a path); empty: skiff's own (oci_runtime.hpp)
};
// /dev/shm's size as inspect shows it without --shm-size (podman's default, "65536k" in decimal).
inline constexpr int64_t kDefaultShmSize = 65536000;

// The containers whose namespaces this one joins (ids, each once, in the order ipc, pid, uts, net).
std::vector<std::string> namespace_donors(const ContainerConfig& config);

// Where systemd's journal listens; its absence is part of journald's error, as podman's.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// What the configuration takes from outside the options: all inputs of configure().
struct ConfigInputs {
    std::vector<std::string> env_file_lines;      // the --env-file contents, in order, split in lines
    std::map<std::string, std::string> host_env;  // for "-e NAME" without a value
    std::string image_stop_signal;                // the image's StopSignal, if any
    bool journal_running = false;                 // the host's journal socket exists (for journald's error)
    std::vector<std::string> label_file_lines;    // the --label-file contents, in order, split in lines
    // --cgroupns when not given: podman's default, a namespace of its own on a cgroup2 host and
    // the host's on a v1 or hybrid one (cgroupns_default()).
    NamespaceMode::Kind cgroupns_default = NamespaceMode::Kind::kPrivate;
};

// The options checked and turned into a configuration (pure). Published ports are left for the
// caller to resolve (choosing free host ports is not pure); anonymous volumes must have been named
// (name_anonymous_volumes) and relative sources made absolute (absolute_mount_sources) before.
Result<ContainerConfig> configure(const RunOptions& opts, const ConfigInputs& in);

// -v, --tmpfs and --mount checked, in that order (pure).
Result<std::vector<MountConfig>> parse_mounts(const RunOptions& opts);
// The mounts as the runtime takes them: a volume is a bind mount of volumes_dir/NAME/_data.
std::vector<runtime::Mount> runtime_mounts(const std::vector<MountConfig>& mounts, const std::string& volumes_dir);
// A mount as inspect shows it: read-only or not, its propagation (one of the mount propagation
// words, or empty), and its other options.
struct MountView {
    bool read_only = false;
    std::string propagation;
    std::vector<std::string> other;
};
MountView mount_view(const MountConfig& m);
// The named volumes the configuration mounts, in order; and those of them made for it alone.
std::vector<std::string> volume_names(const ContainerConfig& config);
std::vector<std::string> anonymous_volume_names(const ContainerConfig& config);

// --annotation KEY=VALUE, as podman parses them (the last of a key wins).
Result<std::map<std::string, std::string>> parse_annotations(const std::vector<std::string>& words);
// --label-file lines as podman reads them: blank lines and '#' comments skipped, KEY=VALUE taken,
// a KEY* line takes every host variable with that prefix, a bare KEY nothing.
Result<std::map<std::string, std::string>> parse_label_lines(const std::vector<std::string>& lines,
                                                             const std::map<std::string, std::string>& host_env);
// --sysctl NAME=VALUE: only the namespaced ones podman allows, and only where the container has
// the namespace of its own (net.* not with --network host, IPC ones not with --ipc host).
Result<std::map<std::string, std::string>> parse_sysctls(const std::vector<std::string>& words, NetworkMode network,
                                                         const NamespaceMode& ipc);
// --device-read-bps and --device-write-bps (`bytes`: a rate with b, k, m, g units), or the -iops
// ones (a plain count): DEVICE:RATE, the device's numbers left for resolve_throttle_devices.
Result<std::vector<runtime::ThrottleDevice>> parse_throttle_devices(const std::vector<std::string>& words, bool bytes);
// The throttled devices' major and minor numbers, from the devices themselves.
Result<void> resolve_throttle_devices(runtime::Resources& resources);

// --log-opt max-size=SIZE (decimal units, as podman's) → bytes.
Result<int64_t> parse_log_size(std::string_view text);
// 15 → "SIGTERM".
std::string signal_name(int signal);

// The record's text, and back. A record of schema 1 (what skiff wrote before the configuration was
// typed: the command line's options) is migrated as it is read.
std::string serialize_config(const ContainerConfig& config);
Result<ContainerConfig> parse_config(std::string_view json);
// The stored configuration of a container (an error naming the container if it has none or it is
// damaged).
Result<ContainerConfig> config_of(const storage::Container& c);

}  // namespace skiff::engine
