#include "pipes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string_view>

namespace skiff::runtime {

namespace {

Result<std::pair<unique_fd, unique_fd>> make_pipe(const char* what) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error(std::string("make the container's ") + what + " pipe");
    return std::pair{unique_fd(fds[0]), unique_fd(fds[1])};
}

}  // namespace

Result<PipeRelay> PipeRelay::make(bool interactive, ContainerEnds& theirs, OutputCopied copied, std::array<bool, 2> relay) {
    unique_fd in;
    if (interactive) {
        auto [r, w] = TRY(make_pipe("stdin"));
        // skiff's end never blocks its loop: a container that does not read leaves input pending.
        if (::fcntl(w.get(), F_SETFL, O_NONBLOCK) < 0) return sys_error("make the container's stdin pipe non-blocking");
        theirs.in = std::move(r);
        in = std::move(w);
    }
    auto [out_r, out_w] = TRY(make_pipe("stdout"));
    auto [err_r, err_w] = TRY(make_pipe("stderr"));
    theirs.out = std::move(out_w);
    theirs.err = std::move(err_w);
    return PipeRelay(std::move(in), std::move(out_r), std::move(err_r), interactive, std::move(copied), relay);
}

PipeRelay::PipeRelay(unique_fd in, unique_fd out, unique_fd err, bool interactive, OutputCopied copied,
                     std::array<bool, 2> relay)
    : in_(std::move(in)),
      out_(std::move(out)),
      err_(std::move(err)),
      input_(in_.get(), interactive, ""),
      copied_(std::move(copied)),
      relay_(relay) {}

std::vector<int> PipeRelay::outputs() const { return {out_.get(), err_.get()}; }

size_t PipeRelay::read_once(int fd) {
    unique_fd& from = fd == out_.get() ? out_ : err_;
    char buf[65536];
    ssize_t n = ::read(from.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return read_once(fd);
    if (n <= 0) return 0;
    bool is_stderr = &from == &err_;
    std::string_view data(buf, static_cast<size_t>(n));
    if (copied_) copied_(is_stderr, data);
    if (!relay_[is_stderr ? 1 : 0]) return static_cast<size_t>(n);
    if (write_fully(is_stderr ? STDERR_FILENO : STDOUT_FILENO, data)) return static_cast<size_t>(n);
    from.reset();
    return 0;
}

void PipeRelay::poll_set(std::vector<struct pollfd>& p) const {
    if (!in_) return;
    if (input_.wants_input()) p.push_back({STDIN_FILENO, POLLIN, 0});
    if (input_.wants_output()) p.push_back({in_.get(), POLLOUT, 0});
}

void PipeRelay::polled(const struct pollfd& p) {
    if (p.fd == STDIN_FILENO) input_.on_input();
    else input_.flush();
    // At stdin's end the pipe closes, and the container reads its end.
    if (input_.finished()) in_.reset();
}

}  // namespace skiff::runtime
