// cp's argument parsing: which side is the container, as podman reads "CONTAINER:PATH".
#include <catch2/catch.hpp>

#include "skiff/engine/copy.hpp"

using namespace skiff;
using Kind = engine::CopyEndpoint::Kind;

TEST_CASE("cp endpoints: container, host and stream") {
    auto c = engine::parse_copy_endpoint("web:/etc/passwd");
    CHECK(c.kind == Kind::kContainer);
    CHECK(c.container == "web");
    CHECK(c.path == "/etc/passwd");
    auto rel = engine::parse_copy_endpoint("web:etc");
    CHECK(rel.kind == Kind::kContainer);
    CHECK(rel.path == "etc");
    auto empty = engine::parse_copy_endpoint("web:");
    CHECK(empty.kind == Kind::kContainer);
    CHECK(empty.path.empty());
    CHECK(engine::parse_copy_endpoint("-").kind == Kind::kStream);
    // Host paths: absolute or starting with "." may hold a colon; no colon at all is a host path.
    auto abs = engine::parse_copy_endpoint("/tmp/a:b");
    CHECK(abs.kind == Kind::kHost);
    CHECK(abs.path == "/tmp/a:b");
    CHECK(engine::parse_copy_endpoint("./a:b").kind == Kind::kHost);
    CHECK(engine::parse_copy_endpoint("file.txt").kind == Kind::kHost);
    CHECK(engine::parse_copy_endpoint(":x").kind == Kind::kHost);
}
