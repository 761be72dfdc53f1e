#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "skiff/base/fd.hpp"
#include "skiff/net/forwarder.hpp"

using skiff::unique_fd;
using skiff::net::Forwarder;
using skiff::net::PortMapping;

namespace {

uint16_t bound_port(int fd) {
    struct sockaddr_in a {};
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<struct sockaddr*>(&a), &len) == 0);
    return ntohs(a.sin_port);
}

struct sockaddr_in loopback(uint16_t port) {
    struct sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

unique_fd bound(int type, uint16_t port = 0) {
    unique_fd s(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    REQUIRE(s);
    auto a = loopback(port);
    REQUIRE(::bind(s.get(), reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0);
    return s;
}

// Turns of the forwarder's share of a poll loop.
void pump(Forwarder& f, int turns = 5) {
    for (int i = 0; i < turns; i++) {
        std::vector<struct pollfd> p;
        f.poll_set(p);
        if (::poll(p.data(), p.size(), 20) <= 0) continue;
        for (auto& x : p)
            if (x.revents) f.polled(x);
    }
}

PortMapping mapping_for(uint16_t container_port, const char* proto) {
    auto r = skiff::net::resolve_ports({{"127.0.0.1", 0, container_port, proto}}, {}, false);
    REQUIRE(r.ok());
    return (*r)[0];
}

}  // namespace

// The "container" is this process's own network namespace: setns into it is allowed for root only.
TEST_CASE("Forwarder carries a TCP connection both ways, each half closed on its own") {
    if (::geteuid() != 0) return;  // setns needs root
    unique_fd server = bound(SOCK_STREAM);
    REQUIRE(::listen(server.get(), 4) == 0);
    auto m = mapping_for(bound_port(server.get()), "tcp");
    auto f = Forwarder::listen({m});
    REQUIRE(f.ok());

    // Not running yet: a connection is accepted and closed at once.
    {
        unique_fd early(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        auto a = loopback(m.host_port);
        REQUIRE(::connect(early.get(), reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0);
        pump(*f);
        char c;
        CHECK(::recv(early.get(), &c, 1, MSG_DONTWAIT) == 0);
    }

    REQUIRE(f->set_container(::getpid()).ok());
    unique_fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto a = loopback(m.host_port);
    REQUIRE(::connect(client.get(), reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::send(client.get(), "hello", 5, 0) == 5);
    REQUIRE(::shutdown(client.get(), SHUT_WR) == 0);
    pump(*f);
    unique_fd conn(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    REQUIRE(conn);
    pump(*f);
    char buf[16] = {};
    CHECK(::recv(conn.get(), buf, sizeof buf, 0) == 5);
    CHECK(std::string(buf, 5) == "hello");
    CHECK(::recv(conn.get(), buf, sizeof buf, 0) == 0);  // the client's half-close came through

    // The other half still carries the answer.
    REQUIRE(::send(conn.get(), "world", 5, 0) == 5);
    conn.reset();
    pump(*f);
    CHECK(::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT) == 5);
    CHECK(std::string(buf, 5) == "world");
    CHECK(::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT) == 0);
}

TEST_CASE("Forwarder refuses a connection to a port nothing listens on in the container") {
    if (::geteuid() != 0) return;  // setns needs root
    uint16_t unused = bound_port(bound(SOCK_STREAM).get());  // bound and closed: nothing listens there
    auto m = mapping_for(unused, "tcp");
    auto f = Forwarder::listen({m});
    REQUIRE(f.ok());
    REQUIRE(f->set_container(::getpid()).ok());
    unique_fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto a = loopback(m.host_port);
    REQUIRE(::connect(client.get(), reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0);
    pump(*f);
    char c;
    ssize_t n = ::recv(client.get(), &c, 1, MSG_DONTWAIT);
    CHECK((n == 0 || (n < 0 && errno == ECONNRESET)));
}

TEST_CASE("Forwarder relays UDP datagrams and sends replies to the sender") {
    if (::geteuid() != 0) return;  // setns needs root
    unique_fd service = bound(SOCK_DGRAM);
    auto m = mapping_for(bound_port(service.get()), "udp");
    auto f = Forwarder::listen({m});
    REQUIRE(f.ok());
    REQUIRE(f->set_container(::getpid()).ok());
    unique_fd client = bound(SOCK_DGRAM);
    auto to = loopback(m.host_port);
    REQUIRE(::sendto(client.get(), "ping", 4, 0, reinterpret_cast<struct sockaddr*>(&to), sizeof to) == 4);
    pump(*f);
    char buf[16];
    struct sockaddr_in from {};
    socklen_t len = sizeof from;
    REQUIRE(::recvfrom(service.get(), buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<struct sockaddr*>(&from), &len) == 4);
    REQUIRE(::sendto(service.get(), "pong", 4, 0, reinterpret_cast<struct sockaddr*>(&from), len) == 4);
    pump(*f);
    CHECK(::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT) == 4);
    CHECK(std::string(buf, 4) == "pong");
}

TEST_CASE("Forwarder::listen names the port it cannot have") {
    unique_fd taken = bound(SOCK_STREAM);
    REQUIRE(::listen(taken.get(), 1) == 0);
    uint16_t port = bound_port(taken.get());
    auto f = Forwarder::listen({{"127.0.0.1", port, 80, "tcp"}});
    REQUIRE_FALSE(f.ok());
    CHECK_THAT(f.error().message, Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(port) + "/tcp"));
}
