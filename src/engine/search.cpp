// search over the oci registry client: v1 search, the v2 catalog, tag lists.
#include "skiff/engine/search.hpp"

#include <algorithm>
#include <cstdlib>

#include "skiff/base/strings.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/oci/registries_conf.hpp"

namespace skiff::engine {

Result<SearchFilter> parse_search_filters(const std::vector<std::string>& filters) {
    SearchFilter f;
    for (const std::string& item : filters) {
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq);
        std::optional<std::string> value;
        if (eq != std::string::npos) value = item.substr(eq + 1);
        if (key == "stars") {
            if (!value) return make_error("invalid filter \"" + item + "\", should be stars=<value>");
            char* end = nullptr;
            long n = std::strtol(value->c_str(), &end, 10);
            if (value->empty() || *end || n < 0 || n > 1000000000)
                return make_error("incorrect value type for stars filter: strconv.Atoi: parsing \"" + *value +
                                  "\": invalid syntax");
            f.min_stars = static_cast<int>(n);
        } else if (key == "is-official") {
            f.official = value != "false";
        } else if (key == "is-automated") {
            f.automated = value != "false";
        } else {
            return make_error("invalid filter type \"" + item + "\"");
        }
    }
    return f;
}

namespace {

// What a registry's search found, before limits and filters: the name on the registry and what
// v1 search says of it.
using Hits = std::vector<oci::SearchHit>;

// A registry whose catalog links pages in a loop is asked no further than this.
constexpr int kMaxCatalogPages = 1000;

Result<std::unique_ptr<oci::Registry>> open(oci::http::Client& client, const oci::RegistriesConf& conf,
                                            const std::string& registry, const std::string& repository,
                                            const oci::RegistryAccess& access) {
    oci::RegistryTarget t = TRY(oci::registry_target(conf, registry, repository, access));
    return std::make_unique<oci::Registry>(client, t.options, t.repository);
}

// podman's order: v1 search when there is a term and the registry answers it; else the catalog's
// names holding the term, page after page until `limit` are found, an exact match first.
Result<Hits> find(oci::Registry& reg, const std::string& registry, const std::string& term, int limit) {
    if (!term.empty())
        if (auto v1 = TRY(reg.v1_search(term, limit))) return std::move(*v1);
    Hits hits;
    std::string next;
    for (int page = 0; static_cast<int>(hits.size()) < limit; ++page) {
        auto got = reg.catalog(next);
        if (!got) return make_error("couldn't search registry \"" + registry + "\": " + got.error().message);
        for (std::string& repo : got->repositories) {
            if (static_cast<int>(hits.size()) == limit) break;
            if (repo.find(term) == std::string::npos) continue;
            oci::SearchHit h;
            h.name = std::move(repo);
            if (h.name == term) hits.insert(hits.begin(), std::move(h));
            else hits.push_back(std::move(h));
        }
        if (got->next.empty() || page == kMaxCatalogPages) break;
        next = std::move(got->next);
    }
    return hits;
}

// The index podman shows: the registry's last two domain labels ("registry.fedoraproject.org" →
// "fedoraproject.org"), which decides whether Docker Hub's "library/" rule applies.
std::string index_of(const std::string& registry) {
    auto parts = str::split(registry, '.');
    if (parts.size() <= 2) return registry;
    return parts[parts.size() - 2] + "." + parts.back();
}

bool wanted(const SearchFilter& f, const oci::SearchHit& h) {
    if (h.stars < f.min_stars) return false;
    if (f.official && *f.official != h.official) return false;
    if (f.automated && *f.automated != h.automated) return false;
    return true;
}

Result<std::vector<SearchResult>> search_registry(oci::http::Client& client, const oci::RegistriesConf& conf,
                                                  const std::string& registry, const std::string& term,
                                                  const SearchOptions& opts) {
    int limit = opts.limit > 0 ? opts.limit : kSearchDefaultLimit;
    std::vector<SearchResult> out;
    if (opts.list_tags) {
        auto ref = oci::parse_reference(registry + "/" + term);
        if (!ref || !ref->digest.empty() || term.empty())
            return make_error("reference \"" + term + "\" must be a docker reference");
        auto reg = TRY(open(client, conf, registry, ref->repository, opts.access));
        auto tags = reg->list_tags();
        if (!tags) return make_error("getting repository tags: " + tags.error().message);
        for (std::string& t : *tags) {
            if (static_cast<int>(out.size()) == limit) break;
            out.push_back(SearchResult{registry, ref->registry + "/" + ref->repository, {}, 0, false, false, std::move(t)});
        }
        return out;
    }
    auto reg = TRY(open(client, conf, registry, "", opts.access));
    Hits hits = TRY(find(*reg, registry, term, limit));
    if (static_cast<int>(hits.size()) > limit) hits.resize(static_cast<size_t>(limit));
    std::string index = index_of(registry);
    for (oci::SearchHit& h : hits) {
        if (!wanted(opts.filter, h)) continue;
        SearchResult r;
        r.index = registry;
        r.name = index == "docker.io" && h.name.find('/') == std::string::npos ? "docker.io/library/" + h.name
                                                                                 : registry + "/" + h.name;
        std::replace(h.description.begin(), h.description.end(), '\n', ' ');
        if (h.description.size() > kSearchDescriptionWidth && !opts.no_trunc)
            h.description = h.description.substr(0, kSearchDescriptionWidth) + "...";
        r.description = std::move(h.description);
        r.stars = h.stars;
        r.official = h.official;
        r.automated = h.automated;
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

Result<std::vector<SearchResult>> search(const std::string& term, const SearchOptions& opts) {
    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    std::vector<std::string> registries;
    std::string what = term;
    // Everything before the first "/" is the registry (the term may hold wildcards, so it is not
    // parsed as a reference).
    if (size_t slash = term.find('/'); slash != std::string::npos) {
        registries = {term.substr(0, slash)};
        what = term.substr(slash + 1);
    } else {
        registries = conf.unqualified_search;
    }
    auto client = TRY(oci::http::make_client());
    std::vector<SearchResult> all;
    std::vector<std::string> errors;
    for (const std::string& registry : registries) {
        auto found = search_registry(*client, conf, registry, what, opts);
        if (!found) {
            errors.push_back(found.error().message);
            continue;
        }
        for (auto& r : *found) all.push_back(std::move(r));
    }
    if (all.empty() && !errors.empty()) return make_error(str::join(errors, "; "));
    return all;
}

}  // namespace skiff::engine
