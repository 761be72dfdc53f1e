#include "supervise.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "copy.hpp"
#include "pipes.hpp"
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

// A descriptor the loop reads whenever it has data, until its end: the container's output pipes
// (relayed to skiff's stdout and stderr, or a monitor's log).
struct Output {
    int fd;
    std::function<size_t(int fd)> read_once;
};

std::vector<Output> outputs_of(PipeRelay* pipes, const Hooks& hooks) {
    std::vector<Output> out;
    if (pipes)
        for (int fd : pipes->outputs()) out.push_back({fd, [pipes](int f) { return pipes->read_once(f); }});
    if (hooks.readable)
        for (int fd : hooks.watch) out.push_back({fd, hooks.readable});
    return out;
}

// Until the child exits: forward signals, copy its output, and with a terminal or -i its input.
// Then what its output pipes hold, without waiting for writers it left behind.
Result<int> supervise(ChildProcess& child, SignalRelay& signals, TerminalRelay* terminal, PipeRelay* pipes,
                      const Hooks& hooks) {
    bool master_open = terminal != nullptr;
    std::vector<Output> outputs = outputs_of(pipes, hooks);
    std::vector<struct pollfd> p;
    for (;;) {
        p.clear();
        p.push_back({signals.fd(), POLLIN, 0});
        p.push_back({child.pidfd(), POLLIN, 0});
        size_t outputs_at = p.size();
        for (const Output& o : outputs) p.push_back({o.fd, POLLIN, 0});
        int master_at = -1, input_at = -1;
        if (master_open) {
            master_at = static_cast<int>(p.size());
            p.push_back({terminal->master(), terminal->master_events(), 0});
        }
        if (master_open && terminal->wants_input()) {
            input_at = static_cast<int>(p.size());
            p.push_back({STDIN_FILENO, POLLIN, 0});
        }
        size_t pipes_at = p.size();
        if (pipes) pipes->poll_set(p);
        size_t extra_at = p.size();
        if (hooks.poll_set) hooks.poll_set(p);
        if (::poll(p.data(), p.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("poll");
        }
        if (p[0].revents & POLLIN) {
            while (auto sig = signals.next()) forward(*sig, child, terminal);
        }
        std::vector<int> ended;
        for (size_t i = 0; i < outputs.size(); i++) {
            short ev = p[outputs_at + i].revents;
            if (!ev) continue;
            // At its end (its writers are gone, or its reader): stop watching it.
            if (!(ev & POLLIN) || outputs[i].read_once(outputs[i].fd) == 0) ended.push_back(outputs[i].fd);
        }
        std::erase_if(outputs, [&](const Output& o) { return std::ranges::count(ended, o.fd) > 0; });
        if (master_at >= 0 && p[master_at].revents) master_open = TRY(terminal->on_master(p[master_at].revents));
        if (input_at >= 0 && p[input_at].revents) terminal->on_input();
        for (size_t i = pipes_at; i < extra_at; i++)
            if (p[i].revents) pipes->polled(p[i]);
        for (size_t i = extra_at; i < p.size(); i++)
            if (p[i].revents && hooks.polled) hooks.polled(p[i]);
        if (p[1].revents & POLLIN) break;
    }
    if (terminal) terminal->drain();  // a monitor's terminal output goes on through its output pipe
    for (const Output& o : outputs) drain_now(o.fd, o.read_once);
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


Result<unique_fd> await_exec(int sync_fd, ChildProcess& child, const std::function<void(pid_t)>& initialized) {
    unique_fd master;
    for (;;) {
        auto m = TRY(sync::receive(sync_fd));
        if (!m) return master;
        if (m->kind == sync::Kind::kTerminal) {
            master = std::move(m->fd);
        } else if (m->kind == sync::Kind::kReady && initialized) {
            initialized(child.pid());
            TRY(sync::send_release(sync_fd));
        } else if (m->kind == sync::Kind::kError) {
            (void)child.wait();
            return std::move(m->error);
        }
    }
}

Result<int> attach(ChildProcess& child, SignalRelay& signals, unique_fd master, PipeRelay* pipes, bool interactive,
                   const Hooks& hooks) {
    if (!master && !pipes) return supervise(child, signals, nullptr, nullptr, hooks);
    // A reader of skiff's output that went away must not kill skiff (and with it the container,
    // its --rm and its exit status): the write fails with EPIPE and that output stops.
    struct sigaction ignore {}, saved_pipe {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved_pipe);
    Result<int> status = 0;
    if (master) {
        // As podman: skiff's terminal (if stdin is one) is raw, so the container's terminal alone
        // interprets keys and line endings, with -i or without.
        RawMode raw(STDIN_FILENO);
        TerminalRelay terminal(std::move(master), interactive, hooks.copied);
        status = supervise(child, signals, &terminal, pipes, hooks);
    } else {
        status = supervise(child, signals, nullptr, pipes, hooks);
    }
    ::sigaction(SIGPIPE, &saved_pipe, nullptr);
    return status;
}

}  // namespace skiff::runtime
