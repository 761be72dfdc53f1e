#include <catch2/catch.hpp>

#include <algorithm>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "skiff/base/fs.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/spec.hpp"

using namespace skiff;
using namespace skiff::engine;

namespace {

std::vector<DeviceOption> options(const std::vector<std::string>& given) {
    std::vector<DeviceOption> out;
    for (auto& g : given) {
        auto o = parse_device_option(g);
        REQUIRE(o.ok());
        out.push_back(*o);
    }
    return out;
}

}  // namespace

TEST_CASE("--device: podman's HOST[:CONTAINER][:PERMISSIONS]", "[devices]") {
    auto check = [](const char* text, const char* host, const char* container, const char* access) {
        INFO(text);
        auto d = parse_device_option(text);
        REQUIRE(d.ok());
        CHECK(d->host_path == host);
        CHECK(d->container_path == container);
        CHECK(d->access == access);
    };
    check("/dev/fuse", "/dev/fuse", "/dev/fuse", "rwm");
    check("/dev/fuse:r", "/dev/fuse", "/dev/fuse", "r");
    check("/dev/fuse:/dev/f", "/dev/fuse", "/dev/f", "rwm");
    check("/dev/fuse:/dev/f:rw", "/dev/fuse", "/dev/f", "rw");
    check("/dev/fuse:/dev//x/../f/:m", "/dev/fuse", "/dev/f", "m");

    for (const char* bad : {"", "dev/fuse", "/dev/fuse:rwx", "/dev/fuse:f", "/dev/fuse:", "/dev/fuse:/f:",
                            "/dev/fuse:/f:x", "/dev/fuse:/f:rr", "/a:/b:r:w", ":/f"}) {
        INFO("\"" << bad << "\"");
        CHECK_FALSE(parse_device_option(bad).ok());
    }
}

TEST_CASE("--device: the host's node found; a directory's nodes beneath it; missing is an error", "[devices]") {
    char tmpl[] = "/tmp/skiff-device-option-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    if (::getuid() != 0) {
        WARN("skipped: making device nodes needs root");
        return;
    }
    REQUIRE(::mkdir((dir + "/sub").c_str(), 0755) == 0);
    REQUIRE(::mknod((dir + "/sub/kvm").c_str(), S_IFCHR | 0640, makedev(10, 232)) == 0);
    REQUIRE(::mknod((dir + "/loop").c_str(), S_IFBLK | 0600, makedev(7, 3)) == 0);
    REQUIRE(fs::write_file_atomic(dir + "/plain", "x", fs::Durability::kNoSync).ok());

    auto found = find_devices(options({dir + ":/dev/d:rw", "/dev/null:/dev/n"}));
    INFO((found.ok() ? "" : found.error().message));
    REQUIRE(found.ok());
    REQUIRE(found->size() == 3);
    CHECK((*found)[0].device.path == "/dev/d/loop");
    CHECK((*found)[0].device.type == 'b');
    CHECK((*found)[0].device.major == 7u);
    CHECK((*found)[0].device.minor == 3u);
    CHECK((*found)[0].device.mode == 0600u);
    CHECK((*found)[0].access == "rw");
    CHECK((*found)[1].device.path == "/dev/d/sub/kvm");
    CHECK((*found)[1].device.host_path == dir + "/sub/kvm");
    CHECK((*found)[2].device.path == "/dev/n");
    CHECK((*found)[2].device.major == 1u);
    CHECK((*found)[2].device.minor == 3u);
    CHECK((*found)[2].access == "rwm");

    auto missing = find_devices(options({dir + "/nope"}));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "stat " + dir + "/nope: No such file or directory");
    CHECK_FALSE(find_devices(options({dir + "/plain"})).ok());
    REQUIRE(::mkdir((dir + "/empty").c_str(), 0755) == 0);
    CHECK_FALSE(find_devices(options({dir + "/empty"})).ok());
    (void)fs::remove_all(dir);
}

TEST_CASE("device rules: the defaults, then --device, then --device-cgroup-rule; --privileged all", "[devices]") {
    ContainerConfig o;
    o.device_cgroup_rules = {"c 7:* rwm"};
    HostDevice d{runtime::Device{"/dev/x", "/dev/loop0", 'b', 7, 0, 0660, 0, 6}, "rw"};
    runtime::Spec spec = runtime::default_spec();
    REQUIRE(device_rules_of(o, {d}, spec).ok());
    auto defaults = runtime::default_device_rules();
    REQUIRE(spec.device_rules.size() == defaults.size() + 2);
    CHECK(std::equal(defaults.begin(), defaults.end(), spec.device_rules.begin()));
    CHECK(runtime::to_string(spec.device_rules[defaults.size()]) == "b 7:0 rw");
    CHECK(runtime::to_string(spec.device_rules.back()) == "c 7:* rwm");
    REQUIRE(spec.devices.size() == 1);
    CHECK(spec.devices[0].path == "/dev/x");

    o.privileged = true;
    spec = runtime::default_spec();
    REQUIRE(device_rules_of(o, {d}, spec).ok());
    CHECK(spec.device_rules == runtime::allow_all_device_rules());
    CHECK(spec.devices.size() == 1);

    // A bad rule is refused when the container is configured.
    RunOptions bad;
    bad.device_cgroup_rules = {"c 7:* rwx"};
    CHECK_FALSE(configure(bad, {}).ok());
}
