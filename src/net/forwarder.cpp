#include "skiff/net/forwarder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "skiff/base/sys.hpp"

namespace skiff::net {

namespace {

constexpr size_t kBuffer = 64 * 1024;  // bytes held per direction of a connection
constexpr size_t kMaxFlows = 128;      // UDP client addresses remembered at once
// Connections open at once (two descriptors each: under the common soft limit of 1,024 files);
// more wait in the listen backlog until one closes.
constexpr size_t kMaxStreams = 400;
constexpr time_t kFlowIdle = 60;       // seconds before an idle UDP flow is dropped

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

time_t now() {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

struct sockaddr_in loopback(uint16_t port) {
    struct sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

}  // namespace

struct Forwarder::Listener {
    PortMapping map;
    unique_fd fd;
};

struct Forwarder::Stream {
    unique_fd client, backend;
    bool connecting = true;
    std::string to_backend, to_client;  // read from one side, not yet taken by the other
    bool client_eof = false, backend_eof = false;
    bool backend_shut = false, client_shut = false;  // our writing half closed
    bool dead = false;
};

struct Forwarder::Flow {
    Listener* listener = nullptr;
    struct sockaddr_storage peer {};
    socklen_t peer_len = 0;
    unique_fd backend;
    time_t last = 0;
};

Forwarder::Forwarder(Forwarder&&) noexcept = default;
Forwarder& Forwarder::operator=(Forwarder&&) noexcept = default;
Forwarder::~Forwarder() = default;

Result<Forwarder> Forwarder::listen(const std::vector<PortMapping>& ports) {
    Forwarder f;
    if (ports.empty()) return f;
    f.host_ns_ = TRY(sys::open("/proc/self/ns/net", O_RDONLY));
    for (auto& m : ports) {
        std::string what = "cannot listen on " + host_address(m) + "/" + m.protocol;
        unique_fd s = TRY(bind_host_socket(m, what));
        if (m.protocol == "tcp" && ::listen(s.get(), 128) < 0) return sys_error(what);
        f.listeners_.push_back(std::make_unique<Listener>(Listener{m, std::move(s)}));
    }
    return f;
}

Result<void> Forwarder::set_container(pid_t pid) {
    if (listeners_.empty()) return {};
    container_ns_ = TRY(sys::open("/proc/" + std::to_string(pid) + "/ns/net", O_RDONLY));
    return {};
}

void Forwarder::clear_container() {
    streams_.clear();
    flows_.clear();
    container_ns_.reset();
}

// A socket of the container's network namespace: made there, and this thread straight back in
// its own. A socket keeps the namespace it was made in wherever it is used.
Result<unique_fd> Forwarder::container_socket(int type) {
    if (!container_ns_) return make_error("the container is not running");
    if (::setns(container_ns_.get(), CLONE_NEWNET) < 0) return sys_error("join the container's network namespace");
    unique_fd s(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int saved = errno;
    if (::setns(host_ns_.get(), CLONE_NEWNET) < 0) {
        // Left in the container's namespace, every later host socket would be made there.
        ::_exit(kExitFailure);
    }
    if (!s) return sys_error("socket in the container's network namespace", saved);
    return s;
}

void Forwarder::poll_set(std::vector<struct pollfd>& add) const {
    bool full = streams_.size() >= kMaxStreams;
    for (auto& l : listeners_)
        if (!(full && l->map.protocol == "tcp")) add.push_back({l->fd.get(), POLLIN, 0});
    for (auto& s : streams_) {
        if (s->connecting) {
            add.push_back({s->backend.get(), POLLOUT, 0});
            continue;
        }
        short c = static_cast<short>((!s->client_eof && s->to_backend.size() < kBuffer ? POLLIN : 0) |
                                     (!s->to_client.empty() ? POLLOUT : 0));
        short b = static_cast<short>((!s->backend_eof && s->to_client.size() < kBuffer ? POLLIN : 0) |
                                     (!s->to_backend.empty() ? POLLOUT : 0));
        if (c) add.push_back({s->client.get(), c, 0});
        if (b) add.push_back({s->backend.get(), b, 0});
    }
    for (auto& f : flows_) add.push_back({f->backend.get(), POLLIN, 0});
}

void Forwarder::polled(const struct pollfd& p) {
    for (auto& l : listeners_) {
        if (l->fd.get() != p.fd) continue;
        if (l->map.protocol == "udp")
            receive_datagrams(*l);
        else
            accept_streams(*l);
        return;
    }
    for (auto& s : streams_) {
        if (s->client.get() != p.fd && s->backend.get() != p.fd) continue;
        service(*s);
        if (s->dead) std::erase_if(streams_, [](const std::unique_ptr<Stream>& x) { return x->dead; });
        return;
    }
    for (auto& f : flows_) {
        if (f->backend.get() != p.fd) continue;
        flow_readable(*f);
        return;
    }
}

void Forwarder::accept_streams(Listener& l) {
    for (int i = 0; i < 64 && streams_.size() < kMaxStreams; i++) {
        unique_fd c(::accept4(l.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!c) return;
        if (!container_ns_) continue;  // not running (between restarts): refused by closing
        auto b = container_socket(SOCK_STREAM);
        if (!b.ok()) continue;
        auto to = loopback(l.map.container_port);
        if (::connect(b->get(), reinterpret_cast<struct sockaddr*>(&to), sizeof to) < 0 && errno != EINPROGRESS) continue;
        auto s = std::make_unique<Stream>();
        s->client = std::move(c);
        s->backend = b.take();
        streams_.push_back(std::move(s));
        service(*streams_.back());
        if (streams_.back()->dead) streams_.pop_back();
    }
}

// Whatever can move now, moves: reads and writes are non-blocking, so a call for any event on
// either side of the connection is safe.
void Forwarder::service(Stream& s) {
    if (s.connecting) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        if (::getpeername(s.backend.get(), reinterpret_cast<struct sockaddr*>(&peer), &len) < 0) {
            int err = 0;
            socklen_t el = sizeof err;
            (void)::getsockopt(s.backend.get(), SOL_SOCKET, SO_ERROR, &err, &el);
            if (err != 0 || errno != ENOTCONN) s.dead = true;  // refused: nothing listens there
            return;
        }
        s.connecting = false;
    }
    auto pump = [&](int from, int to, std::string& buf, bool& from_eof, bool& to_shut) {
        if (!from_eof && buf.size() < kBuffer) {
            char chunk[16384];
            ssize_t n = ::recv(from, chunk, std::min(sizeof chunk, kBuffer - buf.size()), 0);
            if (n > 0)
                buf.append(chunk, static_cast<size_t>(n));
            else if (n == 0)
                from_eof = true;
            else if (!would_block())
                s.dead = true;
        }
        if (!buf.empty() && !s.dead) {
            ssize_t n = ::send(to, buf.data(), buf.size(), MSG_NOSIGNAL);
            if (n > 0)
                buf.erase(0, static_cast<size_t>(n));
            else if (n < 0 && !would_block())
                s.dead = true;
        }
        if (from_eof && buf.empty() && !to_shut && !s.dead) {
            ::shutdown(to, SHUT_WR);
            to_shut = true;
        }
    };
    pump(s.client.get(), s.backend.get(), s.to_backend, s.client_eof, s.backend_shut);
    pump(s.backend.get(), s.client.get(), s.to_client, s.backend_eof, s.client_shut);
    if (s.backend_shut && s.client_shut) s.dead = true;
}

void Forwarder::receive_datagrams(Listener& l) {
    expire_flows();
    for (int i = 0; i < 64; i++) {
        char buf[65536];
        struct sockaddr_storage peer {};
        socklen_t len = sizeof peer;
        ssize_t n = ::recvfrom(l.fd.get(), buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<struct sockaddr*>(&peer), &len);
        if (n < 0) return;
        if (!container_ns_) continue;
        Flow* flow = nullptr;
        for (auto& f : flows_)
            if (f->listener == &l && f->peer_len == len && std::memcmp(&f->peer, &peer, len) == 0) flow = f.get();
        if (!flow) {
            auto b = container_socket(SOCK_DGRAM);
            if (!b.ok()) continue;
            auto to = loopback(l.map.container_port);
            if (::connect(b->get(), reinterpret_cast<struct sockaddr*>(&to), sizeof to) < 0) continue;
            if (flows_.size() >= kMaxFlows) {
                auto oldest = std::min_element(flows_.begin(), flows_.end(), [](auto& a, auto& b) { return a->last < b->last; });
                flows_.erase(oldest);
            }
            auto f = std::make_unique<Flow>();
            f->listener = &l;
            f->peer = peer;
            f->peer_len = len;
            f->backend = b.take();
            flows_.push_back(std::move(f));
            flow = flows_.back().get();
        }
        flow->last = now();
        (void)::send(flow->backend.get(), buf, static_cast<size_t>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
}

void Forwarder::flow_readable(Flow& f) {
    f.last = now();
    for (int i = 0; i < 64; i++) {
        char buf[65536];
        ssize_t n = ::recv(f.backend.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) return;  // would block, or ICMP's "refused" from nothing listening: the client retries
        (void)::sendto(f.listener->fd.get(), buf, static_cast<size_t>(n), MSG_DONTWAIT | MSG_NOSIGNAL,
                       reinterpret_cast<struct sockaddr*>(&f.peer), f.peer_len);
    }
}

void Forwarder::expire_flows() {
    time_t t = now();
    std::erase_if(flows_, [&](const std::unique_ptr<Flow>& f) { return t - f->last > kFlowIdle; });
}

}  // namespace skiff::net
