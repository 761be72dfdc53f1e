#include <catch2/catch.hpp>

#include "skiff/engine/container_config.hpp"
#include "skiff/engine/run.hpp"

using namespace skiff;
using namespace skiff::engine;

TEST_CASE("throttle rates: podman's RAM sizes for the -bps flags, plain counts for the -iops ones") {
    auto rate = [](const std::string& text, bool bytes) -> std::optional<uint64_t> {
        auto r = parse_throttle_devices({"/dev/sda:" + text}, bytes);
        if (!r.ok()) return std::nullopt;
        return r->at(0).rate;
    };
    CHECK(rate("4096", true) == 4096u);
    CHECK(rate("1k", true) == 1024u);
    CHECK(rate("1.5k", true) == 1536u);
    CHECK(rate("1 mb", true) == 1048576u);
    CHECK(rate("1MiB", true) == 1048576u);
    CHECK(rate("2g", true) == 2147483648u);
    CHECK(rate("2B", true) == 2u);
    CHECK_FALSE(rate("1x", true));
    CHECK_FALSE(rate("", true));
    CHECK_FALSE(rate("-1", true));
    CHECK_FALSE(rate("k", true));
    CHECK(rate("1000", false) == 1000u);
    CHECK_FALSE(rate("1k", false));
    CHECK_FALSE(rate("-5", false));
}

TEST_CASE("throttle devices: a device given twice keeps its place and takes the last rate") {
    auto r = parse_throttle_devices({"/dev/sda:1k", "/dev/sdb:2k", "/dev/sda:3k"}, true);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0] == runtime::ThrottleDevice{"/dev/sda", 0, 0, 3072});
    CHECK((*r)[1] == runtime::ThrottleDevice{"/dev/sdb", 0, 0, 2048});
}

TEST_CASE("sysctls: the allowed names, and podman's checks of the form") {
    NamespaceMode private_ipc{NamespaceMode::Kind::kPrivate, {}};
    auto ok = parse_sysctls({"kernel.sem=250 32000 32 128", "net.core.somaxconn=1024", "fs.mqueue.queues_max=9"},
                            NetworkMode::kPrivate, private_ipc);
    REQUIRE(ok.ok());
    CHECK(ok->at("kernel.sem") == "250 32000 32 128");
    CHECK(ok->size() == 3);
    CHECK_FALSE(parse_sysctls({"a=b=c"}, NetworkMode::kPrivate, private_ipc).ok());
    CHECK_FALSE(parse_sysctls({"kernel.pid_max=10"}, NetworkMode::kPrivate, private_ipc).ok());
    CHECK_FALSE(parse_sysctls({"kernel.shmmax"}, NetworkMode::kPrivate, private_ipc).ok());
    CHECK(parse_sysctls({"net.core.somaxconn=1"}, NetworkMode::kNone, private_ipc).ok());
    CHECK_FALSE(parse_sysctls({"net.core.somaxconn=1"}, NetworkMode::kHost, private_ipc).ok());
    CHECK_FALSE(parse_sysctls({"kernel.msgmax=1"}, NetworkMode::kPrivate, NamespaceMode{NamespaceMode::Kind::kHost, {}}).ok());
}

TEST_CASE("label file lines, as podman's reader takes them") {
    auto labels = parse_label_lines({"  # note", "", "\ta=1", "b=x=y", "bare", "PRE*", "c="}, {{"PRE_ONE", "1"}, {"OTHER", "2"}});
    REQUIRE(labels.ok());
    CHECK(*labels == std::map<std::string, std::string>{{"a", "1"}, {"b", "x=y"}, {"PRE_ONE", "1"}, {"c", ""}});
    CHECK_FALSE(parse_label_lines({"=x"}, {}).ok());
    CHECK_FALSE(parse_label_lines({"a b=c"}, {}).ok());
}

TEST_CASE("the record keeps annotations, sysctls, throttles, -P and --init") {
    RunOptions o;
    o.image = "busybox";
    o.annotations = {"k=v"};
    o.sysctls = {"net.ipv4.ip_forward=1"};
    o.device_read_bps = {"/dev/sda:1m"};
    o.device_write_bps = {"/dev/sda:2m"};
    o.device_read_iops = {"/dev/sda:30"};
    o.device_write_iops = {"/dev/sda:40"};
    o.publish_all = true;
    o.init = true;
    o.init_path = "/usr/libexec/init";
    auto c = configure(o, {});
    REQUIRE(c.ok());
    c->resources.read_bps[0].major = 8;
    c->resources.read_bps[0].minor = 1;
    auto back = parse_config(serialize_config(*c));
    REQUIRE(back.ok());
    CHECK(back->annotations == std::map<std::string, std::string>{{"k", "v"}});
    CHECK(back->sysctls == c->sysctls);
    CHECK(back->resources.read_bps == std::vector<runtime::ThrottleDevice>{{"/dev/sda", 8, 1, 1048576}});
    CHECK(back->resources.write_bps == c->resources.write_bps);
    CHECK(back->resources.read_iops == c->resources.read_iops);
    CHECK(back->resources.write_iops == c->resources.write_iops);
    CHECK(back->publish_all);
    CHECK(back->init);
    CHECK(back->init_path == "/usr/libexec/init");
}
