// Process limits (--ulimit) and the OOM score adjustment (--oom-score-adj) of a container's init.
// skiff sets both on the cloned child before releasing it (prlimit, /proc/PID/oom_score_adj), so a
// refusal is skiff's own one-line error and nothing of the container has run yet.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// "nofile=1024", "nofile=1024:2048", "core=-1" or "core=unlimited" (RLIM_INFINITY). The soft
// limit must not exceed the hard one; names are podman's (core, cpu, data, fsize, locks, memlock,
// msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack, as).
Result<Rlimit> parse_ulimit(std::string_view text);

// Sets each limit on `pid`. Raising a hard limit above the current one needs CAP_SYS_RESOURCE:
// the error then says so and names the current hard limit.
Result<void> apply_rlimits(pid_t pid, const std::vector<Rlimit>& limits);

// Writes `adj` to /proc/PID/oom_score_adj (pid 0: the calling process's); lowering it below skiff's
// own needs CAP_SYS_RESOURCE.
Result<void> set_oom_score_adj(pid_t pid, int adj);

}  // namespace skiff::runtime
