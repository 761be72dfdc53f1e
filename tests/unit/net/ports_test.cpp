#include <catch2/catch.hpp>

#include "skiff/net/ports.hpp"

using skiff::net::ExposedPort;
using skiff::net::PortMapping;

namespace {

std::vector<PortMapping> publish(const char* s) {
    auto r = skiff::net::parse_publish(s);
    INFO(s << ": " << (r.ok() ? "" : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

std::string publish_error(const char* s) {
    auto r = skiff::net::parse_publish(s);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("parse_publish: podman's forms") {
    CHECK(publish("80") == std::vector<PortMapping>{{"", 0, 80, "tcp"}});
    CHECK(publish("8080:80") == std::vector<PortMapping>{{"", 8080, 80, "tcp"}});
    CHECK(publish("127.0.0.1:8080:80/udp") == std::vector<PortMapping>{{"127.0.0.1", 8080, 80, "udp"}});
    CHECK(publish("127.0.0.1::80") == std::vector<PortMapping>{{"127.0.0.1", 0, 80, "tcp"}});
    CHECK(publish("0.0.0.0:8080:80") == std::vector<PortMapping>{{"", 8080, 80, "tcp"}});
    CHECK(publish("[::1]:8080:80") == std::vector<PortMapping>{{"::1", 8080, 80, "tcp"}});
    CHECK(publish("8080-8081:80-81") == std::vector<PortMapping>{{"", 8080, 80, "tcp"}, {"", 8081, 81, "tcp"}});
    CHECK(publish("80-81") == std::vector<PortMapping>{{"", 0, 80, "tcp"}, {"", 0, 81, "tcp"}});
    CHECK(publish("53:53/tcp,UDP") == std::vector<PortMapping>{{"", 53, 53, "tcp"}, {"", 53, 53, "udp"}});
    CHECK(publish("0:80") == std::vector<PortMapping>{{"", 0, 80, "tcp"}});
}

TEST_CASE("parse_publish: bad mappings name what is wrong") {
    CHECK_THAT(publish_error("abc"), Catch::Contains("invalid port \"abc\""));
    CHECK_THAT(publish_error("70000:80"), Catch::Contains("70000"));
    CHECK_THAT(publish_error("8080:0"), Catch::Contains("invalid port \"0\""));
    CHECK_THAT(publish_error("80/sctp"), Catch::Contains("sctp"));
    CHECK_THAT(publish_error("80/icmp"), Catch::Contains("invalid protocol \"icmp\""));
    CHECK_THAT(publish_error("8080-8081:80"), Catch::Contains("differ in length"));
    CHECK_THAT(publish_error("0:80-81"), Catch::Contains("host port 0"));
    CHECK_THAT(publish_error("65535-65536:80-81"), Catch::Contains("65536"));
    CHECK_THAT(publish_error("1.2.3.400:80:80"), Catch::Contains("invalid IP address"));
    CHECK_THAT(publish_error("[::1]80"), Catch::Contains("[IPv6]"));
    CHECK_THAT(publish_error("[::1]:80"), Catch::Contains("[IPv6]"));
    CHECK_THAT(publish_error("9-7:80"), Catch::Contains("end is below its start"));
    CHECK_THAT(publish_error("1:2:3:4"), Catch::Contains("want [[IP:]"));
    CHECK_THAT(publish_error("8080:"), Catch::Contains("no container port"));
}

TEST_CASE("parse_expose") {
    auto r = skiff::net::parse_expose("8000-8002/udp");
    REQUIRE(r.ok());
    CHECK(*r == std::vector<ExposedPort>{{8000, "udp"}, {8001, "udp"}, {8002, "udp"}});
    CHECK_FALSE(skiff::net::parse_expose("").ok());
    CHECK_FALSE(skiff::net::parse_expose("0").ok());
    CHECK_FALSE(skiff::net::parse_expose("80/bogus").ok());
}

TEST_CASE("resolve_ports: -P adds the exposed ports not published; free host ports are chosen") {
    std::vector<PortMapping> given{{"", 8080, 80, "tcp"}, {"127.0.0.1", 0, 443, "tcp"}};
    auto r = skiff::net::resolve_ports(given, {{80, "tcp"}, {53, "udp"}}, true);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK((*r)[0] == PortMapping{"", 8080, 80, "tcp"});
    CHECK((*r)[1].host_ip == "127.0.0.1");
    CHECK((*r)[1].host_port != 0);
    CHECK((*r)[2].container_port == 53);
    CHECK((*r)[2].protocol == "udp");
    CHECK((*r)[2].host_port != 0);

    auto same = skiff::net::resolve_ports(given, {{53, "udp"}}, false);
    REQUIRE(same.ok());
    CHECK(same->size() == 2);  // without -P, exposed ports are not published

    auto twice = skiff::net::resolve_ports({{"", 8080, 80, "tcp"}, {"", 8080, 81, "tcp"}}, {}, false);
    REQUIRE_FALSE(twice.ok());
    CHECK_THAT(twice.error().message, Catch::Contains("0.0.0.0:8080/tcp is published twice"));
    // One host port for two protocols is two sockets, not a clash.
    CHECK(skiff::net::resolve_ports({{"", 8080, 80, "tcp"}, {"", 8080, 80, "udp"}}, {}, false).ok());
}

TEST_CASE("format_ports folds consecutive ports into ranges, as podman's PORTS column") {
    std::vector<PortMapping> ports{{"", 8081, 81, "tcp"}, {"", 8080, 80, "tcp"}, {"", 9000, 53, "udp"},
                                   {"::1", 7000, 70, "tcp"}, {"", 8083, 83, "tcp"}};
    CHECK(skiff::net::format_ports(ports) ==
          "0.0.0.0:8080-8081->80-81/tcp, 0.0.0.0:8083->83/tcp, 0.0.0.0:9000->53/udp, [::1]:7000->70/tcp");
    CHECK(skiff::net::format_ports({}) == "");
    CHECK(skiff::net::host_address({"", 8080, 80, "tcp"}) == "0.0.0.0:8080");
}
