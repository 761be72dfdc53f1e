#include <catch2/catch.hpp>

#include "skiff/oci/image.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/base/time.hpp"

using namespace skiff;

TEST_CASE("an image config survives a round trip") {
    oci::ImageConfig c;
    c.created = "2026-11-23T21:57:16.48131786Z";
    c.author = "me";
    c.architecture = "arm64";
    c.os = "linux";
    c.variant = "v8";
    c.config.user = "1000:1000";
    c.config.env = {"PATH=/bin", "A=b c"};
    c.config.entrypoint = std::vector<std::string>{};
    c.config.cmd = std::vector<std::string>{"sh", "-c", "echo \"hi\""};
    c.config.working_dir = "/w";
    c.config.labels = {{"k", "v"}, {"x", "\u00e9"}};
    c.config.stop_signal = "SIGINT";
    c.config.exposed_ports = {"80/tcp", "53/udp"};
    c.config.volumes = {"/data"};
    c.diff_ids = {"sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b')};
    c.history = {{"2026-01-01T00:00:00Z", "/bin/sh -c x", "a", "c", false}, {"", "ENV", "", "", true}};
    std::string json = oci::serialize_image_config(c);
    auto back = oci::parse_image_config(json);
    REQUIRE(back.ok());
    CHECK(back->created == c.created);
    CHECK(back->author == "me");
    CHECK(back->architecture == "arm64");
    CHECK(back->variant == "v8");
    CHECK(back->config.user == c.config.user);
    CHECK(back->config.env == c.config.env);
    REQUIRE(back->config.entrypoint.has_value());
    CHECK(back->config.entrypoint->empty());
    CHECK(back->config.cmd == c.config.cmd);
    CHECK(back->config.working_dir == "/w");
    CHECK(back->config.labels == c.config.labels);
    CHECK(back->config.stop_signal == "SIGINT");
    CHECK(back->config.exposed_ports.size() == 2);
    CHECK(back->config.volumes == std::vector<std::string>{"/data"});
    CHECK(back->diff_ids == c.diff_ids);
    REQUIRE(back->history.size() == 2);
    CHECK(back->history[0].created_by == "/bin/sh -c x");
    CHECK(back->history[1].empty_layer);
    CHECK(oci::serialize_image_config(*back) == json);
}

TEST_CASE("an unset entrypoint stays unset, and empty fields are left out") {
    oci::ImageConfig c;
    c.architecture = "amd64";
    c.os = "linux";
    std::string json = oci::serialize_image_config(c);
    CHECK(json == R"({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}})");
    auto back = oci::parse_image_config(json);
    REQUIRE(back.ok());
    CHECK_FALSE(back->config.entrypoint.has_value());
    CHECK_FALSE(back->config.cmd.has_value());
}

TEST_CASE("docker's image JSON parses, unknown fields ignored") {
    const char* docker = R"({
      "architecture": "amd64", "os": "linux", "docker_version": "20.10", "id": "ignored",
      "container_config": {"Cmd": ["ignored"]},
      "config": {"Hostname": "", "Env": ["PATH=/usr/bin"], "Cmd": ["/bin/sh"], "Entrypoint": null,
                 "Image": "sha256:x", "OnBuild": null, "Labels": null, "ExposedPorts": {"8080/tcp": {}}},
      "created": "2023-05-01T10:00:00.123Z",
      "rootfs": {"type": "layers", "diff_ids": ["sha256:0000000000000000000000000000000000000000000000000000000000000000"]},
      "history": [{"created": "2023-05-01T10:00:00Z", "created_by": "ADD x", "empty_layer": true}]
    })";
    auto c = oci::parse_image_config(docker);
    REQUIRE(c.ok());
    CHECK(c->config.env == std::vector<std::string>{"PATH=/usr/bin"});
    CHECK(c->config.cmd == std::vector<std::string>{"/bin/sh"});
    CHECK_FALSE(c->config.entrypoint.has_value());
    CHECK(c->config.exposed_ports == std::vector<std::string>{"8080/tcp"});
    CHECK(c->diff_ids.size() == 1);
    CHECK(c->history[0].empty_layer);
}

TEST_CASE("broken image configs are refused") {
    CHECK_FALSE(oci::parse_image_config("not json").ok());
    CHECK_FALSE(oci::parse_image_config("[]").ok());
    CHECK_FALSE(oci::parse_image_config(R"({"rootfs": {"type": "layers", "diff_ids": ["sha256:short"]}})").ok());
    CHECK_FALSE(oci::parse_image_config(R"({"rootfs": {"type": "other", "diff_ids": []}})").ok());
    CHECK(oci::parse_image_config("{}").ok());
}

TEST_CASE("manifests, indexes and docker-archive manifests parse") {
    std::string d1 = "sha256:" + std::string(64, '1'), d2 = "sha256:" + std::string(64, '2');
    std::string m = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                    d1 + R"(","size":7},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" + d2 +
                    R"(","size":9}]})";
    auto man = oci::parse_manifest(m);
    REQUIRE(man.ok());
    CHECK(man->config.digest == d1);
    CHECK(man->config.size == 7);
    REQUIRE(man->layers.size() == 1);
    CHECK(man->layers[0].media_type == oci::kMediaTypeLayerGzip);
    CHECK(oci::serialize_manifest(*man) == m);
    CHECK_FALSE(oci::parse_manifest(R"({"schemaVersion":1})").ok());

    std::string idx = R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                      d1 + R"(","size":3,"annotations":{"org.opencontainers.image.ref.name":"x:1"},"platform":{"os":"linux","architecture":"amd64"}}]})";
    auto index = oci::parse_index(idx);
    REQUIRE(index.ok());
    REQUIRE(index->manifests.size() == 1);
    CHECK(index->manifests[0].annotations.at(std::string(oci::kAnnotationRefName)) == "x:1");
    CHECK(index->manifests[0].platform.architecture == "amd64");

    auto da = oci::parse_docker_archive_manifest(
        R"([{"Config":"c.json","RepoTags":["localhost/a:latest"],"Layers":["l1.tar","x/layer.tar"]},{"Config":"d.json","RepoTags":null,"Layers":[]}])");
    REQUIRE(da.ok());
    REQUIRE(da->size() == 2);
    CHECK((*da)[0].layers == std::vector<std::string>{"l1.tar", "x/layer.tar"});
    CHECK((*da)[1].repo_tags.empty());
    CHECK_FALSE(oci::parse_docker_archive_manifest("{}").ok());
}

TEST_CASE("RFC 3339 times parse and format as Go does") {
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z").value() == 0);
    CHECK(parse_rfc3339("2026-11-23T21:57:16.48131786Z").value() == 1795471036481317860LL);
    CHECK(parse_rfc3339("1970-01-01T01:00:00+01:00").value() == 0);
    CHECK(parse_rfc3339("1970-01-01T00:00:01.5-00:30").value() == 1801500000000LL);
    CHECK_FALSE(parse_rfc3339("2026-11-23").ok());
    CHECK_FALSE(parse_rfc3339("2026-11-23T21:57:16").ok());
    CHECK(format_rfc3339(1795471036481317860LL) == "2026-11-23T21:57:16.48131786Z");
    CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
}
