// skiff's side of a process it started in a container, from its exec to its exit: the error or
// the terminal the child sends over the sync socket, then signals forwarded and the terminal
// relayed until it exits. Shared by run (the container's init) and exec.
#pragma once

#include "pipes.hpp"
#include "process.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// A closed 0, 1 or 2 in skiff would be taken by the next descriptor it opens (the sync socket,
// say) and then clobbered when the child sets up the process's stdio: fill them with /dev/null.
Result<void> ensure_stdio_open();

// Reads the child's messages until its exec closes the socket: the terminal's master, if any,
// or the error that stopped it (then it is reaped and the error returned).
Result<unique_fd> await_exec(int sync_fd, ChildProcess& child, const std::function<void(pid_t)>& initialized = {});

// Until the child exits: forward signals and copy bytes both ways (stdin only when `interactive`),
// between skiff's stdio and either the terminal `master` (held raw) or the container's `pipes`;
// then what the container's output pipes hold. The exit status, 128+N for signal N.
Result<int> attach(ChildProcess& child, SignalRelay& signals, unique_fd master, PipeRelay* pipes, bool interactive,
                   const Hooks& hooks = {});

}  // namespace skiff::runtime
