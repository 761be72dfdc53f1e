#include <catch2/catch.hpp>

#include "skiff/oci/reference.hpp"

using namespace skiff;

namespace {

std::string local(const char* s) {
    auto r = oci::normalize_local_name(s);
    return r.ok() ? *r : "ERROR: " + r.error().message;
}

std::string docker(const char* s) {
    auto r = oci::normalize_reference(s);
    return r.ok() ? r->str() : "ERROR: " + r.error().message;
}

}  // namespace

TEST_CASE("local names are normalised as podman does") {
    CHECK(local("demo") == "localhost/demo:latest");
    CHECK(local("demo:1") == "localhost/demo:1");
    CHECK(local("library/demo") == "localhost/library/demo:latest");
    CHECK(local("localhost/demo") == "localhost/demo:latest");
    CHECK(local("docker.io/library/x") == "docker.io/library/x:latest");
    CHECK(local("docker.io/x") == "docker.io/library/x:latest");
    CHECK(local("quay.io/org/app:v2") == "quay.io/org/app:v2");
    CHECK(local("localhost:5000/app") == "localhost:5000/app:latest");
    std::string d = "sha256:" + std::string(64, 'a');
    CHECK(local(("app@" + d).c_str()) == "localhost/app@" + d);
    CHECK(local("Demo").rfind("ERROR: invalid reference format \"Demo\"", 0) == 0);
    CHECK(local("").rfind("ERROR:", 0) == 0);
}

TEST_CASE("references are parsed by docker's grammar") {
    auto r = oci::parse_reference("quay.io:443/org/sub/app:1.2-rc@sha256:" + std::string(64, 'b'));
    REQUIRE(r.ok());
    CHECK(r->registry == "quay.io:443");
    CHECK(r->repository == "org/sub/app");
    CHECK(r->tag == "1.2-rc");
    CHECK(r->digest == "sha256:" + std::string(64, 'b'));

    auto plain = oci::parse_reference("alpine");
    REQUIRE(plain.ok());
    CHECK(plain->registry.empty());
    CHECK(plain->repository == "alpine");
    CHECK(plain->tag.empty());

    // The first component is a registry when it has '.' or ':', is localhost, or has upper case.
    CHECK(oci::parse_reference("localhost/x")->registry == "localhost");
    CHECK(oci::parse_reference("Registry/x")->registry == "Registry");
    CHECK(oci::parse_reference("org/x")->registry.empty());
    CHECK(oci::parse_reference("[::1]:5000/x")->registry == "[::1]:5000");
    CHECK(oci::parse_reference("a__b/c.d/e--f_g")->repository == "a__b/c.d/e--f_g");

    CHECK(docker("alpine") == "docker.io/library/alpine:latest");
    CHECK(docker("index.docker.io/alpine:3") == "docker.io/library/alpine:3");
    CHECK(docker("user/app") == "docker.io/user/app:latest");
    CHECK(docker("ghcr.io/o/a") == "ghcr.io/o/a:latest");
}

TEST_CASE("malformed references are refused") {
    for (const char* bad : {"UPPER", "a/UPPER", "a:", ":tag", "a:b/c", "a//b", "a/", "/a", "-a", "a-", "a..b", "a___b",
                            "a:-tag", "host:port:x/a", "a@sha256:short", "a@md5:" "0123456789abcdef0123456789abcdef",
                            "bad!host.io/a", "a b"}) {
        INFO(bad);
        CHECK_FALSE(oci::parse_reference(bad).ok());
    }
    CHECK_FALSE(oci::parse_reference(std::string(256, 'a')).ok());
    CHECK(oci::parse_reference(std::string(255, 'a')).ok());
    CHECK_FALSE(oci::parse_reference("a:" + std::string(129, 't')).ok());
    CHECK(oci::parse_reference("a:" + std::string(128, 't')).ok());
}
