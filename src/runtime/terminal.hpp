// skiff's side of a container's terminal: the host terminal in raw mode (restored on every way
// out), window sizes passed on, and bytes copied between skiff's stdio and the pty master.
#pragma once

#include <sys/ioctl.h>
#include <termios.h>

#include <optional>
#include <string>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "copy.hpp"
#include "skiff/runtime/tty.hpp"

namespace skiff::runtime {

class TerminalRelay {
public:
    // `forward_input`: copy skiff's stdin to the container (-i); its output always goes to stdout,
    // and to `copied` if set.
    TerminalRelay(unique_fd master, bool forward_input, OutputCopied copied = {});

    // Gives the container the window size of skiff's terminal (on start and on SIGWINCH).
    void resize();
    // poll(2) interest for the master and for stdin.
    short master_events() const;
    bool wants_input() const { return input_.wants_input(); }
    int master() const { return master_.get(); }

    // Moves what is ready; false once the container's side is closed.
    Result<bool> on_master(short revents);
    void on_input() { input_.on_input(); }
    // After the container exited: copy what it left in the pty.
    void drain();

private:
    void write_out(const char* data, size_t len);

    unique_fd master_;
    InputCopy input_;
    OutputCopied copied_;
};

}  // namespace skiff::runtime
