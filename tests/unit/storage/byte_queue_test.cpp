#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "skiff/storage/byte_queue.hpp"

using namespace skiff;

namespace {

// Everything the reader gets until the end, by read() with a small buffer.
Result<std::string> read_all(storage::ByteQueue& q) {
    std::string got;
    char buf[50];
    for (;;) {
        size_t n = TRY(q.read(buf, sizeof buf));
        if (n == 0) return got;
        got.append(buf, n);
    }
}

// True when `flag` is still false after a moment: a producer still blocked.
bool still_waiting(const std::atomic<bool>& flag) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return !flag.load();
}

}  // namespace

TEST_CASE("ByteQueue passes pushed bytes from a producer thread in order") {
    storage::ByteQueue q(16, 4);
    std::string sent;
    for (int i = 0; i < 1000; i++) sent += std::to_string(i) + ",";
    std::thread producer([&] {
        for (size_t i = 0; i < sent.size(); i += 37) CHECK(q.push(std::string_view(sent).substr(i, 37)));
        q.finish({});
    });
    auto got = read_all(q);
    producer.join();
    REQUIRE(got.ok());
    CHECK(*got == sent);
}

TEST_CASE("ByteQueue lends buffers written in place, in order") {
    storage::ByteQueue q(8, 2);
    std::thread producer([&] {
        for (char c = 'a'; c <= 'z'; c++) {
            auto buf = q.acquire();
            REQUIRE(buf.size() == 8);
            buf[0] = c;
            buf[1] = c;
            q.commit(c == 'm' ? 0 : 2);  // an empty commit gives the buffer back, queues nothing
        }
        q.finish({});
    });
    std::string got;
    for (;;) {
        auto chunk = q.next();
        REQUIRE(chunk.ok());
        if (chunk->empty()) break;
        got += *chunk;
    }
    producer.join();
    CHECK(got == "aabbccddeeffgghhiijjkkllnnooppqqrrssttuuvvwwxxyyzz");
}

TEST_CASE("ByteQueue is bounded: the producer blocks while every buffer is full") {
    storage::ByteQueue q(4, 2);  // 8 bytes at most
    std::atomic<bool> pushed{false};
    std::thread producer([&] {
        CHECK(q.push("12345678abcd"));  // 4 bytes more than fit
        pushed = true;
        q.finish({});
    });
    CHECK(still_waiting(pushed));
    auto first = q.next();
    REQUIRE(first.ok());
    CHECK(*first == "1234");
    CHECK(still_waiting(pushed));  // the lent buffer is still the reader's
    auto second = q.next();        // gives the first back: the producer goes on
    REQUIRE(second.ok());
    CHECK(*second == "5678");
    auto rest = read_all(q);
    producer.join();
    CHECK(pushed.load());
    REQUIRE(rest.ok());
    CHECK(*rest == "abcd");
}

TEST_CASE("ByteQueue hands the producer's error to the reader after what was queued") {
    storage::ByteQueue q(8, 2);
    REQUIRE(q.push("abc"));
    q.finish(make_error("connection reset"));
    char buf[8];
    auto n = q.read(buf, sizeof buf);
    REQUIRE(n.ok());
    CHECK(std::string(buf, *n) == "abc");
    auto e = q.read(buf, sizeof buf);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message == "connection reset");
    auto again = q.next();
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message == "connection reset");
}

TEST_CASE("ByteQueue: a reader that closes stops a blocked producer") {
    storage::ByteQueue q(4, 1);
    REQUIRE(q.push("1234"));
    std::atomic<bool> returned{false};
    bool accepted = true;
    std::thread producer([&] {
        accepted = q.push("5678");  // blocks: full, until the reader closes
        returned = true;
    });
    CHECK(still_waiting(returned));
    q.close_read();
    producer.join();
    CHECK_FALSE(accepted);
    CHECK(q.acquire().empty());
    CHECK_FALSE(q.push("x"));
}
