#include "attach_server.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>

namespace skiff::monitor {

namespace {

// Output a client does not read is held up to this much, then the client is let go: a stalled
// client must not stall the container.
constexpr size_t kMaxBehind = 4u << 20;
// Input the container does not read is held up to this much before clients are no longer read.
constexpr size_t kMaxStdinPending = 1u << 20;

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

Result<AttachServer> AttachServer::listen(const std::string& path, unique_fd stdin_pipe, bool terminal) {
    AttachServer s;
    s.listen_ = TRY(wire::listen_at(path));
    s.path_ = path;
    s.stdin_ = std::move(stdin_pipe);
    if (s.stdin_) set_nonblocking(s.stdin_.get());
    s.terminal_ = terminal;
    return s;
}

AttachServer::~AttachServer() {
    if (!listen_) return;
    listen_.reset();
    (void)::unlink(path_.c_str());
}

bool AttachServer::wait_first_client(int timeout_ms) {
    struct pollfd p = {listen_.get(), POLLIN, 0};
    for (;;) {
        int n = ::poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        accept_client();
        if (clients_.empty()) continue;
        // With a terminal, the client's first words are its window size: the container's
        // terminal starts with it.
        struct pollfd c = {clients_.front().fd.get(), POLLIN, 0};
        if (::poll(&c, 1, terminal_ ? 1000 : 0) > 0) on_client(clients_.front(), c.revents);
        return !clients_.empty();
    }
}

void AttachServer::poll_set(std::vector<struct pollfd>& add) const {
    if (!listen_) return;
    add.push_back({listen_.get(), POLLIN, 0});
    bool read_clients = stdin_pending_.size() < kMaxStdinPending;
    for (auto& c : clients_)
        add.push_back({c.fd.get(), static_cast<short>((read_clients ? POLLIN : 0) | (c.out.empty() ? 0 : POLLOUT)), 0});
    if (stdin_ && !stdin_pending_.empty()) add.push_back({stdin_.get(), POLLOUT, 0});
}

void AttachServer::polled(const struct pollfd& p) {
    if (p.fd == listen_.get()) {
        accept_client();
        return;
    }
    if (stdin_ && p.fd == stdin_.get()) {
        flush_stdin();
        return;
    }
    for (auto& c : clients_)
        if (c.fd.get() == p.fd) {
            on_client(c, p.revents);
            break;
        }
    std::erase_if(clients_, [](const Client& c) { return !c.fd; });
}

void AttachServer::accept_client() {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    clients_.push_back(Client{unique_fd(fd), {}, {}});
}

void AttachServer::on_client(Client& c, short revents) {
    if (revents & POLLOUT) flush(c);
    if (!c.fd || !(revents & (POLLIN | POLLHUP | POLLERR))) return;
    char buf[16384];
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        c.fd.reset();  // gone: detached, or killed
        return;
    }
    c.in.feed(std::string_view(buf, static_cast<size_t>(n)));
    for (;;) {
        auto f = c.in.next();
        if (!f.ok()) {
            c.fd.reset();  // not one of ours
            return;
        }
        if (!*f) return;
        handle(c, **f);
    }
}

void AttachServer::handle(Client&, const wire::Frame& f) {
    switch (f.kind) {
        case wire::Kind::kStdin:
            if (!stdin_) return;  // not created with -i, or its input already ended
            stdin_pending_ += f.data;
            flush_stdin();
            return;
        case wire::Kind::kStdinEnd:
            // As podman: the end of a client's input is the end of the container's, unless the
            // container has a terminal (then ^D is the user's to type).
            if (!terminal_) close_stdin();
            return;
        case wire::Kind::kResize:
            if (auto size = wire::decode_size(f.data)) {
                size_ = size;
                apply_size();
            }
            return;
        default: return;
    }
}

void AttachServer::flush_stdin() {
    while (stdin_ && !stdin_pending_.empty()) {
        ssize_t n = ::write(stdin_.get(), stdin_pending_.data(), stdin_pending_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) {  // the container closed its stdin: nobody will read this
            stdin_pending_.clear();
            stdin_.reset();
            return;
        }
        stdin_pending_.erase(0, static_cast<size_t>(n));
    }
    if (stdin_ && stdin_pending_.empty() && closing_stdin_) stdin_.reset();
}

void AttachServer::close_stdin() {
    closing_stdin_ = true;
    flush_stdin();
}

void AttachServer::set_master(int master) {
    master_ = master;
    apply_size();
}

std::optional<struct winsize> AttachServer::window() const {
    if (!size_) return std::nullopt;
    struct winsize ws {};
    ws.ws_row = size_->first;
    ws.ws_col = size_->second;
    return ws;
}

void AttachServer::apply_size() {
    auto ws = window();
    if (master_ < 0 || !ws) return;
    ::ioctl(master_, TIOCSWINSZ, &*ws);
}

void AttachServer::broadcast(wire::Kind stream, std::string_view data) {
    if (clients_.empty()) return;
    std::string frame = wire::encode(stream, data);
    for (auto& c : clients_) {
        c.out += frame;
        flush(c);
    }
    std::erase_if(clients_, [](const Client& c) { return !c.fd; });
}

void AttachServer::flush(Client& c) {
    while (c.fd && !c.out.empty()) {
        ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) {
            c.fd.reset();
            return;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.out.size() > kMaxBehind) c.fd.reset();
}

void AttachServer::finish(wire::Kind kind, const std::string& data) {
    master_ = -1;
    std::string frame = wire::encode(kind, data);
    for (auto& c : clients_) {
        c.out += frame;
        // The last words wait a little for a slow reader, then it is let go.
        int flags = ::fcntl(c.fd.get(), F_GETFL);
        if (flags >= 0) ::fcntl(c.fd.get(), F_SETFL, flags & ~O_NONBLOCK);
        struct timeval tv = {2, 0};
        ::setsockopt(c.fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        flush(c);
    }
    clients_.clear();
}

}  // namespace skiff::monitor
