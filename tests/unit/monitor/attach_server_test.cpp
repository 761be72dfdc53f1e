#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "../../../src/monitor/attach_server.hpp"
#include "skiff/base/sys.hpp"

using namespace skiff;
using namespace skiff::monitor;
namespace wire = skiff::engine::wire;

namespace {

struct ServerDir {
    std::string path;
    ServerDir() {
        char tmpl[] = "/tmp/skiff-attach-test.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~ServerDir() { std::filesystem::remove_all(path); }
};

// One turn of a poll loop like the runtime's: whatever the server wants watched, handled.
void turn(AttachServer& s, int timeout_ms = 200) {
    std::vector<struct pollfd> p;
    s.poll_set(p);
    if (::poll(p.data(), p.size(), timeout_ms) <= 0) return;
    for (auto& q : p)
        if (q.revents) s.polled(q);
}

// The frames a client has received so far (waits up to 1 s for at least one).
std::vector<wire::Frame> frames(int fd, wire::Reader& r) {
    std::vector<wire::Frame> out;
    struct pollfd p = {fd, POLLIN, 0};
    while (::poll(&p, 1, out.empty() ? 1000 : 50) > 0) {
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        r.feed(std::string_view(buf, static_cast<size_t>(n)));
        while (auto f = *r.next()) out.push_back(*f);
    }
    return out;
}

}  // namespace

TEST_CASE("attach server: output to every client, stdin into the pipe, its end closes it", "[attach]") {
    ServerDir dir;
    int in[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    unique_fd container_stdin(in[0]);
    auto server = AttachServer::listen(dir.path + "/attach", unique_fd(in[1]), false);
    REQUIRE(server.ok());
    auto one = wire::connect_to(dir.path + "/attach");
    auto two = wire::connect_to(dir.path + "/attach");
    REQUIRE(one.ok());
    REQUIRE(two.ok());
    turn(*server);
    turn(*server, 20);

    server->broadcast(wire::Kind::kStderr, "to both\n");
    wire::Reader r1, r2;
    auto got1 = frames(one->get(), r1), got2 = frames(two->get(), r2);
    REQUIRE(got1.size() == 1);
    REQUIRE(got2.size() == 1);
    CHECK(got1[0].kind == wire::Kind::kStderr);
    CHECK(got2[0].data == "to both\n");

    REQUIRE(sys::write_all(one->get(), wire::encode(wire::Kind::kStdin, "typed")).ok());
    turn(*server);
    char buf[64];
    ssize_t n = ::read(container_stdin.get(), buf, sizeof buf);
    CHECK(std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0))) == "typed");

    // A client that goes away leaves the container's input open; an end of input closes it.
    one->reset();
    turn(*server);
    REQUIRE(sys::write_all(two->get(), wire::encode(wire::Kind::kStdinEnd, "")).ok());
    turn(*server);
    CHECK(::read(container_stdin.get(), buf, sizeof buf) == 0);

    server->finish(wire::Kind::kExit, "3");
    auto last = frames(two->get(), r2);
    REQUIRE(last.size() == 1);
    CHECK(last[0].kind == wire::Kind::kExit);
    CHECK(last[0].data == "3");
    CHECK(::read(two->get(), buf, sizeof buf) == 0);  // let go
}

TEST_CASE("attach server: with a terminal, a client's end of input leaves stdin open", "[attach]") {
    ServerDir dir;
    int in[2];
    REQUIRE(::pipe2(in, O_CLOEXEC | O_NONBLOCK) == 0);
    unique_fd container_stdin(in[0]);
    auto server = AttachServer::listen(dir.path + "/attach", unique_fd(in[1]), true);
    REQUIRE(server.ok());
    auto client = wire::connect_to(dir.path + "/attach");
    REQUIRE(client.ok());
    REQUIRE(server->wait_first_client(1000));
    REQUIRE(sys::write_all(client->get(), wire::encode(wire::Kind::kStdinEnd, "")).ok());
    turn(*server);
    char buf[8];
    CHECK(::read(container_stdin.get(), buf, sizeof buf) == -1);
    CHECK(errno == EAGAIN);
}

TEST_CASE("attach server: no client within the time", "[attach]") {
    ServerDir dir;
    auto server = AttachServer::listen(dir.path + "/attach", unique_fd(), false);
    REQUIRE(server.ok());
    CHECK_FALSE(server->wait_first_client(50));
}
