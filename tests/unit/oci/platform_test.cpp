// Which platform's image a pull takes from an index, and what suits this host.
#include <catch2/catch.hpp>

#include "skiff/oci/platform.hpp"

using namespace skiff;

TEST_CASE("choose_platform picks the host's entry, or the one asked for") {
    oci::Index idx;
    auto entry = [](std::string os, std::string arch, std::string variant, char c) {
        oci::Descriptor d;
        d.media_type = std::string(oci::kMediaTypeImageManifest);
        d.digest = "sha256:" + std::string(64, c);
        d.platform = {os, arch, variant, {}, {}, {}};
        return d;
    };
    idx.manifests = {entry("linux", "arm", "v7", 'a'), entry("linux", "arm64", "v8", 'b'),
                     entry("linux", "amd64", "", 'c'), entry("windows", "amd64", "", 'd'),
                     entry("linux", "arm", "v6", 'e')};
    auto host = oci::choose_platform(idx, {});
    REQUIRE(host.ok());
    CHECK(host->platform.architecture == oci::host_architecture());
    CHECK(oci::choose_platform(idx, {"linux", "arm", "v6"})->digest.back() == 'e');
    CHECK(oci::choose_platform(idx, {"linux", "arm", ""})->digest.back() == 'a');
    CHECK(oci::choose_platform(idx, {"windows", "amd64", ""})->digest.back() == 'd');
    auto none = oci::choose_platform(idx, {"linux", "s390x", ""});
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().message, Catch::Contains("linux/s390x"));
    CHECK_THAT(none.error().message, Catch::Contains("linux/arm64/v8"));

    CHECK(oci::parse_platform("linux/arm64/v8")->variant == "v8");
    CHECK_FALSE(oci::parse_platform("linux").ok());
    CHECK_FALSE(oci::parse_platform("linux/").ok());
    auto four = oci::parse_platform("linux/arm/v7/x");
    REQUIRE_FALSE(four.ok());
    CHECK(four.error().message == "invalid platform \"linux/arm/v7/x\": want os/arch[/variant]");
}

TEST_CASE("choose_platform takes an image manifest only, not a nested index or an artifact") {
    oci::Index idx;
    auto entry = [](std::string media_type, char c) {
        oci::Descriptor d;
        d.media_type = std::move(media_type);
        d.digest = "sha256:" + std::string(64, c);
        d.platform = {"linux", "amd64", "", {}, {}, {}};
        return d;
    };
    idx.manifests = {entry(std::string(oci::kMediaTypeImageIndex), 'a'),
                     entry("application/vnd.example.signature.v1+json", 'b'),
                     entry("", 'c'), entry(std::string(oci::kMediaTypeDockerManifest), 'd')};
    auto got = oci::choose_platform(idx, {"linux", "amd64", ""});
    REQUIRE(got.ok());
    CHECK(got->digest.back() == 'c');
    idx.manifests.erase(idx.manifests.begin() + 2);
    CHECK(oci::choose_platform(idx, {"linux", "amd64", ""})->digest.back() == 'd');
    idx.manifests.pop_back();
    auto none = oci::choose_platform(idx, {"linux", "amd64", ""});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message ==
          "no image found for platform linux/amd64 (the index offers: linux/amd64, linux/amd64)");
    CHECK(oci::choose_platform({}, {"linux", "amd64", ""}).error().message ==
          "no image found for platform linux/amd64 (the index offers: nothing)");
}

TEST_CASE("platform matching") {
    std::string arch = oci::host_architecture();
    CHECK_FALSE(arch.empty());
    CHECK(oci::platform_matches_host({"linux", arch, "", {}, {}, {}}));
    CHECK(oci::platform_matches_host({"", "", "", {}, {}, {}}));
    CHECK_FALSE(oci::platform_matches_host({"windows", arch, "", {}, {}, {}}));
    CHECK_FALSE(oci::platform_matches_host({"linux", arch == "s390x" ? "amd64" : "s390x", "", {}, {}, {}}));
}
