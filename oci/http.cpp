// Transport-neutral parts of the HTTP interface: header lookup, error classification, URL encoding.
#include "skiff/oci/http.hpp"

#include <cerrno>

namespace skiff::oci::http {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

void Headers::set(std::string_view name, std::string value) {
    std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
    fields_.emplace_back(std::string(name), std::move(value));
}

std::string Headers::get(std::string_view name) const {
    for (const auto& [n, v] : fields_)
        if (iequals(n, name)) return v;
    return {};
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : fields_)
        if (iequals(n, name)) out.push_back(v);
    return out;
}

bool Headers::has(std::string_view name) const {
    for (const auto& f : fields_)
        if (iequals(f.first, name)) return true;
    return false;
}

bool is_transient(const Error& e) {
    switch (e.code) {
    case ECONNREFUSED:
    case ECONNRESET:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case EPIPE:
    case EAGAIN:
        return true;
    default:
        return false;
    }
}

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace skiff::oci::http
