// podman's systemd mode: when a container runs systemd (or --systemd=always), what podman changes
// for it — tmpfs on /run, /run/lock, /tmp and /var/log/journal, a writable cgroup file system,
// container_uuid, SIGRTMIN+3 to stop it, and no host terminals for a privileged one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::engine {

// --systemd true|false|always (any case) against the container's command (entrypoint and
// arguments): "true" means systemd mode when the command is init or systemd, as podman decides.
Result<bool> systemd_mode(std::string_view flag, const std::vector<std::string>& args);

// The stop signal systemd wants, for a container that names none (neither --stop-signal nor the image).
int systemd_stop_signal();

// The spec's changes for systemd mode (pure): a mount of the user's at one of the tmpfs places wins.
void add_systemd(const std::string& container_id, const std::vector<runtime::Mount>& user_mounts, runtime::Spec& spec);

}  // namespace skiff::engine
