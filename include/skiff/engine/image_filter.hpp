// podman's image filters (`images --filter`, `image prune --filter`): dangling=, reference=, label=,
// before=, since=, id=. Several values of one key: any may match (OR); different keys: all must (AND).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/filters.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

class ImageFilter {
public:
    // "key=value" strings as the user gave them. before= and since= name images of `store`, looked
    // up now. Errors: an unknown key, a value that is not valid for its key.
    static Result<ImageFilter> parse(const storage::StoreConfig& store, const std::vector<std::string>& specs);

    bool matches(const storage::ImageRecord& img) const;
    bool empty() const { return values_.empty(); }

private:
    bool matches_one(const std::string& key, const std::string& value, const storage::ImageRecord& img) const;

    FilterValues values_;
    std::map<std::string, int64_t> reference_times_;  // before=/since= value → that image's creation time
};

// Does a glob `pattern` (podman's reference filter: * does not cross '/') match one of the image's
// names, with or without its tag, or without the implied "localhost/" or "docker.io/library/"?
bool reference_matches(const std::string& pattern, const storage::ImageRecord& img);

}  // namespace skiff::engine
