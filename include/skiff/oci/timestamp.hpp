// RFC 3339 timestamps as image configs carry them ("2026-11-23T21:57:16.48131786Z").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"

namespace skiff::oci {

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" → nanoseconds since the epoch.
Result<int64_t> parse_rfc3339(std::string_view s);

// Go's RFC3339Nano in UTC: the fraction without trailing zeros, none when zero.
std::string format_rfc3339(int64_t ns);

}  // namespace skiff::oci
