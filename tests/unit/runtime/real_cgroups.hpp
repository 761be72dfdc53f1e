// For tests that need this host's real cgroups: root, and cgroup2 at /sys/fs/cgroup/unified (the
// hybrid layout of the test machine; its v1 controllers beside it).
#pragma once

#include <catch2/catch.hpp>

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

// True (with a warning) when the test cannot run here.
inline bool skip_without_real_host() {
    struct statfs st;
    if (::getuid() == 0 && ::statfs("/sys/fs/cgroup/unified", &st) == 0 &&
        static_cast<long>(st.f_type) == CGROUP2_SUPER_MAGIC)
        return false;
    WARN("skipped: needs root and a cgroup2 mount at /sys/fs/cgroup/unified");
    return true;
}
