// `top`: the processes of a running container, as podman lists them (pids as the container sees
// them, users from its own /etc/passwd). The CLI picks the columns and prints.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct ContainerProcess {
    pid_t host_pid = 0;
    std::string pid, ppid, user, tty = "?", comm, args;  // pids in the container's namespace
    double cpu = 0, elapsed = 0, time = 0;               // %CPU, seconds since start, CPU seconds
};

// The processes in the container's own cgroup (its init alone without one); refused unless it runs.
Result<std::vector<ContainerProcess>> container_processes(const storage::StoreConfig& store, const std::string& name_or_id);

}  // namespace skiff::engine
