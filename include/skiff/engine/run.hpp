// `skiff run` and `create`'s command line: the options as given (configure() in container_config.hpp
// makes them a container's configuration), and `run` itself: create plus a container session in
// this process. The lifecycle of a detached container is lifecycle.hpp; the spec, spec.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct RunOptions {
    std::string image;       // the image, by name or id (the CLI passes the id it found or pulled)
    std::string image_name;  // IMAGE as the user wrote it, when `image` is its id; empty: `image`
    bool rootfs = false;     // --rootfs: `image` is the root directory, PATH[:O], not an image
    std::vector<std::string> command;  // overrides the image's Cmd
    std::optional<std::string> entrypoint;  // a word, or a JSON array; "" clears the image's
    bool remove = false;                // --rm
    bool interactive = false;           // -i
    bool tty = false;                   // -t
    std::vector<std::string> env;       // -e K=V or K (taken from skiff's environment)
    std::vector<std::string> env_files; // --env-file
    std::vector<std::string> unsetenv;  // --unsetenv NAME: a default or image variable left out
    bool unsetenv_all = false;          // --unsetenv-all: no default or image variable at all
    bool env_host = false;              // --env-host: skiff's whole environment passed in
    bool http_proxy = true;             // --http-proxy: skiff's proxy variables passed in
    std::string systemd = "true";       // --systemd true|false|always
    std::string workdir;
    std::string user;
    std::vector<std::string> group_add;  // --group-add GROUP (a gid or name), or keep-groups alone
    std::string hostname;
    std::string name;
    // private: a network namespace of its own with only loopback, published ports forwarded into
    // it; none: the same without published ports; host: the host's.
    std::string network = "private";   // or container:NAME|ID
    std::string ipc = "shareable", pid = "private", uts = "private";  // host, private, container:NAME|ID, …
    std::string cgroupns;  // host, private, container:NAME|ID, ns:PATH; empty: the host's default
    std::string userns;                 // --userns: host, or what only rootless podman has (refused)
    std::vector<std::string> publish;   // -p, as given; resolved into the configuration's ports when created
    bool publish_all = false;           // -P
    std::vector<std::string> expose;    // --expose
    std::vector<std::string> volumes;  // -v HOST-PATH:CONTAINER-PATH[:OPTIONS] (sources made absolute)
    std::vector<std::string> anonymous_volumes;  // the names name_anonymous_volumes gave
    std::vector<std::string> tmpfs;    // --tmpfs CONTAINER-PATH[:OPTIONS]
    std::vector<std::string> mounts;   // --mount type=bind|tmpfs,… (sources made absolute)
    std::vector<std::string> volumes_from;  // --volumes-from CONTAINER[:ro|rw]: its volumes and binds
    bool read_only = false;
    bool privileged = false;
    std::vector<std::string> devices;              // --device HOST[:CONTAINER][:PERMS], as given
    std::vector<std::string> device_cgroup_rules;  // --device-cgroup-rule "c 7:* rwm"
    std::vector<std::string> cap_add, cap_drop;
    std::vector<std::string> security_opt;
    std::map<std::string, std::string> labels;
    std::vector<std::string> label_files;  // --label-file: KEY=VALUE lines, beneath --label
    std::vector<std::string> annotations;  // --annotation KEY=VALUE
    std::vector<std::string> sysctls;      // --sysctl NAME=VALUE

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
    // --device-read-bps, --device-write-bps (DEVICE:RATE[b|k|m|g]), --device-read-iops,
    // --device-write-iops (DEVICE:COUNT)
    std::vector<std::string> device_read_bps, device_write_bps, device_read_iops, device_write_iops;

    std::string cidfile;                // --cidfile: the container's id is written there (must not exist)
    std::string pidfile;                // --pidfile: its process's pid, at each start
    bool replace = false;               // --replace: a container of the same --name is removed first

    int preserve_fds = 0;               // --preserve-fds N: skiff's fds 3 … 3+N-1 passed on
    std::string tz;                     // --tz local|ZONE|+-offset
    unsigned timeout = 0;               // --timeout seconds: the container is killed after them
    std::vector<std::string> attach;    // -a stdin|stdout|stderr: the streams a foreground run relays
    bool rmi = false;                   // --rmi: its image removed after it, if nothing else uses it
    std::string conmon_pidfile;         // --conmon-pidfile: the monitor's pid
    std::string umask;                  // --umask: octal, 1 to 4 digits; empty: 0022
    std::string shm_size;               // --shm-size: /dev/shm's size ("64m"; "0": no limit)
    std::vector<std::string> secrets;   // --secret NAME[,type=mount|env][,target=…][,uid=,gid=,mode=]
    bool init = false;                  // --init: an init as PID 1 forwards signals and reaps
    std::string init_path;              // --init-path: the init binary (default: skiff's own)
    std::string runtime;                // the global --runtime: a skiff binary to run it (oci_runtime.hpp)

    // Where podman's warnings about the options go (a line each, before the container starts);
    // the engine prints nothing itself. Unset: dropped.
    std::function<void(const std::string&)> warn;
    // A foreground run's container is running (its id): run -a without stdout or stderr prints it.
    std::function<void(const std::string& id)> started;
};

// "512m", "1g", "100k", "4096" → bytes (1024-based, as podman); "-1" → -1 where allowed.
Result<int64_t> parse_size(std::string_view s, bool allow_unlimited);

// Give each anonymous volume (-v /path, --mount type=volume without a source) a name from
// make_name, written into the options (and into anonymous_volumes); the names made, in order.
std::vector<std::string> name_anonymous_volumes(RunOptions& opts, const std::function<std::string()>& make_name);
// Relative host paths (./dir) of -v and --mount made absolute against `cwd`, before they are stored.
void absolute_mount_sources(RunOptions& opts, const std::string& cwd);

// Run in the foreground; returns the container's exit status (or 125/126/127 as podman).
Result<int> run(const storage::StoreConfig& store, const RunOptions& opts);

}  // namespace skiff::engine
