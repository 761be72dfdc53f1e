// The user's terminal as skiff holds it while a container's terminal is relayed: its window size
// and raw mode. Shared by the runtime's relay and `skiff attach`.
#pragma once

#include <sys/ioctl.h>
#include <termios.h>

#include <optional>

namespace skiff::runtime {

// The window size of skiff's terminal (stdin's, else stdout's), if either is one.
std::optional<struct winsize> window_size();

// Puts a terminal in raw mode for its lifetime; does nothing when `fd` is not a terminal.
class RawMode {
public:
    explicit RawMode(int fd);
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

private:
    int fd_ = -1;
    struct termios saved_ {};
};

}  // namespace skiff::runtime
