// The steps the container's init and a process exec'd into a running container share, from the
// user lookup in the container's own /etc/passwd to the last descriptor closed before exec. Each
// runs in the child, inside the container's mount namespace, and reports errors with podman's exit
// codes (126 for what stops the process from being run).
#pragma once

#include <sys/ioctl.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "mounter.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/seccomp.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/runtime/user.hpp"

namespace skiff::runtime {

// Every signal at its default and none blocked, whatever skiff had.
void reset_signals();

// The user spec resolved through /etc/passwd and /etc/group under `rootfd`.
Result<ResolvedUser> lookup_user(int rootfd, const std::string& user, const std::vector<std::string>& group_add);

// Makes the terminal's slave the controlling terminal and stdio of this process (in a new
// session, owned by `user`, sized to `window`) and sends its master to skiff over `sync_fd`.
Result<void> take_terminal(Console& console, const ResolvedUser& user, const std::optional<struct winsize>& window,
                           int sync_fd);

// Without a terminal: `fds` (the pipes skiff relays) as stdout and stderr, and as stdin with
// `interactive`, else /dev/null (opened in the current root); in a session of its own, so that no
// terminal of skiff's caller is its controlling terminal for /dev/tty to open.
Result<void> take_stdio(const std::array<int, 3>& fds, bool interactive);

// The last steps, as root in the container's mounts with its stdio in place: seccomp filter, user,
// capabilities, working directory, no-new-privileges, only fds 0-2, then exec of spec.args through
// the exec stub `stub_fd` (command.hpp), which reports a failure over `sync_fd`. Returns only with the
// error that stopped it.
Result<void> finish_and_exec(const Spec& spec, const ResolvedUser& user, const seccomp::Program& filter,
                             uint64_t capabilities, int stub_fd, int sync_fd);

}  // namespace skiff::runtime
