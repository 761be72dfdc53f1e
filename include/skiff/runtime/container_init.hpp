// skiff's container init (run --init; src/runtime/container_init.c, carried in skiff's binary):
// PID 1 of the container, running the command as its child, forwarding signals and reaping.
#pragma once

#include <string>

#include "skiff/base/result.hpp"

namespace skiff::runtime {

// Where the init is mounted in the container, and what it is given before the command: podman's
// (catatonit's) place and usage.
inline constexpr const char* kContainerInitPath = "/run/podman-init";

// The init as a file at `path` (read-only, 0555), written there unless it already holds the same
// bytes; a rewrite replaces it by rename, so a container that has the old one mounted keeps it.
Result<void> install_container_init(const std::string& path);

}  // namespace skiff::runtime
