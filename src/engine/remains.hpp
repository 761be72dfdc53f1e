// What of a container still runs when its record cannot be trusted (a damaged state or definition):
// its monitors and the processes of its cgroup, found from the kernel as well as from the record,
// so that `rm -f` ends them whatever file was lost.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

struct Remains {
    // Each a pid with its start time (pid identity), as found.
    std::vector<std::pair<pid_t, unsigned long long>> monitors;
    std::vector<std::pair<pid_t, unsigned long long>> processes;
    std::vector<std::pair<std::string, std::string>> cgroups;  // hierarchy ("" for cgroup2) → directory

    bool running() const { return !monitors.empty() || !processes.empty(); }
};

// The record's pids and cgroups that still hold, every `skiff __monitor ID` process, every process
// whose cgroup is the container's ("skiff-<id>"), and the container's cgroup directories.
Remains find_remains(const storage::Container& c);
// SIGKILL the monitors first (nothing restarts or records the container then), thaw the cgroup,
// SIGKILL the processes, wait until they are gone, then remove the cgroup directories.
Result<void> end_remains(const std::string& id, const Remains& r);

}  // namespace skiff::engine
