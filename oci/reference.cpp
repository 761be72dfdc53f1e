#include "skiff/oci/reference.hpp"

#include "skiff/oci/digest.hpp"

namespace skiff::oci {

namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

Error bad(std::string_view input, std::string_view why = {}) {
    std::string msg = "invalid reference format \"" + std::string(input) + "\"";
    if (!why.empty()) msg += ": " + std::string(why);
    return make_error(std::move(msg));
}

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool valid_path_component(std::string_view c) {
    if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
    for (size_t i = 0; i < c.size();) {
        if (is_lower_alnum(c[i])) {
            ++i;
            continue;
        }
        size_t start = i;
        if (c[i] == '.') {
            ++i;
        } else if (c[i] == '_') {
            ++i;
            if (i < c.size() && c[i] == '_') ++i;
        } else if (c[i] == '-') {
            while (i < c.size() && c[i] == '-') ++i;
        } else {
            return false;
        }
        if (i == start || i >= c.size() || !is_lower_alnum(c[i])) return false;
    }
    return true;
}

// [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_host_label(std::string_view c) {
    if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
    for (char ch : c)
        if (!is_alnum(ch) && ch != '-') return false;
    return true;
}

bool valid_port(std::string_view p) {
    if (p.empty()) return false;
    for (char c : p)
        if (c < '0' || c > '9') return false;
    return true;
}

// host(.host)*(:port)? or [ipv6](:port)?
bool valid_domain(std::string_view d) {
    std::string_view host = d, port;
    if (!d.empty() && d.front() == '[') {
        auto close = d.find(']');
        if (close == std::string_view::npos || close < 3) return false;
        for (char c : d.substr(1, close - 1))
            if (!(is_alnum(c) || c == ':' || c == '.')) return false;
        std::string_view rest = d.substr(close + 1);
        if (rest.empty()) return true;
        return rest.front() == ':' && valid_port(rest.substr(1));
    }
    if (auto colon = d.find(':'); colon != std::string_view::npos) {
        host = d.substr(0, colon);
        port = d.substr(colon + 1);
        if (!valid_port(port)) return false;
    }
    size_t start = 0;
    for (;;) {
        auto dot = host.find('.', start);
        if (!valid_host_label(host.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
    if (t.empty() || t.size() > kMaxTagLength || !is_word(t.front())) return false;
    for (char c : t)
        if (!is_word(c) && c != '.' && c != '-') return false;
    return true;
}

bool has_upper(std::string_view s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z') return true;
    return false;
}

}  // namespace

bool looks_like_registry(std::string_view component) {
    return component.find_first_of(".:") != std::string_view::npos || component == "localhost" ||
           has_upper(component);
}

std::string Reference::name() const { return registry.empty() ? repository : registry + "/" + repository; }

std::string Reference::str() const {
    std::string out = name();
    if (!tag.empty()) out += ":" + tag;
    if (!digest.empty()) out += "@" + digest;
    return out;
}

Result<Reference> parse_reference(std::string_view input) {
    if (input.empty()) return bad(input, "empty name");
    Reference ref;
    std::string_view rest = input;
    if (auto at = rest.find('@'); at != std::string_view::npos) {
        auto d = parse_digest(rest.substr(at + 1));
        if (!d.ok()) return bad(input, d.error().message);
        ref.digest = d->str();
        rest = rest.substr(0, at);
    }
    auto slash = rest.rfind('/');
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        std::string_view tag = rest.substr(colon + 1);
        if (!valid_tag(tag)) return bad(input, "invalid tag \"" + std::string(tag) + "\"");
        ref.tag = std::string(tag);
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) return bad(input, "empty name");
    if (rest.size() > kMaxNameLength) return bad(input, "repository name must not be more than 255 characters");
    std::string_view path = rest;
    auto first_slash = rest.find('/');
    if (first_slash != std::string_view::npos && looks_like_registry(rest.substr(0, first_slash))) {
        std::string_view domain = rest.substr(0, first_slash);
        if (!valid_domain(domain)) return bad(input, "invalid registry \"" + std::string(domain) + "\"");
        ref.registry = std::string(domain);
        path = rest.substr(first_slash + 1);
    }
    if (has_upper(path)) return bad(input, "repository name must be lowercase");
    size_t start = 0;
    for (;;) {
        auto next = path.find('/', start);
        std::string_view comp = path.substr(start, next == std::string_view::npos ? next : next - start);
        if (!valid_path_component(comp)) return bad(input);
        if (next == std::string_view::npos) break;
        start = next + 1;
    }
    ref.repository = std::string(path);
    return ref;
}

Result<Reference> normalize_reference(std::string_view s) {
    Reference ref = TRY(parse_reference(s));
    if (ref.registry.empty() || ref.registry == "index.docker.io") ref.registry = "docker.io";
    if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos)
        ref.repository = "library/" + ref.repository;
    if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
    return ref;
}

Result<std::string> normalize_local_name(std::string_view s) {
    Reference ref = TRY(parse_reference(s));
    if (ref.registry.empty()) ref.registry = "localhost";
    if (ref.registry == "index.docker.io") ref.registry = "docker.io";
    if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos)
        ref.repository = "library/" + ref.repository;
    if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
    if (!ref.digest.empty()) ref.tag.clear();  // podman's: a digest names the image, the tag goes
    return ref.str();
}

}  // namespace skiff::oci
