// Starting another process in a running container (`skiff exec`): it joins the namespaces and the
// cgroup of the container's init and is set up as the init was (user from the container's
// /etc/passwd, capabilities, seccomp filter, no-new-privileges, working directory, only fds 0-2),
// from a runtime Spec rebuilt by the engine with the exec's own process fields.
//
// CVE-2019-5736: a process in the container must never reach skiff's binary through /proc/PID/exe.
// skiff is non-dumpable before the container can see anything of it, so nobody else may open that
// link; the exec'ing skiff runs from a sealed view of its binary (sealed_self), so what the link
// points to can never be written, never the host's file; and the command is executed through the
// sealed exec stub (src/runtime/exec_stub.c), so that what it names as itself (a `#!/proc/self/exe`
// in the image) is the stub.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "skiff/base/fd.hpp"
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

// True when this process runs from a sealed view of skiff's binary (see cloned_binary.cpp).
bool running_sealed();

// A descriptor for execveat(AT_EMPTY_PATH) of skiff's binary that no one can write: a read-only,
// detached overlay of its directory over `empty_dir` (made when missing), or else a sealed memfd
// copy. `empty_dir` empty: the copy.
Result<unique_fd> sealed_self(const std::string& empty_dir);
// The same view of another skiff binary (a container's --runtime), by its path.
Result<unique_fd> sealed_binary(const std::string& path, const std::string& empty_dir);

// Unless skiff already runs from a sealed view, re-executes itself from one (sealed_self) with
// the same arguments and environment: returns only on error.
Result<void> ensure_sealed_binary(const std::string& empty_dir);

}  // namespace skiff::runtime
