// podman's container filters (`ps --filter`): id=, name=, status=, exited=, label=, ancestor=,
// before=, since=, restart-policy=. Several values of one key: any may match (OR); different keys: all must (AND).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/filters.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

class ContainerFilter {
public:
    // "key=value" strings. before= and since= name containers of `store`, looked up now. Errors: an
    // unknown key, a bad value (status not a state, exited not a number, name not a regex, an unknown restart policy).
    static Result<ContainerFilter> parse(const storage::StoreConfig& store, const std::vector<std::string>& specs);

    bool matches(const storage::Container& c) const;
    bool empty() const { return values_.empty(); }
    bool has(const std::string& key) const { return values_.count(key) > 0; }

private:
    bool matches_one(const std::string& key, const std::string& value, const storage::Container& c) const;

    FilterValues values_;
    std::map<std::string, int64_t> reference_times_;  // before=/since= value → that container's creation
};

}  // namespace skiff::engine
