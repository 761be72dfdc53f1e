// `skiff attach`: the client of a monitor's attach socket (src/monitor/attach_server.hpp). One poll loop over
// the socket, skiff's stdin and a signalfd; the user's terminal raw while the container's pty is
// relayed.
#include "skiff/engine/attach.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "skiff/engine/attach_wire.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/tty.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::engine {

namespace {

constexpr int kProxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Blocks the signals attach handles and reads them from a signalfd; the mask is put back after.
class Signals {
public:
    Signals(bool proxy, bool winch) {
        sigemptyset(&set_);
        if (proxy)
            for (int sig : kProxied) sigaddset(&set_, sig);
        if (winch) sigaddset(&set_, SIGWINCH);
        ::sigprocmask(SIG_BLOCK, &set_, &saved_);
        fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    }
    ~Signals() {
        fd_.reset();
        // Signals that arrived last stay pending: drop them rather than die of them now.
        struct timespec zero = {0, 0};
        while (::sigtimedwait(&set_, nullptr, &zero) > 0) {
        }
        ::sigprocmask(SIG_SETMASK, &saved_, nullptr);
    }
    int fd() const { return fd_.get(); }
    int next() {
        struct signalfd_siginfo si;
        if (::read(fd_.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) return 0;
        return static_cast<int>(si.ssi_signo);
    }

private:
    sigset_t set_{}, saved_{};
    unique_fd fd_;
};

Result<void> send_frame(int sock, wire::Kind kind, std::string_view data) {
    // The monitor may be gone already (the container exited): that shows on the socket's read side.
    (void)sys::write_all(sock, wire::encode(kind, data));
    return {};
}

// Sent first thing with a terminal, even when skiff has none (0 0): start -a's monitor waits
// for it to give the container's terminal its first size.
void send_size(int sock) {
    auto ws = runtime::window_size().value_or(winsize{});
    (void)send_frame(sock, wire::Kind::kResize, wire::encode_size(ws.ws_row, ws.ws_col));
}

// The monitor went away without a word (the container exited as this client connected): its
// record says how it ended.
Result<int> recorded_exit(const storage::StoreConfig& store, const std::string& id) {
    for (int i = 0; i < 500; i++) {
        auto c = storage::find_container(store, id);
        if (!c.ok()) return make_error("container " + id.substr(0, 12) + " was removed while attached");
        if (c->state == storage::ContainerState::kExited) return c->exit_code;
        struct timespec ts = {0, 20 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    return make_error("lost the connection to container " + id.substr(0, 12) + "'s monitor");
}

// What the monitor said at the end: the exit code, or the start's error.
Result<int> final_word(const wire::Frame& f) {
    if (f.kind == wire::Kind::kExit) return std::atoi(f.data.c_str());
    size_t space = f.data.find(' ');
    int code = std::atoi(f.data.substr(0, space).c_str());
    return make_error(space == std::string::npos ? f.data : f.data.substr(space + 1), code ? code : kExitFailure);
}

class Session {
public:
    Session(int sock, bool forward_stdin, std::string keys) : sock_(sock), stdin_open_(forward_stdin), detach_(std::move(keys)) {}

    // Frames from the monitor; an end code once the monitor said its last word.
    Result<std::optional<Result<int>>> on_socket() {
        char buf[65536];
        ssize_t n = ::read(sock_, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::optional<Result<int>>{};
        if (n <= 0) {
            closed_ = true;
            return std::optional<Result<int>>{};
        }
        in_.feed(std::string_view(buf, static_cast<size_t>(n)));
        for (;;) {
            auto f = TRY(in_.next());
            if (!f) return std::optional<Result<int>>{};
            if (f->kind == wire::Kind::kStdout) (void)sys::write_all(STDOUT_FILENO, f->data);
            else if (f->kind == wire::Kind::kStderr) (void)sys::write_all(STDERR_FILENO, f->data);
            else if (f->kind == wire::Kind::kExit || f->kind == wire::Kind::kError) return std::optional(final_word(*f));
        }
    }

    // The user's input; true when it held the detach keys.
    bool on_stdin() {
        char buf[65536];
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return false;
        if (n <= 0) {
            stdin_open_ = false;
            (void)send_frame(sock_, wire::Kind::kStdinEnd, {});
            return false;
        }
        bool detached = false;
        std::string pass = detach_.feed(std::string_view(buf, static_cast<size_t>(n)), detached);
        if (!pass.empty()) (void)send_frame(sock_, wire::Kind::kStdin, pass);
        return detached;
    }

    bool stdin_open() const { return stdin_open_; }
    bool closed() const { return closed_; }

private:
    int sock_;
    bool stdin_open_;
    bool closed_ = false;
    DetachMatcher detach_;
    wire::Reader in_;
};

}  // namespace

Result<std::string> parse_detach_keys(std::string_view keys) {
    std::string out;
    if (keys.empty()) return out;
    auto bad = [&] { return make_error("invalid detach keys: " + std::string(keys)); };
    size_t start = 0;
    for (;;) {
        size_t comma = keys.find(',', start);
        std::string_view key = keys.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (key.size() == 1 && std::isalpha(static_cast<unsigned char>(key[0]))) {
            out += key[0];
        } else if (key.size() == 6 && key.starts_with("ctrl-")) {
            char c = key[5];
            if (std::isalpha(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 1);
            else if (c == '@') out += '\0';
            else if (c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') out += static_cast<char>(c - '@');
            else return bad();
        } else {
            return bad();
        }
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

std::string DetachMatcher::feed(std::string_view input, bool& detached) {
    std::string pass;
    detached = false;
    for (char ch : input) {
        if (keys_.empty()) {
            pass += ch;
            continue;
        }
        if (ch == keys_[matched_]) {
            if (++matched_ == keys_.size()) {
                detached = true;
                matched_ = 0;
                return pass;
            }
            continue;
        }
        // A broken match: what was held back was input after all.
        pass.append(keys_, 0, matched_);
        matched_ = 0;
        if (ch == keys_[0]) matched_ = 1;
        else pass += ch;
    }
    return pass;
}

Result<int> attach(const storage::StoreConfig& store, const std::string& name_or_id, const AttachOptions& opts) {
    std::string keys = TRY(parse_detach_keys(opts.detach_keys));
    auto c = TRY(storage::find_container(store, name_or_id));
    if (!opts.starting && c.state != storage::ContainerState::kRunning)
        return make_error("you can only attach to running containers: container " + c.id.substr(0, 12) + " is " +
                          storage::state_name(c.state));
    bool forward_stdin = opts.stdin && c.interactive;
    bool tty = c.tty;
    // Signals are caught from before the monitor knows of this client.
    Signals signals(opts.sig_proxy, tty);
    auto sock = TRY(wire::connect_to(fs::join(storage::container_run_dir(store, c.id), "attach")));
    if (tty) send_size(sock.get());

    std::optional<runtime::RawMode> raw;
    if (tty && forward_stdin) raw.emplace(STDIN_FILENO);
    Session session(sock.get(), forward_stdin, keys);
    for (;;) {
        struct pollfd p[3] = {{sock.get(), POLLIN, 0}, {signals.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        nfds_t n = session.stdin_open() ? 3 : 2;
        if (::poll(p, n, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_error("poll");
        }
        if (p[0].revents) {
            auto end = TRY(session.on_socket());
            if (end) return std::move(*end);
            if (session.closed()) {
                raw.reset();
                return recorded_exit(store, c.id);
            }
        }
        if (p[1].revents & POLLIN) {
            while (int sig = signals.next()) {
                if (sig == SIGWINCH) send_size(sock.get());
                else (void)kill(store, c.id, sig);
            }
        }
        if (n == 3 && p[2].revents && session.on_stdin()) return 0;
    }
}

}  // namespace skiff::engine
