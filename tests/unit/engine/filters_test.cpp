#include <catch2/catch.hpp>

#include "skiff/engine/filters.hpp"

using namespace skiff;

namespace {
const char* const kKeys[] = {"name", "label", "status"};
const char* const kEmptyOk[] = {"label"};
}  // namespace

TEST_CASE("filters are grouped by key, in order") {
    auto v = engine::group_filters({"name=a", "status=exited", "name=b=c", "label="}, kKeys, kEmptyOk);
    REQUIRE(v.ok());
    CHECK(v->at("name") == std::vector<std::string>{"a", "b=c"});
    CHECK(v->at("status") == std::vector<std::string>{"exited"});
    CHECK(v->at("label") == std::vector<std::string>{""});
}

TEST_CASE("bad filters are refused with the reason") {
    auto no_eq = engine::group_filters({"name"}, kKeys, kEmptyOk);
    REQUIRE_FALSE(no_eq.ok());
    CHECK(no_eq.error().message.find("KEY=VALUE") != std::string::npos);
    auto unknown = engine::group_filters({"color=red"}, kKeys, kEmptyOk);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("\"color\"") != std::string::npos);
    CHECK(unknown.error().message.find("name, label, status") != std::string::npos);
    CHECK_FALSE(engine::group_filters({"name="}, kKeys, kEmptyOk).ok());
    CHECK_FALSE(engine::group_filters({"=x"}, kKeys, kEmptyOk).ok());
}

TEST_CASE("values of one key are ORed, keys are ANDed") {
    auto v = engine::group_filters({"name=a", "name=b", "status=up"}, kKeys, kEmptyOk).value();
    auto item = [](std::string name, std::string status) {
        return [=](const std::string& k, const std::string& val) { return k == "name" ? val == name : val == status; };
    };
    CHECK(engine::filters_match(v, item("a", "up")));
    CHECK(engine::filters_match(v, item("b", "up")));
    CHECK_FALSE(engine::filters_match(v, item("c", "up")));
    CHECK_FALSE(engine::filters_match(v, item("a", "down")));
    CHECK(engine::filters_match(engine::FilterValues{}, item("z", "z")));
}
