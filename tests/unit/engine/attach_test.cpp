#include <catch2/catch.hpp>

#include "skiff/engine/attach_wire.hpp"
#include "skiff/engine/attach.hpp"

using namespace skiff::engine;

TEST_CASE("detach keys: podman's syntax", "[attach]") {
    CHECK(*parse_detach_keys("ctrl-p,ctrl-q") == std::string("\x10\x11"));
    CHECK(*parse_detach_keys("ctrl-a,x") == std::string("\x01x"));
    CHECK(*parse_detach_keys("ctrl-@") == std::string(1, '\0'));
    CHECK(*parse_detach_keys("ctrl-[,ctrl-_") == std::string("\x1b\x1f"));
    CHECK(parse_detach_keys("")->empty());
    CHECK_FALSE(parse_detach_keys("ctrl-").ok());
    CHECK_FALSE(parse_detach_keys("ctrl-1").ok());
    CHECK_FALSE(parse_detach_keys("ab").ok());
    CHECK_FALSE(parse_detach_keys("ctrl-p,").ok());
    CHECK_FALSE(parse_detach_keys("7").ok());
}

TEST_CASE("detach matcher passes on what is not the sequence", "[attach]") {
    DetachMatcher m("\x10\x11");
    bool detached = false;
    CHECK(m.feed("abc", detached) == "abc");
    CHECK_FALSE(detached);
    // A partial match is held back, then given back when broken.
    CHECK(m.feed("x\x10", detached) == "x");
    CHECK_FALSE(detached);
    CHECK(m.feed("y", detached) == "\x10y");
    // A broken match that starts a new one.
    CHECK(m.feed("\x10\x10", detached) == "\x10");
    CHECK(m.feed("\x11tail", detached).empty());
    CHECK(detached);
}

TEST_CASE("detach matcher without keys never detaches", "[attach]") {
    DetachMatcher m("");
    bool detached = true;
    CHECK(m.feed("\x10\x11", detached) == "\x10\x11");
    CHECK_FALSE(detached);
}

TEST_CASE("attach frames survive being split anywhere", "[attach]") {
    std::string stream = wire::encode(wire::Kind::kStdout, "hello\n") + wire::encode(wire::Kind::kStderr, "") +
                         wire::encode(wire::Kind::kExit, "3");
    for (size_t cut = 0; cut <= stream.size(); cut++) {
        wire::Reader r;
        std::vector<wire::Frame> got;
        for (auto part : {stream.substr(0, cut), stream.substr(cut)}) {
            r.feed(part);
            while (auto f = *r.next()) got.push_back(*f);
        }
        REQUIRE(got.size() == 3);
        CHECK(got[0].kind == wire::Kind::kStdout);
        CHECK(got[0].data == "hello\n");
        CHECK(got[1].kind == wire::Kind::kStderr);
        CHECK(got[1].data.empty());
        CHECK(got[2].kind == wire::Kind::kExit);
        CHECK(got[2].data == "3");
        CHECK(r.empty());
    }
}

TEST_CASE("attach frames: a bad kind or length is an error", "[attach]") {
    wire::Reader r;
    r.feed(std::string("\x63\0\0\0\0", 5));
    CHECK_FALSE(r.next().ok());
    wire::Reader big;
    big.feed(std::string("\x01\x7f\0\0\0", 5));
    CHECK_FALSE(big.next().ok());
}

TEST_CASE("window sizes round-trip", "[attach]") {
    auto s = wire::decode_size(wire::encode_size(40, 132));
    REQUIRE(s);
    CHECK(s->first == 40);
    CHECK(s->second == 132);
    CHECK_FALSE(wire::decode_size("40"));
    CHECK_FALSE(wire::decode_size("40 x"));
    CHECK_FALSE(wire::decode_size("99999 1"));
}
