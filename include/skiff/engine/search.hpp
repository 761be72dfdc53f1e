// search: the repositories of registries whose names hold a term (Docker's v1 search where a
// registry answers it, else the registry's v2 catalog), or the tags of one repository, with
// podman's rules for which registries are asked, limits and filters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/registry.hpp"

namespace skiff::engine {

inline constexpr int kSearchDefaultLimit = 25;
inline constexpr size_t kSearchDescriptionWidth = 44;  // a longer description is cut, and "..." added

// --filter stars=N, is-official[=BOOL], is-automated[=BOOL].
struct SearchFilter {
    int min_stars = 0;
    std::optional<bool> official;
    std::optional<bool> automated;
};
Result<SearchFilter> parse_search_filters(const std::vector<std::string>& filters);

struct SearchOptions {
    int limit = 0;           // per registry; 0: kSearchDefaultLimit
    bool list_tags = false;  // the term names one repository: its tags
    bool no_trunc = false;   // descriptions whole
    SearchFilter filter;
    oci::RegistryAccess access;
};

struct SearchResult {
    std::string index;  // the registry asked
    std::string name;   // "registry/repository"
    std::string description;
    int stars = 0;
    bool official = false;
    bool automated = false;
    std::string tag;  // with list_tags
};

// "REGISTRY/TERM" asks that registry (an empty TERM lists its catalog); a TERM without "/" asks
// every unqualified-search registry of registries.conf, in order. A registry that cannot be asked
// is an error only when no other gave results.
Result<std::vector<SearchResult>> search(const std::string& term, const SearchOptions& opts);

}  // namespace skiff::engine
