#include "skiff/base/log.hpp"

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

void write(Level l, std::string_view msg) {
    static constexpr const char* kTags[] = {"TRAC", "DEBU", "INFO", "WARN", "ERRO", "FATA", "PANI"};
    std::string line = "time=\"-\" level=";
    line = std::string(kTags[static_cast<int>(l)]) + "[0000] " + std::string(msg) + "\n";
    ssize_t r = ::write(STDERR_FILENO, line.data(), line.size());
    (void)r;
}

}  // namespace skiff::log
