// The container's init: what runs in the cloned child, from its cgroups to the exec of the
// container's command. It reads top to bottom; an error ends it, and travels to skiff over
// the sync socket as {errno, exit code, message}.
#pragma once

#include <sys/ioctl.h>

#include <array>
#include <cstdint>
#include <optional>

#include "namespaces.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/runtime/seccomp.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

struct ChildContext {
    const Spec& spec;
    const Plan& plan;
    int sync_fd;  // the child's end of the sync socket (close-on-exec)
    int stub_fd;  // skiff's exec stub, sealed (sealed_exec_stub(); close-on-exec)
    std::array<int, 3> stdio;  // without a terminal: its stdin (-i), stdout and stderr (close-on-exec)
    std::optional<struct winsize> window;  // skiff's terminal size, given to the container's terminal
    const seccomp::Program& seccomp;       // prepared by skiff before clone
    uint64_t capabilities;                 // caps::to_mask(spec.capabilities), computed before clone
    const CgroupSelfJoin* cgroups;         // its v1 cgroups, joined first; null without a cgroup
    const JoinedNamespaces& joined;        // the other containers' namespaces it joins
    bool hold = false;  // set up, it says so and waits for a second release before it executes
};

// Never returns: execs the container's command, or reports the error and exits.
[[noreturn]] void child_main(const ChildContext& ctx);

}  // namespace skiff::runtime
