// The host's platform in OCI/Go terms ("amd64", "arm64", …), for new image configs and for choosing
// an image from an index.
#pragma once

#include <string>

#include "skiff/oci/manifest.hpp"

namespace skiff::oci {

std::string host_architecture();  // GOARCH of this machine
std::string host_variant();       // "v8" on arm64, "v7" on 32-bit arm, else empty

// True when an index entry's platform suits this host (os linux, same architecture).
bool platform_matches_host(const Platform& p);

}  // namespace skiff::oci
