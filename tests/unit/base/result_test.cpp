#include <catch2/catch.hpp>

#include "skiff/base/result.hpp"

using namespace skiff;

static Result<int> half(int x) {
    if (x % 2) return make_error("odd: " + std::to_string(x));
    return x / 2;
}

static Result<int> quarter(int x) {
    int h = TRY_CTX(half(x), "quarter");
    return TRY(half(h));
}

TEST_CASE("TRY passes values through and errors up with context") {
    auto ok = quarter(8);
    REQUIRE(ok.ok());
    CHECK(*ok == 2);
    auto bad = quarter(6);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "odd: 3");
    auto bad2 = quarter(5);
    CHECK(bad2.error().message == "quarter: odd: 5");
    CHECK(bad2.error().exit_code == kExitFailure);
}

TEST_CASE("sys_error names the operation and strerror") {
    auto e = sys_error("open /x", ENOENT);
    CHECK(e.message == "open /x: No such file or directory");
    CHECK(e.code == ENOENT);
}
