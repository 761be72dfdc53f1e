// The clock and short sleeps, as every module reads and waits on them.
#pragma once

#include <cstdint>

namespace skiff {

// Nanoseconds since the epoch (CLOCK_REALTIME): the unit of every record's timestamps.
int64_t now_ns();

// Sleep `ms` milliseconds; a signal handled meanwhile does not cut the sleep short.
void sleep_ms(long ms);

}  // namespace skiff
