#include <catch2/catch.hpp>

#include <algorithm>

#include "../../../src/engine/systemd.hpp"

using namespace skiff;
using namespace skiff::engine;

TEST_CASE("systemd_mode: true judges the command as podman does, always and false do not") {
    using Args = std::vector<std::string>;
    for (const char* cmd : {"/sbin/init", "/usr/sbin/init", "/usr/local/sbin/init", "/usr/lib/systemd/systemd", "systemd"})
        CHECK(*systemd_mode("true", Args{cmd, "--arg"}));
    CHECK(*systemd_mode("", Args{"/sbin/init"}));
    CHECK(*systemd_mode("TRUE", Args{"/bin/sh", "-c", "/sbin/init"}));
    CHECK_FALSE(*systemd_mode("true", Args{"/bin/sh", "-c", "echo /sbin/init"}));
    CHECK_FALSE(*systemd_mode("true", Args{"init"}));
    CHECK_FALSE(*systemd_mode("true", Args{"/bin/systemd-notify"}));
    CHECK_FALSE(*systemd_mode("false", Args{"/sbin/init"}));
    CHECK(*systemd_mode("always", Args{"true"}));
    auto bad = systemd_mode("maybe", Args{"true"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "invalid value \"maybe\" systemd option requires 'true, false, always'");
}

TEST_CASE("add_systemd: tmpfs where the user mounted nothing, cgroup writable, uuid kept when given") {
    runtime::Spec spec;
    spec.env = {"container_uuid=mine"};
    spec.mounts = {{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "ro"}}};
    std::vector<runtime::Mount> user = {{"/tmp", "bind", "/host/tmp", {"rbind"}}};
    add_systemd(std::string(64, 'a'), user, spec);
    std::vector<std::string> tmpfs;
    for (auto& m : spec.mounts)
        if (m.type == "tmpfs") tmpfs.push_back(m.destination);
    CHECK(tmpfs == std::vector<std::string>{"/run", "/run/lock", "/var/log/journal"});
    CHECK(spec.mounts.front().options == std::vector<std::string>{"nosuid"});
    CHECK(spec.env == std::vector<std::string>{"container_uuid=mine"});
    CHECK_FALSE(spec.host_ttys);

    runtime::Spec fresh;
    add_systemd(std::string(32, 'b') + std::string(32, 'c'), {}, fresh);
    CHECK(fresh.env == std::vector<std::string>{"container_uuid=" + std::string(32, 'b')});
}
