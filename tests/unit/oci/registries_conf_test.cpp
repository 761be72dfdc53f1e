#include <catch2/catch.hpp>

#include <unistd.h>

#include "skiff/oci/auth.hpp"
#include "skiff/oci/registries_conf.hpp"
#include "skiff/oci/registry.hpp"

using namespace skiff;
using namespace skiff::oci;

namespace {

RegistriesConf conf_of(const char* text) {
    RegistriesConf c;
    auto r = merge_registries_conf(c, text, "test.conf");
    REQUIRE(r.ok());
    return c;
}

std::vector<std::string> resolve(const RegistriesConf& c, const char* input) {
    auto r = resolve_image_name(c, input);
    if (!r) return {"ERROR: " + r.error().message};
    std::vector<std::string> out;
    for (const auto& ref : *r) out.push_back(ref.str());
    return out;
}

}  // namespace

TEST_CASE("registries.conf: short names", "[registries_conf]") {
    auto c = conf_of(R"(
unqualified-search-registries = ["docker.io", "quay.io"]
short-name-mode = "permissive"
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
)");
    CHECK(resolve(c, "busybox") == std::vector<std::string>{"docker.io/library/busybox:latest", "quay.io/busybox:latest"});
    CHECK(resolve(c, "fedora:39") == std::vector<std::string>{"registry.fedoraproject.org/fedora:39"});
    CHECK(resolve(c, "127.0.0.1:5000/x") == std::vector<std::string>{"127.0.0.1:5000/x:latest"});
    CHECK(resolve(c, "localhost/x:1") == std::vector<std::string>{"localhost/x:1"});
    CHECK(resolve(c, "BAD$name")[0].starts_with("ERROR: "));

    c.short_name_mode = ShortNameMode::kEnforcing;
    CHECK(resolve(c, "busybox") ==
          std::vector<std::string>{"ERROR: short-name resolution enforced but cannot prompt without a TTY"});
    c.unqualified_search = {"docker.io"};
    CHECK(resolve(c, "org/app") == std::vector<std::string>{"docker.io/org/app:latest"});
    c.unqualified_search.clear();
    CHECK(resolve(c, "app")[0].find("did not resolve to an alias") != std::string::npos);
}

TEST_CASE("registries.conf: later files replace, registries merge by prefix", "[registries_conf]") {
    RegistriesConf c;
    REQUIRE(merge_registries_conf(c, R"(
unqualified-search-registries = ["a.io"]
[[registry]]
prefix = "x.io"
insecure = true
)", "one").ok());
    REQUIRE(merge_registries_conf(c, R"(
[[registry]]
prefix = "x.io"
blocked = true
[aliases]
"k" = "a.io/k"
)", "two").ok());
    CHECK(c.unqualified_search == std::vector<std::string>{"a.io"});
    REQUIRE(c.registries.size() == 1);
    CHECK(c.registries[0].blocked);
    CHECK_FALSE(c.registries[0].insecure);
    CHECK(c.aliases.at("k") == "a.io/k");
    CHECK_FALSE(merge_registries_conf(c, "unqualified-search-registries = [", "bad").ok());
    CHECK_FALSE(merge_registries_conf(c, "short-name-mode = \"sometimes\"", "bad").ok());
}

TEST_CASE("registries.conf: prefix rewrite, mirrors, blocked, wildcard", "[registries_conf]") {
    auto c = conf_of(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal:5000/bar"
[[registry.mirror]]
location = "mirror.local/cache"
insecure = true

[[registry]]
location = "evil.io"
blocked = true

[[registry]]
prefix = "*.corp.net"
insecure = true
)");
    auto ref = *parse_reference("example.com/foo/app:1");
    auto e = pull_endpoints(c, ref);
    REQUIRE(e.ok());
    REQUIRE(e->size() == 2);
    CHECK((*e)[0].registry == "mirror.local");
    CHECK((*e)[0].repository == "cache/app");
    CHECK((*e)[0].insecure);
    CHECK((*e)[1].registry == "internal:5000");
    CHECK((*e)[1].repository == "bar/app");
    // "example.com/foobar" is not under the prefix "example.com/foo".
    auto other = pull_endpoints(c, *parse_reference("example.com/foobar/app"));
    REQUIRE(other.ok());
    CHECK((*other)[0].registry == "example.com");
    CHECK((*other)[0].repository == "foobar/app");
    auto blocked = pull_endpoints(c, *parse_reference("evil.io/x"));
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().message == "registry evil.io is blocked in registries.conf");
    CHECK(registry_insecure(c, "reg.corp.net:5000"));
    CHECK(registry_insecure(c, "mirror.local"));
    CHECK_FALSE(registry_insecure(c, "corp.net"));
}

TEST_CASE("registry targets: mirrors, insecure, flags and auth.json resolved", "[registries_conf]") {
    auto c = conf_of(R"(
[[registry]]
prefix = "example.com"
location = "internal:5000"
insecure = true
[[registry.mirror]]
location = "mirror.local"
)");
    std::string dir = "/tmp/skiff-targets-test-" + std::to_string(::getpid());
    std::string file = dir + "/auth.json";
    REQUIRE(store_credentials(file, "internal:5000", Credentials{"u", "p", ""}).ok());
    RegistryAccess access;
    access.authfile = file;
    auto t = registry_targets(c, *normalize_reference("example.com/app:1"), access);
    REQUIRE(t.ok());
    REQUIRE(t->size() == 2);
    CHECK((*t)[0].options.registry == "mirror.local");
    CHECK_FALSE((*t)[0].options.insecure);
    CHECK_FALSE((*t)[0].options.credentials.has_value());
    CHECK((*t)[1].options.registry == "internal:5000");
    CHECK((*t)[1].repository == "app");
    CHECK((*t)[1].options.insecure);
    CHECK_FALSE((*t)[1].options.tls.verify);
    REQUIRE((*t)[1].options.credentials.has_value());
    CHECK((*t)[1].options.credentials->username == "u");

    access.tls_verify = true;
    auto p = push_target(c, *normalize_reference("example.com/app:1"), access);
    REQUIRE(p.ok());
    CHECK(p->options.registry == "internal:5000");
    CHECK_FALSE(p->options.insecure);
    CHECK(p->options.tls.verify);
    CHECK(::unlink(file.c_str()) == 0);
    CHECK(::rmdir(dir.c_str()) == 0);
}
