#include <catch2/catch.hpp>

#include "skiff/oci/image_change.hpp"

using namespace skiff;

namespace {

oci::ContainerConfig apply(std::initializer_list<const char*> changes) {
    oci::ContainerConfig c;
    for (auto* ch : changes) {
        auto r = oci::apply_change(c, ch);
        INFO(ch);
        REQUIRE(r.ok());
    }
    return c;
}

std::string error_of(const char* change) {
    oci::ContainerConfig c;
    auto r = oci::apply_change(c, change);
    return r.ok() ? "ok" : r.error().message;
}

}  // namespace

TEST_CASE("changes in both the Dockerfile and the KEY=VALUE form") {
    auto c = apply({"CMD=/bin/sh", "ENTRYPOINT [\"/bin/echo\",\"x\"]", "ENV=A=b", "ENV B 2", "ENV A=c d", "WORKDIR=/tmp",
                    "WORKDIR sub", "USER=1000:1000", "EXPOSE 80", "EXPOSE 53/udp 80", "LABEL=k=v", "LABEL \"q\"=\"w\"",
                    "VOLUME=/data", "VOLUME [\"/v1\",\"/data\"]", "STOPSIGNAL=SIGINT", "onbuild RUN x", "cmd ls -l"});
    CHECK(c.cmd == std::vector<std::string>{"/bin/sh", "-c", "ls -l"});
    CHECK(c.entrypoint == std::vector<std::string>{"/bin/echo", "x"});
    CHECK(c.env == std::vector<std::string>{"A=c d", "B=2"});
    CHECK(c.working_dir == "/tmp/sub");
    CHECK(c.user == "1000:1000");
    CHECK(c.exposed_ports == std::vector<std::string>{"80/tcp", "53/udp"});
    CHECK(c.labels == std::map<std::string, std::string>{{"k", "v"}, {"q", "w"}});
    CHECK(c.volumes == std::vector<std::string>{"/data", "/v1"});
    CHECK(c.stop_signal == "2");
    CHECK(apply({"STOPSIGNAL TERM"}).stop_signal == "15");
    CHECK(apply({"STOPSIGNAL 9"}).stop_signal == "9");
    CHECK(apply({"ENTRYPOINT="}).entrypoint == std::vector<std::string>{});
}

TEST_CASE("bad changes are refused in podman's words") {
    CHECK(error_of("FOO=bar") == "invalid change \"FOO=bar\" - invalid instruction FOO");
    CHECK(error_of("CMD") == "invalid change \"CMD\" - must be formatted as KEY VALUE");
    CHECK(error_of("EXPOSE abc").find("EXPOSE port must be an integer") != std::string::npos);
    CHECK(error_of("EXPOSE 70000").find("EXPOSE port") != std::string::npos);
    CHECK(error_of("EXPOSE 80/icmp").find("protocol") != std::string::npos);
    CHECK(error_of("STOPSIGNAL FOO").find("valid signal") != std::string::npos);
    CHECK(error_of("LABEL novalue").find("key=value") != std::string::npos);
    CHECK(error_of("VOLUME relative").find("absolute") != std::string::npos);
}
