#include <catch2/catch.hpp>

#include "skiff/runtime/rootless.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

bool same(const std::vector<IdRange>& got, const std::vector<IdRange>& want) {
    if (got.size() != want.size()) return false;
    for (size_t i = 0; i < got.size(); ++i)
        if (got[i].container != want[i].container || got[i].host != want[i].host || got[i].size != want[i].size) return false;
    return true;
}

}  // namespace

TEST_CASE("subordinate ids: the user's lines, by name or by number, in order; bad lines skipped") {
    const std::string text =
        "# comment\n"
        "alice:100000:65536\n"
        "bob:165536:65536\n"
        "1000:300000:10\n"
        "alice:notanumber:5\n"
        "alice:5:0\n"
        "alice:4294967290:10\n"
        "alice:400000:1000:extra\n"
        "  alice:500000:2  \n";
    CHECK(same(parse_subordinate_ids(text, "alice", 1000), {{0, 100000, 65536}, {0, 300000, 10}, {0, 500000, 2}}));
    CHECK(same(parse_subordinate_ids(text, "bob", 1001), {{0, 165536, 65536}}));
    CHECK(parse_subordinate_ids(text, "carol", 1002).empty());
    CHECK(parse_subordinate_ids("", "alice", 1000).empty());
}

TEST_CASE("the rootless mapping: the user is 0, the subordinate ranges follow from 1") {
    CHECK(same(rootless_ranges(1000, {{0, 100000, 65536}}), {{0, 1000, 1}, {1, 100000, 65536}}));
    CHECK(same(rootless_ranges(1000, {{0, 100000, 10}, {0, 300000, 5}}), {{0, 1000, 1}, {1, 100000, 10}, {11, 300000, 5}}));
    CHECK(same(rootless_ranges(7, {}), {{0, 7, 1}}));
}
