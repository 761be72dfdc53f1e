// A container's metadata from the command line: --annotation and --label-file, parsed as podman
// parses them.
#include <map>
#include <string>
#include <vector>

#include "skiff/base/strings.hpp"
#include "skiff/engine/container_config.hpp"

namespace skiff::engine {

Result<std::map<std::string, std::string>> parse_annotations(const std::vector<std::string>& words) {
    std::map<std::string, std::string> out;
    for (const std::string& w : words) {
        auto eq = w.find('=');
        if (eq == std::string::npos) return make_error("annotations must be formatted KEY=VALUE");
        out[w.substr(0, eq)] = w.substr(eq + 1);
    }
    return out;
}

Result<std::map<std::string, std::string>> parse_label_lines(const std::vector<std::string>& lines,
                                                             const std::map<std::string, std::string>& host_env) {
    constexpr const char* kBlank = " \t";
    std::map<std::string, std::string> out;
    for (const std::string& raw : lines) {
        auto start = raw.find_first_not_of(kBlank);
        if (start == std::string::npos || raw[start] == '#') continue;
        std::string line = raw.substr(start);
        auto eq = line.find('=');
        std::string name = line.substr(0, eq);
        // podman reads label files with its environment file reader, and says so in its errors.
        if (name.empty()) return make_error("invalid environment variable: \"" + line + "\"");
        if (name.find_first_of(kBlank) != std::string::npos)
            return make_error("name \"" + name + "\" has white spaces, poorly formatted name");
        if (eq != std::string::npos) {
            out[name] = line.substr(eq + 1);
        } else if (name.back() == '*') {
            std::string prefix = name.substr(0, name.size() - 1);
            for (auto& [k, v] : host_env)
                if (str::starts_with(k, prefix)) out[k] = v;
        }
        // A bare NAME is nothing to a label (only an environment file looks it up).
    }
    return out;
}

}  // namespace skiff::engine
