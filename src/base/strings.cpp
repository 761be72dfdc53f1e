#include "skiff/base/strings.hpp"

#include <sys/random.h>

#include <fmt/core.h>

namespace skiff::str {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool is_lower_hex(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string random_hex(size_t bytes) {
    std::string raw(bytes, '\0');
    size_t got = 0;
    while (got < bytes) {
        ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
        if (n > 0) got += static_cast<size_t>(n);
    }
    std::string out;
    for (unsigned char c : raw) out += fmt::format("{:02x}", c);
    return out;
}

std::string human_duration(long long s) {
    if (s < 1) return "Less than a second";
    if (s == 1) return "1 second";
    if (s < 60) return fmt::format("{} seconds", s);
    long long m = s / 60;
    if (m == 1) return "About a minute";
    if (m < 60) return fmt::format("{} minutes", m);
    long long h = (s + 1800) / 3600;
    if (h == 1) return "About an hour";
    if (h < 48) return fmt::format("{} hours", h);
    if (h < 24 * 7 * 2) return fmt::format("{} days", h / 24);
    if (h < 24 * 30 * 2) return fmt::format("{} weeks", h / 24 / 7);
    if (h < 24 * 365 * 2) return fmt::format("{} months", h / 24 / 30);
    return fmt::format("{} years", h / 24 / 365);
}

std::string human_size(unsigned long long b, int digits) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1000.0 && u < 5) {
        v /= 1000.0;
        ++u;
    }
    std::string s = fmt::format("{:.{}g}", v, digits);
    return s + kUnits[u];
}

}  // namespace skiff::str
