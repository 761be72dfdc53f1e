// The copying both of skiff's relays do (the terminal's, terminal.hpp, and the pipes', pipes.hpp):
// output written in full to skiff's own stdout or stderr, skiff's stdin fed to the container without
// ever blocking skiff's loop, and what a pipe holds once the container's process has exited.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace skiff::runtime {

// Told each piece of the container's output a relay copied to skiff's stdout (false) or stderr (true).
using OutputCopied = std::function<void(bool is_stderr, std::string_view data)>;

// All of `data` to `fd` (skiff's stdout or stderr, as the caller gave them: waits in poll when it is
// non-blocking). False when the reader is gone (EPIPE) or `fd` fails otherwise.
bool write_fully(int fd, std::string_view data);

// skiff's stdin copied to `to`, a non-blocking descriptor (the terminal's master, the container's
// stdin pipe): what the container has not taken yet waits here, and stdin is read again only once it
// has, so a container that does not read never stops skiff's loop.
class InputCopy {
public:
    // `open`: copy at all (-i). `at_end`: bytes to send once stdin ends (VEOF for a terminal).
    InputCopy(int to, bool open, std::string at_end) : to_(to), open_(open), at_end_(std::move(at_end)) {}

    bool wants_input() const { return open_ && pending_.empty(); }
    bool wants_output() const { return !pending_.empty(); }
    // stdin ended (or `to` stopped taking input) and all that was read has gone.
    bool finished() const { return !open_ && pending_.empty(); }

    void on_input();  // one read from stdin, passed on as far as `to` takes it
    void flush();     // `to` may take more

private:
    int to_;
    bool open_;
    std::string at_end_;
    std::string pending_;
};

// Copies what `fd` holds now, through `read_once` (one read, the bytes it took; 0 at the end), and
// stops there: a process the container left behind may hold the pipe open and write on forever.
void drain_now(int fd, const std::function<size_t(int fd)>& read_once);

}  // namespace skiff::runtime
