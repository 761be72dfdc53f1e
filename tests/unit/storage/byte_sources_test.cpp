#include <string>

#include <catch2/catch.hpp>

#include "skiff/storage/layers.hpp"

using namespace skiff;

namespace {

// A source that hands out at most `step` bytes a read, as a pipe or a network body does.
class Trickle : public storage::ByteSource {
public:
    Trickle(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
    Result<size_t> read(char* buf, size_t len) override {
        size_t n = std::min({len, step_, data_.size() - pos_});
        data_.copy(buf, n, pos_);
        pos_ += n;
        return n;
    }

private:
    std::string data_;
    size_t step_;
    size_t pos_ = 0;
};

std::string read_all(storage::ByteSource& s, size_t chunk) {
    std::string got;
    std::string buf(chunk, '\0');
    for (;;) {
        auto n = s.read(buf.data(), buf.size());
        REQUIRE(n.ok());
        if (*n == 0) return got;
        got.append(buf.data(), *n);
    }
}

}  // namespace

TEST_CASE("PeekSource: what was peeked at is read again, then the rest, whatever the read sizes") {
    std::string text = "\x1f\x8b the rest of a stream that is longer than any peek";
    for (size_t step : {1, 3, 1000}) {
        for (size_t chunk : {1, 2, 7, 4096}) {
            Trickle src(text, step);
            storage::PeekSource peeked(src);
            auto head = peeked.peek(2);
            REQUIRE(head.ok());
            CHECK(*head == "\x1f\x8b");
            auto more = peeked.peek(10);  // a longer peek extends the first
            REQUIRE(more.ok());
            CHECK(*more == text.substr(0, 10));
            CHECK(read_all(peeked, chunk) == text);
        }
    }
}

TEST_CASE("PeekSource: a peek past the end gives what there is") {
    Trickle src("ab", 1);
    storage::PeekSource peeked(src);
    auto head = peeked.peek(5);
    REQUIRE(head.ok());
    CHECK(*head == "ab");
    CHECK(read_all(peeked, 4) == "ab");
}
