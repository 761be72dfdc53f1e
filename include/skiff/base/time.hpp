// The clock and short sleeps, as every module reads and waits on them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"

namespace skiff {

// Nanoseconds since the epoch (CLOCK_REALTIME): the unit of every record's timestamps.
int64_t now_ns();

// RFC 3339 timestamps, as image configs and podman's output carry them ("2026-11-23T21:57:16.48131786Z"):
// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" → nanoseconds since the epoch.
Result<int64_t> parse_rfc3339(std::string_view s);
// Go's RFC3339Nano in UTC: the fraction without trailing zeros, none when zero.
std::string format_rfc3339(int64_t ns);

// Sleep `ms` milliseconds; a signal handled meanwhile does not cut the sleep short.
void sleep_ms(long ms);

}  // namespace skiff
