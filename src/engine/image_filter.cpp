#include "skiff/engine/image_filter.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "skiff/engine/filters.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/logs.hpp"
#include "skiff/oci/reference.hpp"

namespace skiff::engine {

namespace {

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

namespace {

constexpr const char* kBoolKeys[] = {"dangling", "intermediate", "manifest", "readonly"};

// Go's strconv.ParseBool.
bool parse_bool(const std::string& v, bool* out) {
    for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
        if (v == t) return *out = true;
    for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
        if (v == f) return !(*out = false);
    return false;
}

}  // namespace

Result<ImageFilter> ImageFilter::parse(const storage::StoreConfig& store, const std::vector<std::string>& specs) {
    ImageFilter f;
    f.store_ = store;
    std::map<std::string, std::string> given;  // a boolean or containers= key → its first value
    for (auto& spec : specs) {
        One one;
        auto ne = spec.find("!=");
        auto eq = ne != std::string::npos ? ne : spec.find('=');
        if (eq == std::string::npos)
            return make_error("invalid image filter \"" + spec + "\": must be in the format \"filter=value or filter!=value\"");
        one.negate = ne != std::string::npos;
        one.key = spec.substr(0, eq);
        one.value = spec.substr(eq + (one.negate ? 2 : 1));
        const std::string& key = one.key;
        const std::string& value = one.value;
        bool is_bool = std::find_if(std::begin(kBoolKeys), std::end(kBoolKeys), [&](const char* k) { return key == k; }) !=
                       std::end(kBoolKeys);
        if (is_bool || key == "containers") {
            auto [it, fresh] = given.emplace(key, value);
            if (!fresh && it->second != value)
                return make_error("specifying \"" + key + "\" filter more than once with different values is not supported");
        }
        if (key == "after" || key == "since" || key == "before") {
            auto img = storage::find_image(store, value);
            if (!img) return make_error("could not find local image for filter filter \"" + key + "\"=\"" + value + "\": " + img.error().message);
            one.time_ns = img->created_ns;
            if (key == "after") one.key = "since";
        } else if (key == "until") {
            one.time_ns = TRY(parse_log_time(value));
        } else if (key == "containers") {
            if (value != "true" && value != "false") return make_error("unsupported value \"" + value + "\" for containers filter");
            one.flag = value == "true";
        } else if (is_bool) {
            if (!parse_bool(value, &one.flag))
                return make_error("non-boolean value \"" + key + "\" for " + value + " filter: strconv.ParseBool: parsing \"" + value +
                                  "\": invalid syntax");
        } else if (key != "id" && key != "label" && key != "reference") {
            return make_error("unsupported image filter \"" + key + "\"");
        }
        if (key == "dangling" || key == "intermediate") {
            // podman's layer tree: which images have another built on top of them.
            if (f.parents_.empty()) {
                auto all = TRY(storage::list_images(store));
                for (auto& a : all)
                    for (auto& b : all)
                        if (builds_on(b, a)) f.parents_[a.id] = b.id;
            }
        }
        f.groups_[one.key].push_back(std::move(one));
    }
    return f;
}

bool ImageFilter::matches_one(const One& f, const storage::ImageRecord& img) const {
    bool has_child = parents_.count(img.id) > 0;
    bool m = false;
    if (f.key == "since") m = img.created_ns > f.time_ns;
    else if (f.key == "before" || f.key == "until") m = img.created_ns < f.time_ns;
    else if (f.key == "containers") m = (containers_using(store_, img.id) > 0) == f.flag;
    // libimage: dangling is nameless with no child image; intermediate is nameless with one.
    else if (f.key == "dangling") m = (img.names.empty() && !has_child) == f.flag;
    else if (f.key == "intermediate") m = (img.names.empty() && has_child) == f.flag;
    else if (f.key == "manifest") m = img.manifest_list == f.flag;
    else if (f.key == "readonly") m = !f.flag;  // skiff has no read-only image stores
    else if (f.key == "reference") m = reference_matches(f.value, img);
    else if (f.key == "id") m = img.id.starts_with(f.value.starts_with("sha256:") ? f.value.substr(7) : f.value);
    else if (f.key == "label") m = label_matches(img.config.config.labels, f.value);
    return m != f.negate;
}

bool ImageFilter::matches(const storage::ImageRecord& img) const {
    for (auto& [key, list] : groups_) {
        bool any = false;
        for (auto& one : list) any = any || matches_one(one, img);
        if (!any) return false;
    }
    return true;
}

}  // namespace skiff::engine
