// Starting another process in a running container (`skiff exec`): it joins the namespaces and the
// cgroup of the container's init and is set up as the init was (user from the container's
// /etc/passwd, capabilities, seccomp filter, no-new-privileges, working directory, only fds 0-2),
// from a runtime Spec rebuilt by the engine with the exec's own process fields.
//
// CVE-2019-5736: a process in the container must never reach skiff's binary through /proc/PID/exe.
// skiff is non-dumpable before the container can see anything of it, so nobody else may open that
// link; and ensure_cloned_binary() makes skiff run from a sealed in-memory copy of itself, so what
// the link points to (even for the process itself, through a `#!/proc/self/exe` in the image) is
// that copy, never the host's file.
#pragma once

#include <sys/types.h>

#include <functional>

#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// The container's init: its pid and a pidfd that names it (checked by the caller to be the
// process the container's record names).
struct InitProcess {
    pid_t pid = -1;
    int pidfd = -1;
};

// Runs spec.args in the container of `init` with spec's process fields (args, env, cwd, user,
// terminal, interactive, capabilities, no_new_privileges, privileged, seccomp). Without `detach`,
// forwards signals (and the terminal) and returns the process's exit status, 128+N when signal N
// killed it. With `detach`, returns 0 once the command has been executed; its stdio is /dev/null.
// An error: 126 when the process could not be set up or run, 127 when its command is not found,
// 125 when skiff failed before that.
// `executed` is told the process's pid once its command has been executed.
Result<int> exec_in_container(const InitProcess& init, const Spec& spec, bool detach,
                              const std::function<void(pid_t)>& executed = {});

// Unless skiff already runs from one, copies its binary into a sealed memfd and re-executes itself
// from it with the same arguments and environment: returns only on error.
Result<void> ensure_cloned_binary();

}  // namespace skiff::runtime
