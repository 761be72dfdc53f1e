#include "supervise.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

#include "sync.hpp"
#include "terminal.hpp"

namespace skiff::runtime {

namespace {

void forward(int sig, ChildProcess& child, TerminalRelay* terminal) {
    if (sig == SIGWINCH && terminal) {
        terminal->resize();  // the kernel tells the container's foreground process group
        return;
    }
    child.signal(sig);
}

// Until the child exits: forward signals, and with a terminal copy its bytes both ways.
Result<int> supervise(ChildProcess& child, SignalRelay& signals, TerminalRelay* terminal, const Hooks& hooks) {
    bool master_open = terminal != nullptr;
    std::vector<int> watch = hooks.watch;
    std::vector<struct pollfd> p;
    for (;;) {
        p.clear();
        p.push_back({signals.fd(), POLLIN, 0});
        p.push_back({child.pidfd(), POLLIN, 0});
        size_t watch_at = p.size();
        for (int fd : watch) p.push_back({fd, POLLIN, 0});
        size_t watch_end = p.size();
        int master_at = -1, input_at = -1;
        if (master_open) {
            master_at = static_cast<int>(p.size());
            p.push_back({terminal->master(), terminal->master_events(), 0});
        }
        if (master_open && terminal->wants_input()) {
            input_at = static_cast<int>(p.size());
            p.push_back({STDIN_FILENO, POLLIN, 0});
        }
        size_t extra_at = p.size();
        if (hooks.poll_set) hooks.poll_set(p);
        if (::poll(p.data(), p.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("poll");
        }
        if (p[0].revents & POLLIN) {
            while (auto sig = signals.next()) forward(*sig, child, terminal);
        }
        for (size_t i = watch_at; i < watch_end; i++) {
            if (!p[i].revents) continue;
            if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL) && !(p[i].revents & POLLIN))
                std::erase(watch, p[i].fd);  // its writers are gone: stop watching it
            else if (hooks.readable)
                hooks.readable(p[i].fd);
        }
        if (master_at >= 0 && p[master_at].revents) master_open = TRY(terminal->on_master(p[master_at].revents));
        if (input_at >= 0 && p[input_at].revents) TRY(terminal->on_input());
        for (size_t i = extra_at; i < p.size(); i++)
            if (p[i].revents && hooks.polled) hooks.polled(p[i]);
        if (p[1].revents & POLLIN) break;
    }
    if (terminal) terminal->drain();
    return child.wait();
}

}  // namespace

Result<void> ensure_stdio_open() {
    for (int fd = 0; fd < 3; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        int null = ::open("/dev/null", O_RDWR);
        if (null < 0) return sys_error("open /dev/null");
        if (null != fd) {
            ::dup2(null, fd);
            ::close(null);
        }
    }
    return {};
}


Result<unique_fd> await_exec(int sync_fd, ChildProcess& child) {
    unique_fd master;
    for (;;) {
        auto m = TRY(sync::receive(sync_fd));
        if (!m) return master;
        if (m->kind == sync::Kind::kTerminal) {
            master = std::move(m->fd);
        } else if (m->kind == sync::Kind::kError) {
            (void)child.wait();
            return std::move(m->error);
        }
    }
}

Result<int> attach(ChildProcess& child, SignalRelay& signals, unique_fd master, bool interactive,
                   const Hooks& hooks) {
    if (!master) return supervise(child, signals, nullptr, hooks);
    // As podman: skiff's terminal (if stdin is one) is raw, so the container's terminal alone
    // interprets keys and line endings, with -i or without.
    RawMode raw(STDIN_FILENO);
    struct sigaction ignore {}, saved_pipe {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved_pipe);
    TerminalRelay terminal(std::move(master), interactive);
    auto status = supervise(child, signals, &terminal, hooks);
    ::sigaction(SIGPIPE, &saved_pipe, nullptr);
    return status;
}

}  // namespace skiff::runtime
