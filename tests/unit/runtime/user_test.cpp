#include <catch2/catch.hpp>

#include "skiff/runtime/user.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "broken line\n"
    "bad:x:notanumber:0::/:/bin/sh\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "bob:x:1001:1001::/home/bob\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false";

const std::string kGroup =
    "root:x:0:\n"
    "wheel:x:10:alice, root\n"
    "audio:x:29:bob,alice\n"
    "alice:x:1000:\n"
    "staff:x:50:\n"
    "nogroup:x:65534:\n";

ResolvedUser resolve(const std::string& spec) {
    auto r = resolve_user(spec, kPasswd, kGroup);
    REQUIRE(r.ok());
    return r.take();
}

std::string resolve_error(const std::string& spec, const std::optional<std::string>& passwd = kPasswd,
                          const std::optional<std::string>& group = kGroup) {
    auto r = resolve_user(spec, passwd, group);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("parse_passwd keeps well-formed entries and skips the rest") {
    auto users = parse_passwd(kPasswd);
    REQUIRE(users.size() == 4);
    CHECK(users[1].name == "alice");
    CHECK(users[1].uid == 1000);
    CHECK(users[1].gid == 1000);
    CHECK(users[1].home == "/home/alice");
    CHECK(users[1].shell == "/bin/sh");
    CHECK(users[2].shell.empty());
    CHECK(users[3].uid == 65534);
}

TEST_CASE("parse_group reads member lists") {
    auto groups = parse_group(kGroup);
    REQUIRE(groups.size() == 6);
    CHECK(groups[1].name == "wheel");
    CHECK(groups[1].members == std::vector<std::string>{"alice", "root"});
    CHECK(groups[0].members.empty());
}

TEST_CASE("resolve_user: the default user is root, with root's entry") {
    auto u = resolve("");
    CHECK(u.uid == 0);
    CHECK(u.gid == 0);
    CHECK(u.home == "/root");
    CHECK(u.groups == std::vector<gid_t>{10});
}

TEST_CASE("resolve_user: a name takes its entry and its supplementary groups, with its primary group") {
    auto u = resolve("alice");
    CHECK(u.uid == 1000);
    CHECK(u.gid == 1000);
    CHECK(u.home == "/home/alice");
    CHECK(u.groups == std::vector<gid_t>{10, 29, 1000});
    CHECK(resolve("root").groups == std::vector<gid_t>{10, 0});
}

TEST_CASE("resolve_user: a numeric id needs no entry") {
    auto u = resolve("1234");
    CHECK(u.uid == 1234);
    CHECK(u.gid == 0);
    CHECK(u.home == "/");
    CHECK(u.groups == std::vector<gid_t>{0});

    auto known = resolve("1001");
    CHECK(known.gid == 1001);
    CHECK(known.groups == std::vector<gid_t>{29, 1001});

    auto r = resolve_user("1234:5678", std::nullopt, std::nullopt);
    REQUIRE(r.ok());
    CHECK(r->uid == 1234);
    CHECK(r->gid == 5678);
}

TEST_CASE("resolve_user: an explicit group replaces the primary group and the supplementary ones") {
    auto u = resolve("alice:staff");
    CHECK(u.uid == 1000);
    CHECK(u.gid == 50);
    CHECK(u.groups == std::vector<gid_t>{50});
    CHECK(resolve("alice:77").gid == 77);
    CHECK(resolve("0:wheel").gid == 10);
}

TEST_CASE("resolve_user: podman's errors") {
    CHECK(resolve_error("mallory") == "unable to find user mallory: no matching entries in passwd file");
    CHECK(resolve_error("alice", std::nullopt) == "unable to find user alice: no matching entries in passwd file");
    CHECK(resolve_error("alice:nosuch") == "unable to find group nosuch: no matching entries in group file");
    CHECK(resolve_error("alice:staff", kPasswd, std::nullopt) ==
          "unable to find group staff: no matching entries in group file");
    CHECK(resolve_error(":10") == "invalid user \":10\": want USER[:GROUP]");
    CHECK(resolve_error("a:b:c") == "invalid user \"a:b:c\": want USER[:GROUP]");
}

TEST_CASE("resolve_user: ids too large for an id are names, not numbers") {
    CHECK(resolve_error("4294967295") == "unable to find user 4294967295: no matching entries in passwd file");
    CHECK(resolve("4294967294").uid == 4294967294u);
}

TEST_CASE("add_groups: gids and the image's group names join the supplementary groups once", "[user]") {
    ResolvedUser u = resolve("bob");
    REQUIRE(add_groups(u, {"457", "staff", "audio"}, kGroup).ok());
    CHECK(u.groups == std::vector<gid_t>{29, 1001, 457, 50});
    CHECK_FALSE(u.keep_groups);

    auto bad = add_groups(u, {"nosuch"}, kGroup);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "unable to find group nosuch: no matching entries in group file");
    CHECK_FALSE(add_groups(u, {"staff"}, std::nullopt).ok());  // an image without /etc/group: names are unknown
}

TEST_CASE("add_groups: keep-groups keeps the caller's groups", "[user]") {
    ResolvedUser u = resolve("");
    REQUIRE(add_groups(u, {"keep-groups"}, kGroup).ok());
    CHECK(u.keep_groups);
}
