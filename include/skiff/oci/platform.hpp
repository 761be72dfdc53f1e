// The host's platform in OCI/Go terms ("amd64", "arm64", …), for new image configs, and the choice
// of a platform's image from an index.
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/oci/manifest.hpp"

namespace skiff::oci {

std::string host_architecture();  // GOARCH of this machine
std::string host_variant();       // "v8" on arm64, "v7" on 32-bit arm, else empty

// True when an index entry's platform suits this host (os linux, same architecture).
bool platform_matches_host(const Platform& p);

// The platform a pull asks for (--platform).
struct PlatformChoice {
    std::string os;            // empty: the host's (linux)
    std::string architecture;  // empty: the host's
    std::string variant;       // empty: any (the host's preferred first)
};

// "os/arch[/variant]" as --platform takes it.
Result<PlatformChoice> parse_platform(std::string_view s);

// The entry of an index for the platform wanted (an image manifest, not a nested index or an
// artifact); an error listing what the index offers otherwise.
Result<Descriptor> choose_platform(const Index& index, const PlatformChoice& want);

}  // namespace skiff::oci
