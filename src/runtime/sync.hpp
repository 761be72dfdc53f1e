// The channel between skiff and the container's init: a SOCK_SEQPACKET pair, one typed message
// per packet. skiff releases the child when its side is ready; the child sends its terminal's
// master, or an error ({errno, exit code, message}) and exits. The child's end is close-on-exec,
// so end of stream without an error means the exec succeeded.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::runtime::sync {

// kExecError is the exec stub's (exec_stub.c): {errno, path} when it could not execute the
// command; receive() gives it as a kError with podman's message for that failure.
// kReady: the child is set up and waits for a second release before it executes (Hooks::initialized).
enum class Kind : uint8_t { kRelease = 1, kTerminal = 2, kError = 3, kExecError = 4, kReady = 5 };

struct Message {
    Kind kind = Kind::kRelease;
    unique_fd fd;  // kTerminal: the pty master
    Error error;   // kError
};

Result<std::pair<unique_fd, unique_fd>> socket_pair();
Result<void> send_release(int sock);
// Blocks until skiff releases the child; the end of the stream means skiff is gone.
Result<void> wait_for_release(int sock);
Result<void> send_terminal(int sock, int master_fd);
Result<void> send_ready(int sock);
// Best effort: the child exits right after, whatever happens.
void send_error(int sock, const Error& e);
// The next message, or nothing at the end of the stream.
Result<std::optional<Message>> receive(int sock);

}  // namespace skiff::runtime::sync
