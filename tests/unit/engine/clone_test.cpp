#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "skiff/engine/clone.hpp"

using namespace skiff::engine;

namespace {

std::string name_among(const char* original, std::set<std::string> names) {
    return clone_name(original, [&](const std::string& n) { return names.count(n) > 0; });
}

}  // namespace

TEST_CASE("clone_name: podman's -clone suffix, then -clone1, -clone2 … the first free one") {
    CHECK(name_among("web", {"web"}) == "web-clone");
    CHECK(name_among("web", {"web", "web-clone"}) == "web-clone1");
    CHECK(name_among("web", {"web", "web-clone", "web-clone1"}) == "web-clone2");
    CHECK(name_among("web", {"web", "web-clone", "web-clone1", "web-clone2", "web-clone3"}) == "web-clone4");
    // A clone of a clone counts on from its number.
    CHECK(name_among("web-clone", {"web-clone"}) == "web-clone1");
    CHECK(name_among("web-clone3", {"web-clone3"}) == "web-clone4");
    CHECK(name_among("web-clone3", {"web-clone3", "web-clone4", "web-clone5"}) == "web-clone6");
    // podman's own quirk: a "-clone" with no number after it gets "1" whatever follows.
    CHECK(name_among("a-clone-x", {"a-clone-x"}) == "a-clone-x1");
}
