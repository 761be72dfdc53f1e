// Dockerfile-style changes applied to an image config (`import --change`, later `commit --change`):
// "CMD …", "ENTRYPOINT …", "ENV K=V", "EXPOSE 80", "LABEL k=v", "STOPSIGNAL SIGTERM", "USER u",
// "VOLUME /v", "WORKDIR /w", as "INSTRUCTION VALUE" or "INSTRUCTION=VALUE", as podman accepts them.
#pragma once

#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/oci/image.hpp"

namespace skiff::oci {

// "SIGTERM", "TERM", "15", "RTMIN+3" → the signal's number; "invalid signal: X" otherwise.
Result<int> parse_signal(std::string_view s);

// Errors: `invalid change "…" - <why>`, podman's wording.
Result<void> apply_change(ContainerConfig& config, std::string_view change);

}  // namespace skiff::oci
