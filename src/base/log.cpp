#include "skiff/base/log.hpp"

#include <time.h>
#include <cctype>
#include <unistd.h>

#include <string>

namespace skiff::log {

static Level g_level = Level::kWarn;
static int g_sink = STDERR_FILENO;
static Format g_format = Format::kText;

Level level() { return g_level; }
void set_level(Level l) { g_level = l; }
void set_sink(int fd) { g_sink = fd; }
void set_format(Format f) { g_format = f; }

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

// `v` in double quotes, with quotes, backslashes and control characters escaped; another control
// character as `json` says: JSON's \u00XX, or Go's %q \xXX.
std::string quoted(std::string_view v, bool json) {
    std::string out = "\"";
    for (unsigned char c : v) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) out += json ? fmt::format("\\u{:04x}", c) : fmt::format("\\x{:02x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// logrus quotes a value holding anything but letters, digits and -._/@^+, as Go's %q does.
std::string logfmt_value(std::string_view v) {
    bool plain = !v.empty();
    for (unsigned char c : v)
        if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+')) plain = false;
    return plain ? std::string(v) : quoted(v, false);
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

// Now in local time, RFC 3339 as logrus writes it: "Z" for UTC, else "+hh:mm".
std::string rfc3339_now() {
    time_t now = ::time(nullptr);
    struct tm tm{};
    ::localtime_r(&now, &tm);
    char stamp[40];
    ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
    std::string t = stamp;
    return t.ends_with("+0000") ? t.substr(0, t.size() - 5) + "Z" : t.substr(0, t.size() - 2) + ":" + t.substr(t.size() - 2);
}

}  // namespace

// podman's lines, logrus's text formatter: on a terminal "WARN[0000] msg"; elsewhere (a script, a
// log file) `time="2026-12-07T17:14:50Z" level=warning msg="…"`.
void write(Level l, std::string_view msg) {
    std::string line;
    if (g_format == Format::kText && ::isatty(g_sink)) {
        static constexpr const char* kTags[] = {"TRAC", "DEBU", "INFO", "WARN", "ERRO", "FATA", "PANI"};
        line = fmt::format("{}[{:04d}] {}\n", kTags[static_cast<int>(l)], seconds_running(), msg);
    } else if (g_format == Format::kJson) {
        line = fmt::format("{{\"level\":\"{}\",\"msg\":{},\"time\":\"{}\"}}\n", level_name(l), quoted(msg, true), rfc3339_now());
    } else {
        line = fmt::format("time=\"{}\" level={} msg={}\n", rfc3339_now(), level_name(l), logfmt_value(msg));
    }
    ssize_t r = ::write(g_sink, line.data(), line.size());
    (void)r;
}

}  // namespace skiff::log
