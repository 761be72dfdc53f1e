#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "skiff/runtime/caps.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

using Names = std::vector<std::string>;

const Names kPodmanDefault = {"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                              "CAP_KILL",   "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
                              "CAP_SETPCAP", "CAP_SETUID",      "CAP_SYS_CHROOT"};

Names without(Names v, const std::string& s) {
    std::erase(v, s);
    return v;
}

// "CapEff:\t00000000a80425fb" → the mask.
uint64_t status_mask(const std::string& status, const std::string& field) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return std::strtoull(line.c_str() + field.size() + 1, nullptr, 16);
    return ~uint64_t{0};
}

std::string read_status() {
    std::ifstream f("/proc/self/status");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Runs `body` in a forked child; returns its exit code (the body reports through it).
template <class F>
int in_child(F body) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool is_root() {
    return ::geteuid() == 0 && ::prctl(PR_CAPBSET_READ, 8 /* CAP_SETPCAP */, 0, 0, 0) == 1;
}

}  // namespace

TEST_CASE("capability names: any case, with or without CAP_") {
    CHECK(caps::from_name("chown") == 0u);
    CHECK(caps::from_name("CAP_CHOWN") == 0u);
    CHECK(caps::from_name("Cap_Sys_Admin") == 21u);
    CHECK(caps::from_name("net_raw") == 13u);
    CHECK_FALSE(caps::from_name("CAP_FOO"));
    CHECK_FALSE(caps::from_name("ALL"));
    CHECK(caps::name_of(21) == "CAP_SYS_ADMIN");
    CHECK(caps::name_of(200).empty());
}

TEST_CASE("all() follows the running kernel") {
    Names all = caps::all();
    CHECK(all.size() == std::min<size_t>(caps::last_cap() + 1, 41));
    CHECK(std::is_sorted(all.begin(), all.end()));
    CHECK(std::find(all.begin(), all.end(), "CAP_SYS_ADMIN") != all.end());
    Names bounding = caps::bounding_set();
    for (const std::string& c : bounding) CHECK(std::find(all.begin(), all.end(), c) != all.end());
}

TEST_CASE("resolve without flags normalises and sorts the base") {
    auto r = caps::resolve({"setuid", "cap_chown", "CAP_KILL", "chown"}, {}, {});
    REQUIRE(r.ok());
    CHECK(*r == Names{"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"});
}

TEST_CASE("resolve adds and drops as podman") {
    auto r = caps::resolve(kPodmanDefault, {"net_raw", "sys_admin"}, {"CAP_CHOWN", "kill"});
    REQUIRE(r.ok());
    Names want = without(without(kPodmanDefault, "CAP_CHOWN"), "CAP_KILL");
    want.push_back("CAP_NET_RAW");
    want.push_back("CAP_SYS_ADMIN");
    std::sort(want.begin(), want.end());
    CHECK(*r == want);

    // Adding what is there already changes nothing; dropping what is absent changes nothing.
    auto same = caps::resolve(kPodmanDefault, {"chown"}, {"sys_module"});
    REQUIRE(same.ok());
    CHECK(*same == kPodmanDefault);
}

TEST_CASE("resolve: drop ALL keeps only the adds") {
    auto r = caps::resolve(kPodmanDefault, {"setuid", "net_bind_service"}, {"all"});
    REQUIRE(r.ok());
    CHECK(*r == Names{"CAP_NET_BIND_SERVICE", "CAP_SETUID"});
    auto none = caps::resolve(kPodmanDefault, {}, {"ALL"});
    REQUIRE(none.ok());
    CHECK(none->empty());
}

TEST_CASE("resolve: add ALL starts from the bounding set, minus the drops") {
    auto r = caps::resolve(kPodmanDefault, {"ALL"}, {"sys_admin"});
    REQUIRE(r.ok());
    CHECK(*r == without(caps::bounding_set(), "CAP_SYS_ADMIN"));
}

