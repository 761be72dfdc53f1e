// `skiff run`: the command line's options become a container's configuration (container_config.hpp),
// its record, a runtime spec and a process; and the lifecycle of a detached container.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/net/ports.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct RunOptions {
    std::string image;
    std::vector<std::string> command;  // overrides the image's Cmd
    std::optional<std::string> entrypoint;  // a word, or a JSON array; "" clears the image's
    bool remove = false;                // --rm
    bool interactive = false;           // -i
    bool tty = false;                   // -t
    std::vector<std::string> env;       // -e K=V or K (taken from skiff's environment)
    std::vector<std::string> env_files; // --env-file
    std::string workdir;
    std::string user;
    std::string hostname;
    std::string name;
    // private: a network namespace of its own with only loopback, published ports forwarded into
    // it; none: the same without published ports; host: the host's.
    std::string network = "private";
    std::vector<std::string> publish;   // -p, as given; resolved into the configuration's ports when created
    bool publish_all = false;           // -P
    std::vector<std::string> expose;    // --expose
    std::vector<std::string> volumes;  // -v HOST-PATH:CONTAINER-PATH[:OPTIONS] (sources made absolute)
    std::vector<std::string> anonymous_volumes;  // the names name_anonymous_volumes gave
    std::vector<std::string> tmpfs;    // --tmpfs CONTAINER-PATH[:OPTIONS]
    std::vector<std::string> mounts;   // --mount type=bind|tmpfs,… (sources made absolute)
    bool read_only = false;
    bool privileged = false;
    std::vector<std::string> devices;              // --device HOST[:CONTAINER][:PERMS], as given
    std::vector<std::string> device_cgroup_rules;  // --device-cgroup-rule "c 7:* rwm"
    std::vector<std::string> cap_add, cap_drop;
    std::vector<std::string> security_opt;
    std::map<std::string, std::string> labels;

    // Detached containers (run -d, create + start), carried out by the monitor.
    bool detach = false;                // -d
    std::string restart = "no";         // --restart no|on-failure[:N]|always|unless-stopped
    std::string log_driver = "k8s-file";  // --log-driver k8s-file|json-file|none|passthrough
    std::vector<std::string> log_opts;  // --log-opt max-size=SIZE, path=FILE
    std::string stop_signal;            // --stop-signal; empty: the image's StopSignal, else SIGTERM
    int stop_timeout = 10;              // --stop-timeout seconds

    // cgroup and limits, as podman spells them (sizes "512m", "1g", bytes).
    std::string cgroups = "enabled";    // --cgroups enabled|disabled
    std::string cgroup_parent;          // --cgroup-parent
    std::string memory, memory_swap;    // --memory, --memory-swap
    std::string cpus;                   // --cpus 1.5
    uint64_t cpu_shares = 0;            // --cpu-shares
    std::string cpuset_cpus;            // --cpuset-cpus
    std::optional<int64_t> pids_limit;  // --pids-limit
    std::vector<std::string> ulimits;   // --ulimit nofile=1024:2048 ("host": the inherited limits)
    std::optional<int> oom_score_adj;   // --oom-score-adj

    std::string cidfile;                // --cidfile: the container's id is written there (must not exist)
    std::string pidfile;                // --pidfile: its process's pid, at each start
    bool replace = false;               // --replace: a container of the same --name is removed first
};

// "512m", "1g", "100k", "4096" → bytes (1024-based, as podman); "-1" → -1 where allowed.
Result<int64_t> parse_size(std::string_view s, bool allow_unlimited);

// `create`: check every option, write the container's record and options; nothing runs. --env-file
// contents and "-e NAME" values are resolved now, as podman does.
Result<storage::Container> create(const storage::StoreConfig& store, RunOptions opts);

// `start`: a created (or exited) container run detached under a monitor process (`skiff` forked and
// detached with setsid) that holds its output, writes its log, records its exit and carries out its
// restart policy. Returns once the container's command has been executed, or its error.
// `wait_attach` (start -a): returns once the monitor listens; it runs the container when the first
// `attach` client (AttachOptions::starting) has connected, and reports its start's error there.
Result<void> start(const storage::StoreConfig& store, const std::string& name_or_id, bool wait_attach = false);

