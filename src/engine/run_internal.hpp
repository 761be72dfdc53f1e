// What run, create, start and the monitor share. Private to the engine.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/lifecycle.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/session.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

// As podman: a bind mount's host path must exist when the container is made and each time it starts.
Result<void> check_bind_sources(const ContainerConfig& config);
Result<void> make_container_volumes(const storage::StoreConfig& store, const storage::Container& c,
                                    const ContainerConfig& config);
// A new container's: the options configured (their anonymous volumes named), its ports chosen.
Result<Prepared> prepare_new(const storage::StoreConfig& store, const RunOptions& opts, const std::string& id);
// A container's spec from its configuration (as each start makes it). `shm_on_host`: a shareable
// /dev/shm is a tmpfs on the host that the containers joining it bind too (a detached container's,
// whose monitor unmounts it); else one of the container's own, which nothing on the host outlives
// (a foreground run killed with its skiff).
Result<Prepared> prepare(const storage::StoreConfig& store, storage::ImageRecord image, ContainerConfig config,
                         const std::string& id, bool shm_on_host = false);
storage::ContainerDefinition definition_of(const Prepared& p);

// The container's process is the one its record names, still running.
bool alive(const storage::Container& c);
// Until the container's process has exited or `ms` have passed (negative: no limit); true when it
// has. Waits on a pidfd where the kernel has them, else looks at /proc. Stop and rm share it.
bool wait_gone(const storage::Container& c, int ms);
// Once a command has removed or stopped a detached container, its monitor still records the exit
// and gives back mounts: the command returns once that monitor (the process the record names, no
// other) has exited, or a few seconds have passed (a warning then).
void wait_monitor_gone(const storage::Container& c);
// A pidfd for the container's process, only if it is still the process the record names.
Result<unique_fd> open_process(const storage::Container& c);
// The lines of --env-file files, in order; and the entries those lines hold (comments and blank
// lines dropped, "NAME" alone left for expansion from skiff's environment).
Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& files);
std::vector<std::string> env_file_entries(const std::vector<std::string>& lines);
// "-e NAME" and "-e PREFIX*" from `host` (dropped when unset, as podman does); NAME=V as is.
std::vector<std::string> expand_env(const std::vector<std::string>& entries, const std::map<std::string, std::string>& host);
// skiff's own environment, by name.
std::map<std::string, std::string> host_environment();

// The configuration with `update`'s (or clone's) limits laid over it, checked as create checks it.
Result<ContainerConfig> with_updates(ContainerConfig c, const UpdateOptions& u);

// The container's record, made: with --replace a container of the same name is removed first (its
// process killed); --cidfile then gets the new id.
Result<storage::Container> make_container(const storage::StoreConfig& store, const Prepared& p, const RunOptions& opts);

// Start the monitor of a detached container (src/monitor): a fresh skiff process that builds
// the container's spec from its stored record as start does, and runs it. Returns once the
// container's command has been executed, or with the error that stopped it. `wait_attach`
// (start -a): returns once the monitor listens on its attach socket; it runs the container when
// the first client is there. `start_lock` (a descriptor of start's lock, or -1) is held by the
// monitor too until the container is recorded running: a concurrent start waits for that even when
// this one returns earlier.
// `init_only`: returns once the container's process waits to execute (see monitor.hpp).
Result<void> launch_monitor(const storage::StoreConfig& store, const storage::Container& c, const ContainerConfig& config,
                            bool wait_attach = false, int start_lock = -1, bool init_only = false);

// --ipc/--pid/--uts/--cgroupns/--network container:NAME (namespace_donors.cpp): at create, each name
// resolved to the container's id (a private ipc namespace is refused, as podman; an ns:PATH must
// exist); at start, those of them
// running (pid, hostname), and an error naming one that is not; at rm, the containers that join
// one's namespaces.
Result<void> resolve_namespace_donors(const storage::StoreConfig& store, ContainerConfig& config);
Result<std::map<std::string, NamespaceDonor>> running_donors(const storage::StoreConfig& store,
                                                             const ContainerConfig& config);
Result<void> check_donors_running(const ContainerConfig& config, const std::map<std::string, NamespaceDonor>& donors);
// Every container's dependents: donor id → the ids of the containers that join its namespaces.
using Dependents = std::map<std::string, std::vector<std::string>>;
Result<Dependents> namespace_dependents(const storage::StoreConfig& store);
std::string host_name();  // gethostname(2)
// --cgroupns when not given, as podman: private on a cgroup2 host, host on a v1 or hybrid one.
NamespaceMode::Kind cgroupns_default();
// --tz: the host's zone file for the container's /etc/localtime (links resolved; "local": the
// host's /etc/localtime); empty without --tz. A zone that is not there is podman's error.
Result<std::string> find_zone_file(const std::string& tz);
// --init: the host file mounted at /run/podman-init: --init-path's (which must exist, as podman
// checks), else skiff's own init written beneath the run root. Empty without --init.
Result<std::string> init_binary(const ContainerConfig& config, const storage::StoreConfig& store);
// Whether the container can have a cgroup of its own: as root always; rootless only in a cgroup2
// subtree delegated to the user. Without one, a limit asked for is podman's error.
Result<bool> own_cgroup_possible(const ContainerConfig& config);

}  // namespace skiff::engine
