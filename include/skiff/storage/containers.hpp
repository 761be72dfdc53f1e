// The container store: one definition per container (under --root, fsynced once, or under --runroot
// for --rm containers) and one state record (under --runroot, never fsynced: it dies with the boot).
// Names are reserved by symlink creation, which fails atomically if the name is taken.
//
// Crash safety: a container exists once its directory under --root/containers is renamed into
// place from a staging directory, and stops existing when it is renamed aside; its creator or
// remover holds the container's lock meanwhile. So a name, a run-time directory or a staging or
// trash directory whose container directory is missing and whose lock is free was left by a
// killed process, and the next command that meets it sweeps it. Records are rewritten through
// temporary files kept in one directory per root (containers/.tmp), named for their writer, and
// swept once their writer is gone. A record that is truncated, empty, garbage or missing is loaded
// all the same, with `damage` saying which file is wrong, so that it can be listed and removed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/base/time.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

// kInitialized: `init` set it up and its process waits to execute the command (it has a pid and
// a monitor, as a running one).
enum class ContainerState { kCreated, kRunning, kExited, kUnknown, kInitialized };
const char* state_name(ContainerState s);  // "created", "running", "exited", "unknown", "initialized"

struct ContainerDefinition {
    std::string id;  // 64 hex
    std::string name;
    std::string image_id;
    std::string image_name;  // as the user named it, normalised
    std::vector<std::string> command;  // the process args
    std::vector<std::string> env;
    std::string user;
    std::string working_dir;
    std::string hostname;
    bool tty = false;
    bool interactive = false;
    bool auto_remove = false;  // --rm: the whole record lives under --runroot
    std::map<std::string, std::string> labels;
    int64_t created_ns = 0;  // unix time in nanoseconds
    // The engine's configuration of the container (its JSON, opaque here; stored as "run_options",
    // the name it had when it held the command line's options).
    std::string config;
};

struct ContainerStatus {
    ContainerState state = ContainerState::kCreated;
    pid_t pid = 0;
    unsigned long long pid_start = 0;  // the process's start time (clock ticks): pid identity
    int exit_code = 0;
    int64_t started_ns = 0;
    int64_t finished_ns = 0;
    pid_t monitor_pid = 0;                 // the monitor of a detached container, 0 for foreground
    unsigned long long monitor_start = 0;  // its start time (pid identity)
    int restarts = 0;                      // how often the restart policy has restarted it
    bool oom_killed = false;               // its last run lost a process to the OOM killer
    // Its own cgroup's directories (removed with it) by hierarchy: "memory", "cpu,cpuacct" (v1) or
    // "" (cgroup2). Records written by an older skiff, which kept only a "cgroup_dirs" list, get
    // the hierarchies from the directories' shape.
    std::map<std::string, std::string> cgroups;
    bool paused = false;  // frozen by `pause` (only while running)
    // `stop` has sent the stop signal and waits for the exit, without the container's lock (only
    // while running).
    bool stopping = false;
};

struct Container : ContainerDefinition, ContainerStatus {
    // Empty for a whole record; else "PATH: what is wrong with it" for each damaged file. The id is
    // always known, the name when a name reservation points at it; the state is kUnknown when
    // the state record is damaged.
    std::string damage;
};

// As podman names it: "stopping" for a running container being stopped, "paused" for a paused
// running one, else state_name(c.state).
const char* status_name(const Container& c);

// Directory holding the container's file-system state (upper, work, merged).
std::string container_dir(const StoreConfig& store, const std::string& id);
// Directory holding the container's run-time files (state, /etc/hosts, …).
std::string container_run_dir(const StoreConfig& store, const std::string& id);

// Reserve the name (or generate one when empty), write the definition and a "created" state,
// then publish the container by renaming its directory into place.
// The id is generated unless def.id is already set (64 hex).
// Fails with "the container name "N" is already in use by ID. …" when the name is taken.
Result<Container> create_container(const StoreConfig& store, ContainerDefinition def);
Result<void> save_status(const StoreConfig& store, const Container& c);
// Rewrite the definition (a new configuration after `update`). The caller holds the container's lock.
Result<void> save_definition(const StoreConfig& store, const ContainerDefinition& def);
// Give the container `name`: the new name is reserved first (atomically; an error if in use), the
// definition rewritten, then the old name released. The caller holds the container's lock.
Result<void> rename_container(const StoreConfig& store, Container& c, const std::string& name);
// Rename the container's directories aside (it is gone from then on), release its names, then
// delete them. The caller holds the container's lock.
Result<void> remove_container(const StoreConfig& store, const Container& c);

// All containers, newest first, damaged ones included. Running containers whose process is gone
// are reported exited. Sweeps what killed commands left in the containers directories.
Result<std::vector<Container>> list_containers(const StoreConfig& store);
// By full id, name, or unique id prefix. Not found: "no container with name or ID "X" found". A
// damaged record is an error naming the damaged file, unless `damaged_too` (then see `damage`).
Result<Container> find_container(const StoreConfig& store, std::string_view name_or_id, bool damaged_too = false);
// Write one of the container's run-time files (state, hosts, markers) atomically; its temporary
// file is swept if the writer is killed. Records are the owner's alone (0600); a file the container's
// processes read through a bind mount (/etc/hosts) must be readable by any user in it (0644).
Result<void> write_run_file(const StoreConfig& store, const std::string& id, const std::string& name,
                            std::string_view data, unsigned mode = 0600);
// Ids of the containers made from an image.
Result<std::vector<std::string>> containers_using_image(const StoreConfig& store, const std::string& image_id);

// The container's lock (see store.hpp for the order).
Result<FileLock> lock_container(const StoreConfig& store, const std::string& id);
// The lock of a container that exists, for those that outlive its removal (its monitor): creates
// nothing; a missing error once the container is removed, or removed while this waited.
Result<FileLock> lock_existing_container(const StoreConfig& store, const std::string& id);

// Pure helpers, exposed for tests.
std::string serialize_definition(const ContainerDefinition& d);
Result<ContainerDefinition> parse_definition(std::string_view json);
std::string serialize_status(const ContainerStatus& s);
Result<ContainerStatus> parse_status(std::string_view json);
std::string generate_name(uint64_t random);
bool valid_name(std::string_view name);  // [a-zA-Z0-9][a-zA-Z0-9_.-]*
unsigned long long process_start_time(pid_t pid);  // 0 if the process is gone or a zombie
// Whether `pid` is still the process that started at `start` (a start time of 0 names none).
bool same_process(pid_t pid, unsigned long long start);

}  // namespace skiff::storage
