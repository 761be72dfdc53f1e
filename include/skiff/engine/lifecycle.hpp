// A container's lifecycle through its record: create, start (under a monitor), stop, kill, wait,
// restart. Signals go through pidfds, to the process the record names and no other.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

// `create`: configure the options (every one checked), write the container's record; nothing runs. --env-file
// contents and "-e NAME" values are resolved now, as podman does.
Result<storage::Container> create(const storage::StoreConfig& store, RunOptions opts);

// `start`: a created (or exited) container run detached under a monitor process (`skiff` forked and
// detached with setsid) that holds its output, writes its log, records its exit and carries out its
// restart policy. Returns once the container's command has been executed, or its error.
// `wait_attach` (start -a): returns once the monitor listens; it runs the container when the first
// `attach` client (AttachOptions::starting) has connected, and reports its start's error there.
Result<void> start(const storage::StoreConfig& store, const std::string& name_or_id, bool wait_attach = false);

// `init`: a created or exited container set up as start would (its monitor, root file system, mounts,
// namespaces, cgroup), its process waiting to execute the command; the record says "initialized".
// An initialized or running container is podman's error ("has already been created in runtime").
// `start` then lets the command run.
Result<void> init(const storage::StoreConfig& store, const std::string& name_or_id);

// `container cleanup`: what a container that is not running holds on the host given back (a `mount`
// of its root, the volumes' and images' mounts); with `remove` the container is removed after. A
// running (or initialized) container is podman's error.
Result<void> cleanup(const storage::StoreConfig& store, const std::string& name_or_id, bool remove);

// `stop`: the stop signal, then SIGKILL after `timeout` seconds (never if negative; unset: the
// container's own --stop-timeout; a warning when it takes the SIGKILL); returns once the exit is
// recorded. The container shows "stopping" meanwhile, and its lock is not held while waiting. A
// container not running, or removed meanwhile (--rm), is left as it is.
Result<void> stop(const storage::StoreConfig& store, const std::string& name_or_id, std::optional<int> timeout);

// `kill`: one signal to the container's process.
Result<void> kill(const storage::StoreConfig& store, const std::string& name_or_id, int signal);
// `kill -s`: a signal's name ("KILL", "SIGTERM", "-HUP") or number ("9", "-1"), as podman reads it.
Result<int> parse_signal(std::string_view name);

// `wait`: until the container has exited; its exit code (0 at once for one that never ran, as podman).
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

}  // namespace skiff::engine
