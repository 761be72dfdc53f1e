// --ulimit and --oom-score-adj: parsed by podman's names, applied to the container's init from skiff.
#include "skiff/runtime/rlimits.hpp"

#include <fcntl.h>
#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>

#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

using Resource = __rlimit_resource;  // glibc's type for RLIMIT_*, which prlimit takes in C++

struct Named {
    const char* name;
    Resource resource;
};

constexpr Named kLimits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

std::optional<Resource> resource_of(std::string_view name) {
    for (const Named& n : kLimits)
        if (name == n.name) return n.resource;
    return std::nullopt;
}

std::optional<uint64_t> limit_value(std::string_view v) {
    if (v == "-1" || v == "unlimited") return RLIM_INFINITY;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
    return n;
}

std::string show(uint64_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

Result<Rlimit> parse_ulimit(std::string_view text) {
    std::string t(text);
    auto bad = [&](const std::string& why) { return make_error("invalid --ulimit \"" + t + "\": " + why); };
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) return bad("want TYPE=SOFT[:HARD], such as nofile=1024:2048");
    Rlimit r;
    r.name = std::string(text.substr(0, eq));
    if (!resource_of(r.name)) return bad("unknown limit type \"" + r.name + "\"");
    std::string_view values = text.substr(eq + 1);
    size_t colon = values.find(':');
    auto soft = limit_value(values.substr(0, colon));
    auto hard = colon == std::string_view::npos ? soft : limit_value(values.substr(colon + 1));
    if (!soft || !hard) return bad("limits are numbers, -1 or unlimited");
    if (*soft > *hard) return bad("the soft limit " + show(*soft) + " is above the hard limit " + show(*hard));
    r.soft = *soft;
    r.hard = *hard;
    return r;
}

Result<void> apply_rlimits(pid_t pid, const std::vector<Rlimit>& limits) {
    for (const Rlimit& l : limits) {
        auto resource = resource_of(l.name);
        if (!resource) return make_error("unknown limit type \"" + l.name + "\"");
        struct rlimit want = {l.soft, l.hard}, old = {};
        if (::prlimit(pid, *resource, nullptr, &old) < 0) return sys_error("read the limits of process " + std::to_string(pid));
        if (::prlimit(pid, *resource, &want, nullptr) == 0) continue;
        int err = errno;
        std::string what = "--ulimit " + l.name + "=" + show(l.soft) + ":" + show(l.hard);
        if (err == EPERM && l.hard > old.rlim_max)
            return make_error(what + ": above the hard limit " + show(old.rlim_max) +
                              ", which only a holder of CAP_SYS_RESOURCE may raise");
        return sys_error(what, err);
    }
    return {};
}

Result<void> set_oom_score_adj(pid_t pid, int adj) {
    if (adj < -1000 || adj > 1000) return make_error("--oom-score-adj " + std::to_string(adj) + ": must be -1000 to 1000");
    std::string path = pid == 0 ? "/proc/self/oom_score_adj" : "/proc/" + std::to_string(pid) + "/oom_score_adj";
    auto fd = TRY(sys::open(path, O_WRONLY));
    std::string value = std::to_string(adj);
    auto written = sys::write_all(fd.get(), value);
    if (!written.ok()) {
        int err = written.error().code;
        if (err == EACCES || err == EPERM)
            return make_error("--oom-score-adj " + value + ": lowering it below skiff's own needs CAP_SYS_RESOURCE");
        return sys_error("write " + value + " to " + path, err);
    }
    return {};
}

}  // namespace skiff::runtime
