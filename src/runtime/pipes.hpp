// The stdio of a container without a terminal: pipes whose far ends only the container holds, and
// skiff's ends relayed to and from skiff's own stdio. The container never gets a descriptor of
// skiff's caller: not its terminal (TIOCSTI would type into the caller's shell), not the file its
// output is appended to (read back or truncated through /proc/self/fd), not its input file.
#pragma once

#include <poll.h>

#include <array>
#include <optional>
#include <vector>

#include "copy.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::runtime {

// The container's ends: stdin's only with -i (without it the container's stdin is /dev/null), then
// stdout's and stderr's. Closed in skiff once the child has its copies.
struct ContainerEnds {
    unique_fd in, out, err;
    std::array<int, 3> fds() const { return {in.get(), out.get(), err.get()}; }
};

class PipeRelay {
public:
    // Makes the pipes; the container's ends go to `theirs`. `copied` (if set) is told each piece of
    // output copied to skiff's stdout or stderr.
    // `relay` says whether stdout and stderr are written to skiff's (else only read and `copied`).
    static Result<PipeRelay> make(bool interactive, ContainerEnds& theirs, OutputCopied copied = {},
                                  std::array<bool, 2> relay = {true, true});

    // The container's stdout and stderr, each read by read_once() when it has data.
    std::vector<int> outputs() const;
    // One read from output `fd`, copied to skiff's own stdout or stderr: the bytes read, 0 at the end
    // or once skiff's side can take no more (its reader is gone: the pipe is closed, so the container's
    // next write fails with EPIPE as a command's would in a shell pipeline).
    size_t read_once(int fd);

    // poll(2) interest for skiff's stdin and the container's stdin pipe (-i), and what to do with it.
    void poll_set(std::vector<struct pollfd>& p) const;
    void polled(const struct pollfd& p);

private:
    PipeRelay(unique_fd in, unique_fd out, unique_fd err, bool interactive, OutputCopied copied, std::array<bool, 2> relay);

    unique_fd in_, out_, err_;
    InputCopy input_;
    OutputCopied copied_;
    std::array<bool, 2> relay_;
};

}  // namespace skiff::runtime
