// podman's image filters (`images --filter`, `image prune --filter`): after= (since=), before=,
// containers=, dangling=, id=, intermediate=, label=, manifest=, readonly=, reference=, until=, each
// also as KEY!=VALUE (negated). Several values of one key: any may match (OR); different keys: all
// must (AND).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

class ImageFilter {
public:
    // "key=value" or "key!=value" strings as the user gave them. after=/since=/before= name images of
    // `store`, looked up now; until= is a time or a duration before now. Errors, in podman's words:
    // an unknown key, a value that is not valid for its key.
    static Result<ImageFilter> parse(const storage::StoreConfig& store, const std::vector<std::string>& specs);

    bool matches(const storage::ImageRecord& img) const;
    bool empty() const { return groups_.empty(); }

    // One parsed filter; `time_ns` is the point in time after=/before=/until= compare with.
    struct One {
        std::string key, value;
        bool negate = false;
        bool flag = false;  // a boolean filter's value
        int64_t time_ns = 0;
    };

private:
    bool matches_one(const One& f, const storage::ImageRecord& img) const;

    storage::StoreConfig store_;
    std::map<std::string, std::vector<One>> groups_;  // "after" is grouped as "since", as podman does
    std::map<std::string, std::string> parents_;      // intermediate=: image id → whether it has a child
};

// Does a glob `pattern` (podman's reference filter: * does not cross '/') match one of the image's
// names, with or without its tag, or without the implied "localhost/" or "docker.io/library/"?
bool reference_matches(const std::string& pattern, const storage::ImageRecord& img);

}  // namespace skiff::engine