// `stop`: the stop signal, then SIGKILL after `timeout` seconds (never if negative; unset: the
// container's own --stop-timeout); returns once the exit is recorded. A container not running is
// left as it is.
Result<void> stop(const storage::StoreConfig& store, const std::string& name_or_id, std::optional<int> timeout);

// `kill`: one signal to the container's process.
Result<void> kill(const storage::StoreConfig& store, const std::string& name_or_id, int signal);
// `kill -s`: a signal's name ("KILL", "SIGTERM") or number.
Result<int> parse_signal(std::string_view name);

// `wait`: until the container has exited; its exit code.
Result<int> wait(const storage::StoreConfig& store, const std::string& name_or_id);

// `restart`: stop (as stop, `timeout` as there), then start.
Result<void> restart(const storage::StoreConfig& store, const std::string& name_or_id, std::optional<int> timeout);

// `wait --condition`: podman's states skiff has ("configured" is "created", "stopped" is "exited").
enum class WaitCondition { kCreated, kRunning, kPaused, kExited };
Result<WaitCondition> parse_wait_condition(std::string_view s);
// Until the container is in one of `conditions`, polling its record every `interval_ms`; its exit
// code when it has exited, else -1 (as podman). Only kExited: as wait().
Result<int> wait_for(const storage::StoreConfig& store, const std::string& name_or_id,
                     const std::vector<WaitCondition>& conditions, int interval_ms);

// A host node a --device gives the container, with the access its cgroup rule allows.
struct HostDevice {
    runtime::Device device;
    std::string access;
};
// Each --device's host node found (links resolved; a directory gives every node beneath it, at the
// same place beneath the container path). A missing path, or one with no node, is an error.
Result<std::vector<HostDevice>> find_devices(const std::vector<DeviceOption>& options);
// The devices into `spec`, and the rules their --device and --device-cgroup-rule add after the
// defaults (--privileged: every device allowed). Pure.
Result<void> device_rules_of(const ContainerConfig& config, const std::vector<HostDevice>& devices, runtime::Spec& spec);

// What the spec needs beyond the image and the configuration: all inputs of the pure function.
struct SpecInputs {
    std::string container_id;
    std::string run_dir;    // where /etc/hosts, /etc/hostname, /etc/resolv.conf are written
    std::string cache_dir;  // for the compiled seccomp filter
    std::string volumes_dir;                      // where named volumes live (--root/volumes)
    std::vector<HostDevice> devices;       // the host's nodes for --device (find_devices)
};

// Give each anonymous volume (-v /path, --mount type=volume without a source) a name from
// make_name, written into the options (and into anonymous_volumes); the names made, in order.
std::vector<std::string> name_anonymous_volumes(RunOptions& opts, const std::function<std::string()>& make_name);
// Relative host paths (./dir) of -v and --mount made absolute against `cwd`, before they are stored.
void absolute_mount_sources(RunOptions& opts, const std::string& cwd);

// A pure function: image config + the container's configuration → runtime spec (root left for the
// caller to fill).
Result<runtime::Spec> make_spec(const oci::ImageConfig& image, const ContainerConfig& config, const SpecInputs& in);

// The entrypoint and command a container runs: the options' where given, else the image's.
struct ProcessCommand {
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
};
Result<ProcessCommand> split_args(const oci::ContainerConfig& image, const ContainerConfig& config);

// Args from the image's Entrypoint/Cmd and the options, as docker and podman combine them.
Result<std::vector<std::string>> make_args(const oci::ContainerConfig& image, const ContainerConfig& config);

// Merge environments: later entries override earlier ones with the same name, order kept.
std::vector<std::string> merge_env(const std::vector<std::string>& base, const std::vector<std::string>& over);

// Run in the foreground; returns the container's exit status (or 125/126/127 as podman).
Result<int> run(const storage::StoreConfig& store, const RunOptions& opts);

}  // namespace skiff::engine
