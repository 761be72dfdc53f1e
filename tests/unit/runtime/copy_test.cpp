#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "../../../src/runtime/copy.hpp"
#include "skiff/base/fd.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

struct Pipe {
    unique_fd r, w;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        r.reset(fds[0]);
        w.reset(fds[1]);
    }
};

}  // namespace

TEST_CASE("drain_now: what the pipe holds, without waiting for a writer that keeps it open") {
    Pipe p;
    std::string data(200000, 'x');
    REQUIRE(::fcntl(p.w.get(), F_SETPIPE_SZ, 1 << 20) >= 0);
    REQUIRE(::write(p.w.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    std::string got;
    int reads = 0;
    drain_now(p.r.get(), [&](int fd) {
        char buf[4096];
        ++reads;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return size_t{0};
        got.append(buf, static_cast<size_t>(n));
        return static_cast<size_t>(n);
    });
    CHECK(got == data);
    CHECK(reads == 49);  // 200000 bytes in reads of 4096, and no read more (it would block)
}

TEST_CASE("drain_now: an empty pipe is not read at all") {
    Pipe p;
    bool read = false;
    drain_now(p.r.get(), [&](int) {
        read = true;
        return size_t{0};
    });
    CHECK_FALSE(read);
}

TEST_CASE("write_fully: all of it; false once the reader is gone") {
    Pipe p;
    CHECK(write_fully(p.w.get(), "hello"));
    char buf[8] = {};
    CHECK(::read(p.r.get(), buf, sizeof buf) == 5);
    struct sigaction ignore {}, saved {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved);
    p.r.reset();
    CHECK_FALSE(write_fully(p.w.get(), "more"));
    ::sigaction(SIGPIPE, &saved, nullptr);
}
