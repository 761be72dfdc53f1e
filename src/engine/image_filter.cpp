#include "skiff/engine/image_filter.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "skiff/oci/reference.hpp"

namespace skiff::engine {

namespace {

const char* const kKeys[] = {"dangling", "reference", "label", "before", "since", "id"};

bool glob(const std::string& pattern, const std::string& s) {
    return ::fnmatch(pattern.c_str(), s.c_str(), FNM_PATHNAME) == 0;
}

// The forms a name is matched in: as stored, without its tag, and without the registry it implies.
std::vector<std::string> name_forms(const std::string& name) {
    std::vector<std::string> forms{name};
    auto ref = oci::parse_reference(name);
    if (!ref.ok()) return forms;
    std::string repo = ref->name();
    forms.push_back(repo);
    for (std::string_view implied : {"localhost/", "docker.io/library/", "docker.io/"}) {
        if (!repo.starts_with(implied)) continue;
        std::string shortened = repo.substr(implied.size());
        forms.push_back(shortened);
        if (!ref->tag.empty()) forms.push_back(shortened + ":" + ref->tag);
        break;
    }
    return forms;
}

}  // namespace

bool reference_matches(const std::string& pattern, const storage::ImageRecord& img) {
    for (auto& name : img.names)
        for (auto& form : name_forms(name))
            if (glob(pattern, form)) return true;
    return false;
}

Result<ImageFilter> ImageFilter::parse(const storage::StoreConfig& store, const std::vector<std::string>& specs) {
    const char* const may_be_empty[] = {"label"};
    ImageFilter f;
    f.values_ = TRY(group_filters(specs, kKeys, may_be_empty));
    for (auto& [key, values] : f.values_) {
        for (auto& value : values) {
            if (key == "dangling" && value != "true" && value != "false")
                return make_error("invalid filter \"dangling=" + value + "\": dangling wants true or false");
            if (key == "before" || key == "since") {
                auto img = TRY_CTX(storage::find_image(store, value), "filter " + key + "=" + value);
                f.reference_times_[value] = img.created_ns;
            }
        }
    }
    return f;
}

bool ImageFilter::matches_one(const std::string& key, const std::string& value, const storage::ImageRecord& img) const {
    if (key == "dangling") return img.names.empty() == (value == "true");
    if (key == "reference") return reference_matches(value, img);
    if (key == "id") return img.id.starts_with(value.starts_with("sha256:") ? value.substr(7) : value);
    if (key == "label") return label_matches(img.config.config.labels, value);
    int64_t t = reference_times_.at(value);
    return key == "before" ? img.created_ns < t : img.created_ns > t;
}

bool ImageFilter::matches(const storage::ImageRecord& img) const {
    return filters_match(values_, [&](const std::string& k, const std::string& v) { return matches_one(k, v, img); });
}

}  // namespace skiff::engine
