// The libcurl client against a one-connection HTTP server on the loopback: what goes on the wire
// (the Range header of a resumed blob) and what the sink gets back (206, or a 200 that ignored Range).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "skiff/base/fd.hpp"
#include "skiff/oci/http.hpp"

using namespace skiff;
using namespace skiff::oci;

namespace {

// Serves one connection: reads the request head, keeps it in `head`, writes `answer`, closes.
class OneShotServer {
public:
    explicit OneShotServer(std::string answer) : answer_(std::move(answer)) {
        listener_ = unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(listener_);
        struct sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_.get(), reinterpret_cast<struct sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener_.get(), 1) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(listener_.get(), reinterpret_cast<struct sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~OneShotServer() {
        // A client that never connected (a failed REQUIRE) must not leave accept waiting forever.
        ::shutdown(listener_.get(), SHUT_RDWR);
        if (thread_.joinable()) thread_.join();
    }
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    // The request head as received; valid once the client's send has returned.
    const std::string& head() {
        if (thread_.joinable()) thread_.join();
        return head_;
    }

private:
    void serve() {
        unique_fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) return;
        char buf[4096];
        while (head_.find("\r\n\r\n") == std::string::npos) {
            ssize_t n = ::read(conn.get(), buf, sizeof buf);
            if (n <= 0) return;
            head_.append(buf, static_cast<size_t>(n));
        }
        size_t off = 0;
        while (off < answer_.size()) {
            ssize_t n = ::write(conn.get(), answer_.data() + off, answer_.size() - off);
            if (n <= 0) return;
            off += static_cast<size_t>(n);
        }
    }

    std::string answer_;
    unique_fd listener_;
    uint16_t port_ = 0;
    std::string head_;
    std::thread thread_;
};

// One GET resumed at byte `from` (0: from the start) of a server that answers `status` with `sent`:
// the request head the server read, the status and the bytes the sink got.
struct Exchange {
    std::string head;
    int status = 0;
    std::string got;
};

Exchange exchange(int status, const std::string& sent, uint64_t from) {
    std::string reason = status == 206 ? "Partial Content" : "OK";
    OneShotServer server("HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " +
                         std::to_string(sent.size()) + "\r\nConnection: close\r\n\r\n" + sent);
    auto client = http::make_client();
    REQUIRE(client.ok());
    http::Request req;
    req.url = server.url("/v2/x/blobs/b");
    req.range_start = from;
    Exchange x;
    http::BodySink sink = [&](std::string_view chunk) -> Result<void> {
        x.got.append(chunk);
        return {};
    };
    auto r = (*client)->send(req, &sink);
    REQUIRE(r.ok());
    x.status = r->status;
    x.head = server.head();
    return x;
}

const std::string kBlob = "0123456789abcdefghij";

}  // namespace

TEST_CASE("curl client: a resumed GET sends Range and takes the 206 as the rest", "[http]") {
    Exchange x = exchange(206, kBlob.substr(7), 7);
    CHECK(x.head.find("\r\nRange: bytes=7-\r\n") != std::string::npos);
    CHECK(x.status == 206);
    CHECK(x.got == kBlob.substr(7));
}

TEST_CASE("curl client: a server that ignores Range and answers 200 has the bytes already had dropped", "[http]") {
    Exchange x = exchange(200, kBlob, 7);
    CHECK(x.status == 200);
    CHECK(x.got == kBlob.substr(7));
}

TEST_CASE("curl client: a GET from the start sends no Range", "[http]") {
    Exchange x = exchange(200, kBlob, 0);
    CHECK(x.head.find("Range:") == std::string::npos);
    CHECK(x.got == kBlob);
}
