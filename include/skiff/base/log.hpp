// Logging to stderr at the level set by --log-level. User-facing errors go through cli, not here.
#pragma once

#include <string_view>

#include <fmt/core.h>

namespace skiff::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kFatal, kPanic };
// logrus's text lines, or its JSON ones ({"level":…,"msg":…,"time":…}, as runc's --log-format json).
enum class Format { kText, kJson };

Level level();
void set_level(Level l);
bool parse_level(std::string_view name, Level* out);
// logrus's name of a level: "trace", "debug", "info", "warning", …
const char* level_name(Level l);
void write(Level l, std::string_view msg);
// Where the lines go (default stderr, whose lines on a terminal are logrus's short ones), and in
// which format: the runtime's --runtime-flag log=PATH and log-format.
void set_sink(int fd);
void set_format(Format f);

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::kTrace) write(Level::kTrace, fmt::format(f, std::forward<Args>(args)...));
}

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace skiff::log
