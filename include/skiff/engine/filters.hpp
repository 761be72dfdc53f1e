// What podman's --filter options share: "key=value" strings grouped by key, where several values of
// one key match when any does (OR) and different keys must all match (AND).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::engine {

using FilterValues = std::map<std::string, std::vector<std::string>>;

// Errors: no "=", a key not in `keys`, an empty value (allowed for the keys in `may_be_empty`).
Result<FilterValues> group_filters(const std::vector<std::string>& specs, std::span<const char* const> keys,
                                   std::span<const char* const> may_be_empty = {});

// A label= filter's value, KEY or KEY=VALUE, against an object's labels.
bool label_matches(const std::map<std::string, std::string>& labels, const std::string& spec);

// AND across keys, OR within one: `one(key, value)` says whether one value matches.
template <class One>
bool filters_match(const FilterValues& values, One&& one) {
    for (auto& [key, list] : values) {
        bool any = false;
        for (auto& v : list) any = any || one(key, v);
        if (!any) return false;
    }
    return true;
}

}  // namespace skiff::engine
