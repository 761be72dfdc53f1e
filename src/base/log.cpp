#include "skiff/base/log.hpp"

#include <time.h>
#include <cctype>
#include <unistd.h>

#include <string>

namespace skiff::log {

static Level g_level = Level::kWarn;

Level level() { return g_level; }
void set_level(Level l) { g_level = l; }

bool parse_level(std::string_view name, Level* out) {
    static constexpr std::pair<std::string_view, Level> kNames[] = {
        {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
        {"warn", Level::kWarn},   {"error", Level::kError}, {"fatal", Level::kFatal},
        {"panic", Level::kPanic},
    };
    for (auto& [n, l] : kNames)
        if (n == name) {
            *out = l;
            return true;
        }
    return false;
}

const char* level_name(Level l) {
    static constexpr const char* kNames[] = {"trace", "debug", "info", "warning", "error", "fatal", "panic"};
    return kNames[static_cast<int>(l)];
}

namespace {

// logrus quotes a value holding anything but letters, digits and -._/@^+, as Go's %q does.
std::string logfmt_value(std::string_view v) {
    bool plain = !v.empty();
    for (unsigned char c : v)
        if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+')) plain = false;
    if (plain) return std::string(v);
    std::string out = "\"";
    for (unsigned char c : v) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) out += fmt::format("\\x{:02x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// Seconds since this process started, for logrus's terminal form ("INFO[0003] …").
long seconds_running() {
    static timespec start = [] {
        timespec t{};
        ::clock_gettime(CLOCK_MONOTONIC, &t);
        return t;
    }();
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long>(now.tv_sec - start.tv_sec);
}

}  // namespace

// podman's lines, logrus's text formatter: on a terminal "WARN[0000] msg"; elsewhere (a script, a
// log file) `time="2026-12-07T17:14:50Z" level=warning msg="…"`.
void write(Level l, std::string_view msg) {
    std::string line;
    if (::isatty(STDERR_FILENO)) {
        static constexpr const char* kTags[] = {"TRAC", "DEBU", "INFO", "WARN", "ERRO", "FATA", "PANI"};
        line = fmt::format("{}[{:04d}] {}\n", kTags[static_cast<int>(l)], seconds_running(), msg);
    } else {
        time_t now = ::time(nullptr);
        struct tm tm{};
        ::localtime_r(&now, &tm);
        char stamp[40];
        ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
        std::string t = stamp;
        // RFC 3339's zone: "Z" for UTC, else "+hh:mm".
        t = t.ends_with("+0000") ? t.substr(0, t.size() - 5) + "Z" : t.substr(0, t.size() - 2) + ":" + t.substr(t.size() - 2);
        line = fmt::format("time=\"{}\" level={} msg={}\n", t, level_name(l), logfmt_value(msg));
    }
    ssize_t r = ::write(STDERR_FILENO, line.data(), line.size());
    (void)r;
}

}  // namespace skiff::log
