#include "skiff/base/time.hpp"

#include <time.h>

#include <cerrno>

namespace skiff {

int64_t now_ns() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms) {
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000};
    while (::nanosleep(&left, &left) < 0 && errno == EINTR) {
    }
}

}  // namespace skiff
