#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>

#include "../../../src/engine/run_internal.hpp"
#include "skiff/engine/lifecycle.hpp"

using namespace skiff;
using namespace skiff::engine;

namespace {

// A child that sleeps `ms` (negative: until killed), as a container record names it.
struct Child {
    pid_t pid = -1;
    explicit Child(int ms) {
        pid = ::fork();
        if (pid == 0) {
            if (ms < 0) for (;;) ::pause();
            struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
            ::nanosleep(&ts, nullptr);
            ::_exit(0);
        }
    }
    ~Child() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    storage::Container record() const {
        storage::Container c;
        c.pid = pid;
        c.pid_start = storage::process_start_time(pid);
        return c;
    }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("wait_gone: false while the process runs, true as soon as it has exited") {
    Child child(-1);
    REQUIRE(child.pid > 0);
    auto c = child.record();
    REQUIRE(c.pid_start != 0);
    auto t = std::chrono::steady_clock::now();
    CHECK_FALSE(wait_gone(c, 100));
    CHECK(seconds_since(t) >= 0.09);
    ::kill(child.pid, SIGKILL);
    t = std::chrono::steady_clock::now();
    CHECK(wait_gone(c, 10000));  // exited, not yet reaped: the pidfd says so at once
    CHECK(seconds_since(t) < 2);
}

TEST_CASE("wait_gone without a limit returns when the process exits by itself") {
    Child child(200);
    REQUIRE(child.pid > 0);
    auto t = std::chrono::steady_clock::now();
    CHECK(wait_gone(child.record(), -1));
    CHECK(seconds_since(t) < 5);
}

TEST_CASE("wait_gone: a record whose pid now names another process is gone at once") {
    Child child(-1);
    REQUIRE(child.pid > 0);
    auto c = child.record();
    c.pid_start += 1;  // a recycled pid: not the record's process
    auto t = std::chrono::steady_clock::now();
    CHECK(wait_gone(c, 10000));
    CHECK(seconds_since(t) < 1);
}
