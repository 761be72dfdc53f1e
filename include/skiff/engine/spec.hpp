// The runtime spec of a container: a pure function of the image's config, the container's
// configuration and a few inputs from outside (SpecInputs), and the --device nodes found for it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::engine {

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

// A running container another one joins: its process, and its hostname (--uts container:ID).
struct NamespaceDonor {
    int pid = 0;
    std::string hostname;
    std::string shm_dir;  // its /dev/shm's tmpfs on the host (ipc donors), empty if it has none there
};

// What the spec needs beyond the image and the configuration: all inputs of the pure function.
struct SpecInputs {
    std::string container_id;
    std::string run_dir;    // where /etc/hosts, /etc/hostname, /etc/resolv.conf are written
    std::string cache_dir;  // for the compiled seccomp filter
    std::string volumes_dir;                      // where named volumes live (--root/volumes)
    std::vector<HostDevice> devices;       // the host's nodes for --device (find_devices)
    // The running containers whose namespaces it joins, by id (one not running is missing: the
    // spec then names no path to join, and the runtime refuses it). And the host's name (--uts host).
    std::map<std::string, NamespaceDonor> donors;
    std::string host_name;
    std::string localtime;  // --tz: the host's zone file for /etc/localtime (find_zone_file)
    std::string secrets_dir;  // where the container's copies of its --secret files are (secret_files_dir)
    std::string init_binary;  // --init: the host file mounted at /run/podman-init (skiff's own, or --init-path)
    // Whether a cgroup of the container's own can be made: not by a rootless skiff without a
    // delegated cgroup2 subtree (own_cgroup_possible), which runs it in its own cgroup instead.
    bool own_cgroup = true;
    // Shareable ipc: the host directory whose tmpfs (shm_tmpfs_data) the container binds at /dev/shm,
    // so that those joining its ipc namespace bind it too. Empty: a tmpfs of its own (rootless).
    std::string shm_dir;
};

// The mount data of a shareable container's /dev/shm tmpfs: mode 1777 and --shm-size (podman's 64m
// by default; 0: tmpfs's own size).
std::string shm_tmpfs_data(const ContainerConfig& config);

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

}  // namespace skiff::engine