TEST_CASE("resolve refuses unknown names and contradictions") {
    auto unknown = caps::resolve(kPodmanDefault, {"foo"}, {});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message == "unknown capability \"CAP_FOO\"");
    CHECK(unknown.error().exit_code == kExitFailure);

    auto bad_drop = caps::resolve(kPodmanDefault, {}, {"cap_bar"});
    REQUIRE_FALSE(bad_drop.ok());
    CHECK(bad_drop.error().message == "unknown capability \"CAP_BAR\"");

    auto bad_base = caps::resolve({"CAP_NOPE"}, {}, {});
    REQUIRE_FALSE(bad_base.ok());

    auto both = caps::resolve(kPodmanDefault, {"net_raw"}, {"NET_RAW"});
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().message == "capability \"CAP_NET_RAW\" cannot be dropped and added");

    auto all_all = caps::resolve(kPodmanDefault, {"all"}, {"all"});
    REQUIRE_FALSE(all_all.ok());
    CHECK(all_all.error().message == "adding all caps and removing all caps not allowed");
}

TEST_CASE("to_mask") {
    auto m = caps::to_mask({"CAP_CHOWN", "CAP_SYS_ADMIN", "kill"});
    REQUIRE(m.ok());
    CHECK(*m == ((1ull << 0) | (1ull << 21) | (1ull << 5)));
    CHECK_FALSE(caps::to_mask({"CAP_FOO"}).ok());
}

TEST_CASE("apply leaves exactly the requested set (root)") {
    if (!is_root()) {
        WARN("skipped: needs root with CAP_SETPCAP");
        return;
    }
    auto mask = caps::to_mask(kPodmanDefault);
    REQUIRE(mask.ok());
    // 0: as wanted; other codes name what was wrong.
    int rc = in_child([&] {
        if (!caps::apply(kPodmanDefault).ok()) return 10;
        std::string st = read_status();
        if (status_mask(st, "CapEff") != *mask) return 11;
        if (status_mask(st, "CapPrm") != *mask) return 12;
        if (status_mask(st, "CapBnd") != *mask) return 13;
        if (status_mask(st, "CapInh") != 0) return 14;
        if (status_mask(st, "CapAmb") != 0) return 15;
        return 0;
    });
    CHECK(rc == 0);
}

TEST_CASE("apply after setresuid to a non-root uid with KEEPCAPS (root)") {
    if (!is_root()) {
        WARN("skipped: needs root with CAP_SETPCAP");
        return;
    }
    Names want = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    auto mask = caps::to_mask(want);
    REQUIRE(mask.ok());
    int rc = in_child([&] {
        if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return 20;
        if (::setresgid(1000, 1000, 1000) < 0 || ::setresuid(1000, 1000, 1000) < 0) return 21;
        auto r = caps::apply(want);
        if (!r.ok()) {
            std::fprintf(stderr, "%s\n", r.error().message.c_str());
            return 22;
        }
        std::string st = read_status();
        if (status_mask(st, "CapEff") != *mask) return 23;
        if (status_mask(st, "CapPrm") != *mask) return 24;
        if (status_mask(st, "CapBnd") != *mask) return 25;
        if (status_mask(st, "CapInh") != 0) return 26;
        return 0;
    });
    CHECK(rc == 0);
}

TEST_CASE("apply of an empty set drops everything (root)") {
    if (!is_root()) {
        WARN("skipped: needs root with CAP_SETPCAP");
        return;
    }
    int rc = in_child([&] {
        if (!caps::apply({}).ok()) return 30;
        std::string st = read_status();
        for (const char* f : {"CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"})
            if (status_mask(st, f) != 0) return 31;
        return 0;
    });
    CHECK(rc == 0);
}

TEST_CASE("apply leaves out what skiff does not hold itself (root)") {
    if (!is_root()) {
        WARN("skipped: needs root with CAP_SETPCAP");
        return;
    }
    // Take CAP_NET_RAW out of this child's sets first, then ask for it.
    int rc = in_child([&] {
        if (!caps::apply(without(caps::all(), "CAP_NET_RAW")).ok()) return 40;
        if (!caps::apply({"CAP_NET_RAW", "CAP_CHOWN"}).ok()) return 41;
        std::string st = read_status();
        if (status_mask(st, "CapEff") != 1) return 42;  // CAP_CHOWN alone
        if (status_mask(st, "CapBnd") != 1) return 43;
        return 0;
    });
    CHECK(rc == 0);
}
