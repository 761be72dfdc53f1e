// --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops: DEVICE:RATE
// parsed as podman parses them, and the devices' numbers found as podman finds them at create.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/container_config.hpp"

namespace skiff::engine {

namespace {

// A size as podman's units library reads a RAM size: digits (a fraction allowed), an optional
// space, then an optional unit k, m, g, t or p (1024-based), optionally followed by i and b.
std::optional<uint64_t> ram_in_bytes(const std::string& s) {
    size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == 0) return std::nullopt;
    while (i < s.size() && s[i] == '.') {  // "1.5", also "1.2.3" as its pattern allows
        size_t d = ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == d) return std::nullopt;
    }
    double number = std::strtod(s.substr(0, i).c_str(), nullptr);
    if (i < s.size() && s[i] == ' ') ++i;
    double mult = 1;
    if (i < s.size()) {
        const std::string kUnits = "kmgtp";
        auto u = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
        if (u != std::string::npos) {
            mult = std::pow(1024.0, static_cast<double>(u + 1));
            ++i;
        }
    }
    if (i < s.size() && (s[i] == 'i' || s[i] == 'I')) ++i;
    if (i < s.size() && (s[i] == 'b' || s[i] == 'B')) ++i;
    if (i != s.size()) return std::nullopt;
    return static_cast<uint64_t>(number * mult);
}

std::optional<uint64_t> plain_count(const std::string& s) {
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    return static_cast<uint64_t>(v);
}

}  // namespace

Result<std::vector<runtime::ThrottleDevice>> parse_throttle_devices(const std::vector<std::string>& words, bool bytes) {
    std::vector<runtime::ThrottleDevice> out;
    for (const std::string& w : words) {
        auto colon = w.find(':');
        if (colon == std::string::npos) return make_error("bad format: " + w);
        std::string path = w.substr(0, colon);
        if (!str::starts_with(path, "/dev/")) return make_error("bad format for device path: " + w);
        auto rate = bytes ? ram_in_bytes(w.substr(colon + 1)) : plain_count(w.substr(colon + 1));
        if (!rate && bytes)
            return make_error("invalid rate for device: " + w +
                              ". The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. "
                              "Unit is optional and can be kb, mb, or gb");
        if (!rate)
            return make_error("invalid rate for device: " + w +
                              ". The correct format is <device-path>:<number>. Number must be a positive integer");
        // As podman's map of them: a device given twice keeps its place and takes the last rate.
        auto same = std::find_if(out.begin(), out.end(), [&](const runtime::ThrottleDevice& d) { return d.path == path; });
        if (same != out.end()) same->rate = *rate;
        else out.push_back({path, 0, 0, *rate});
    }
    return out;
}

Result<void> resolve_throttle_devices(runtime::Resources& resources) {
    for (auto* list : {&resources.read_bps, &resources.write_bps, &resources.read_iops, &resources.write_iops})
        for (runtime::ThrottleDevice& d : *list) {
            struct stat st;
            if (::stat(d.path.c_str(), &st) < 0) {
                std::string why = std::strerror(errno);
                if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
                return make_error("could not parse throttle device at " + d.path + ": " + why);
            }
            d.major = ::major(st.st_rdev);
            d.minor = ::minor(st.st_rdev);
        }
    return {};
}

}  // namespace skiff::engine
