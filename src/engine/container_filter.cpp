#include "skiff/engine/container_filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <regex>

#include "skiff/engine/container_config.hpp"

namespace skiff::engine {

namespace {

const char* const kKeys[] = {"id", "name", "status", "exited", "label", "ancestor", "before", "since", "restart-policy"};
// podman's restart policy names: "none" is a container created without --restart, which skiff
// keeps as "no".
const char* const kRestartPolicies[] = {"none", "no", "always", "on-failure", "unless-stopped"};
// podman's states; skiff's containers are created, running (or paused, stopping) or exited
// ("stopped" is taken as "exited", as podman does); the others are valid and match nothing.
const char* const kStates[] = {"created", "running", "exited", "paused", "stopped", "stopping", "unknown", "removing"};

bool is_number(const std::string& s) {
    return !s.empty() && s.size() < 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Image names as stored ("localhost/demo:latest") also match without registry or tag ("demo").
bool ancestor_matches(const std::string& want, const storage::Container& c) {
    if (c.image_id.starts_with(want.starts_with("sha256:") ? want.substr(7) : want)) return true;
    std::string name = c.image_name;
    if (::fnmatch(want.c_str(), name.c_str(), FNM_PATHNAME) == 0) return true;
    auto colon = name.rfind(':');
    std::string repo = colon == std::string::npos || name.find('/', colon) != std::string::npos ? name : name.substr(0, colon);
    for (std::string_view implied : {"localhost/", "docker.io/library/"}) {
        if (repo.starts_with(implied) && ::fnmatch(want.c_str(), repo.substr(implied.size()).c_str(), FNM_PATHNAME) == 0)
            return true;
        if (name.starts_with(implied) && ::fnmatch(want.c_str(), name.substr(implied.size()).c_str(), FNM_PATHNAME) == 0)
            return true;
    }
    return ::fnmatch(want.c_str(), repo.c_str(), FNM_PATHNAME) == 0;
}

// As podman: every unknown policy named in one error ("a, b invalid restart policies").
Result<void> check_restart_policies(const std::vector<std::string>& values) {
    std::vector<std::string> bad;
    for (auto& v : values)
        if (std::none_of(std::begin(kRestartPolicies), std::end(kRestartPolicies), [&](const char* p) { return v == p; }))
            bad.push_back(v);
    if (bad.empty()) return {};
    std::string list;
    for (auto& b : bad) list += (list.empty() ? "" : ", ") + b;
    return make_error(list + (bad.size() == 1 ? " invalid restart policy" : " invalid restart policies"));
}

bool restart_policy_matches(const std::string& want, const storage::Container& c) {
    auto config = config_of(c);
    if (!config.ok()) return false;
    std::string have = restart_policy_name(config->restart.kind);
    return want == have || (want == "none" && have == "no");
}

}  // namespace

Result<ContainerFilter> ContainerFilter::parse(const storage::StoreConfig& store, const std::vector<std::string>& specs) {
    const char* const may_be_empty[] = {"label"};
    ContainerFilter f;
    f.values_ = TRY(group_filters(specs, kKeys, may_be_empty));
    for (auto& [key, values] : f.values_) {
        if (key == "restart-policy") TRY(check_restart_policies(values));
        for (auto& value : values) {
            std::string spec = key + "=" + value;
            if (key == "status" && std::none_of(std::begin(kStates), std::end(kStates), [&](const char* s) { return value == s; }))
                return make_error("invalid filter \"" + spec + "\": " + value + " is not a valid status");
            if (key == "exited" && !is_number(value))
                return make_error("invalid filter \"" + spec + "\": exited wants an exit code");
            if (key == "name") {
                try {
                    std::regex check(value);
                } catch (const std::regex_error&) {
                    return make_error("invalid filter \"" + spec + "\": not a regular expression");
                }
            }
            if (key == "before" || key == "since") {
                auto c = TRY_CTX(storage::find_container(store, value), "filter " + spec);
                f.reference_times_[value] = c.created_ns;
            }
        }
    }
    return f;
}

bool ContainerFilter::matches_one(const std::string& key, const std::string& value, const storage::Container& c) const {
    if (key == "id") return c.id.starts_with(value);
    if (key == "name") return std::regex_search(c.name, std::regex(value));
    // As podman: "stopped" asks for the exited containers.
    if (key == "status") return (value == "stopped" ? "exited" : value) == storage::status_name(c);
    if (key == "exited") return c.state == storage::ContainerState::kExited && c.exit_code == std::stoi(value);
    if (key == "ancestor") return ancestor_matches(value, c);
    if (key == "label") return label_matches(c.labels, value);
    if (key == "restart-policy") return restart_policy_matches(value, c);
    int64_t t = reference_times_.at(value);
    return key == "before" ? c.created_ns < t : c.created_ns > t;
}

bool ContainerFilter::matches(const storage::Container& c) const {
    return filters_match(values_, [&](const std::string& k, const std::string& v) { return matches_one(k, v, c); });
}

}  // namespace skiff::engine
