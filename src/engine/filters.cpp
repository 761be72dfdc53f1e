#include "skiff/engine/filters.hpp"

#include <algorithm>

#include "skiff/base/strings.hpp"

namespace skiff::engine {

Result<FilterValues> group_filters(const std::vector<std::string>& specs, std::span<const char* const> keys,
                                   std::span<const char* const> may_be_empty) {
    auto listed = [](std::span<const char* const> set, const std::string& k) {
        return std::any_of(set.begin(), set.end(), [&](const char* s) { return k == s; });
    };
    FilterValues out;
    for (auto& spec : specs) {
        auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) return make_error("invalid filter \"" + spec + "\": want KEY=VALUE");
        std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
        if (!listed(keys, key))
            return make_error("invalid filter \"" + key + "\": want one of " +
                              str::join(std::vector<std::string>(keys.begin(), keys.end()), ", "));
        if (value.empty() && !listed(may_be_empty, key))
            return make_error("invalid filter \"" + spec + "\": a value is required");
        out[key].push_back(value);
    }
    return out;
}

bool label_matches(const std::map<std::string, std::string>& labels, const std::string& spec) {
    auto eq = spec.find('=');
    auto it = labels.find(spec.substr(0, eq));
    return it != labels.end() && (eq == std::string::npos || it->second == spec.substr(eq + 1));
}

}  // namespace skiff::engine
