#include "terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

constexpr char kEndOfInput = '\x04';  // VEOF: the container's line discipline reads it as end of input

}  // namespace

// Only the terminal's foreground job may set its modes: from the background, skiff would be
// stopped by SIGTTOU (or, with it blocked, change the modes under the shell's feet).
RawMode::RawMode(int fd) {
    if (!::isatty(fd) || ::tcgetpgrp(fd) != ::getpgrp() || ::tcgetattr(fd, &saved_) < 0) return;
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) == 0) fd_ = fd;
}

RawMode::~RawMode() {
    if (fd_ < 0) return;
    // Put back what was there even if skiff was moved to the background meanwhile.
    sigset_t ttou, saved;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    ::sigprocmask(SIG_BLOCK, &ttou, &saved);
    ::tcsetattr(fd_, TCSANOW, &saved_);
    ::sigprocmask(SIG_SETMASK, &saved, nullptr);
}

TerminalRelay::TerminalRelay(unique_fd master, bool forward_input, OutputCopied copied)
    : master_(std::move(master)),
      input_(master_.get(), forward_input, std::string(1, kEndOfInput)),
      copied_(std::move(copied)) {
    int flags = ::fcntl(master_.get(), F_GETFL);
    if (flags >= 0) ::fcntl(master_.get(), F_SETFL, flags | O_NONBLOCK);
}

std::optional<struct winsize> window_size() {
    struct winsize ws {};
    if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0) return std::nullopt;
    return ws;
}

// Output the user's terminal no longer takes (it hung up) is dropped rather than left to block the container.
void TerminalRelay::write_out(const char* data, size_t len) {
    std::string_view out(data, len);
    if (copied_) copied_(false, out);
    (void)write_fully(STDOUT_FILENO, out);
}

void TerminalRelay::resize() {
    if (auto ws = window_size()) ::ioctl(master_.get(), TIOCSWINSZ, &*ws);
}

short TerminalRelay::master_events() const { return static_cast<short>(POLLIN | (input_.wants_output() ? POLLOUT : 0)); }

Result<bool> TerminalRelay::on_master(short revents) {
    if (revents & POLLOUT) input_.flush();
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) return true;
    char buf[65536];
    ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n > 0) {
        write_out(buf, static_cast<size_t>(n));
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;  // EIO: every slave descriptor is closed
}

void TerminalRelay::drain() {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(master_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        write_out(buf, static_cast<size_t>(n));
    }
}

}  // namespace skiff::runtime
