// Device cgroup rules: podman's syntax parsed, the default list, the v1 rule text.
#include <charconv>

#include "skiff/runtime/devices.hpp"

namespace skiff::runtime {

namespace {

// A major or minor: decimal digits, or "*" (unset). Numbers beyond what dev_t holds are refused.
bool parse_number(std::string_view s, std::optional<uint32_t>& out) {
    if (s == "*") {
        out.reset();
        return true;
    }
    if (s.empty() || s.size() > 7) return false;
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return false;
    out = v;
    return true;
}

std::string number(const std::optional<uint32_t>& n) { return n ? std::to_string(*n) : "*"; }

DeviceRule allow_char(uint32_t major, std::optional<uint32_t> minor) {
    return DeviceRule{true, 'c', major, minor, "rwm"};
}

}  // namespace

bool valid_device_access(std::string_view access) {
    if (access.empty() || access.size() > 3) return false;
    bool seen[3] = {};
    for (char c : access) {
        size_t i = std::string_view("rwm").find(c);
        if (i == std::string_view::npos || seen[i]) return false;
        seen[i] = true;
    }
    return true;
}

Result<DeviceRule> parse_device_rule(std::string_view text) {
    auto bad = [&] {
        return make_error("invalid device cgroup rule \"" + std::string(text) +
                          "\": want TYPE MAJOR:MINOR ACCESS, such as \"c 7:* rwm\" (TYPE a, b or c; MAJOR and "
                          "MINOR a number or *; ACCESS of r, w, m)");
    };
    size_t sp1 = text.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : text.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || text.find(' ', sp2 + 1) != std::string_view::npos) return bad();
    std::string_view type = text.substr(0, sp1), numbers = text.substr(sp1 + 1, sp2 - sp1 - 1),
                     access = text.substr(sp2 + 1);
    if (type.size() != 1 || std::string_view("abc").find(type[0]) == std::string_view::npos) return bad();
    size_t colon = numbers.find(':');
    if (colon == std::string_view::npos) return bad();
    DeviceRule r;
    r.type = type[0];
    if (!parse_number(numbers.substr(0, colon), r.major) || !parse_number(numbers.substr(colon + 1), r.minor))
        return bad();
    if (!valid_device_access(access)) return bad();
    // Kept in the kernel's order, so a rule prints the same however it was written.
    r.access.clear();
    for (char c : std::string_view("rwm"))
        if (access.find(c) != std::string_view::npos) r.access += c;
    return r;
}

std::string to_string(const DeviceRule& rule) {
    return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

std::vector<DeviceRule> default_device_rules() {
    return {
        DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"},
        DeviceRule{true, 'b', std::nullopt, std::nullopt, "m"},
        DeviceRule{true, 'c', std::nullopt, std::nullopt, "m"},
        allow_char(1, 3),     // null
        allow_char(1, 5),     // zero
        allow_char(1, 7),     // full
        allow_char(1, 8),     // random
        allow_char(1, 9),     // urandom
        allow_char(5, 0),     // tty
        allow_char(5, 1),     // console
        allow_char(5, 2),     // ptmx
        allow_char(10, 200),  // tun, as runc allows it
        allow_char(136, std::nullopt),  // the pts terminals
    };
}

std::vector<DeviceRule> allow_all_device_rules() { return {DeviceRule{true, 'a', std::nullopt, std::nullopt, "rwm"}}; }

DeviceRule rule_for(const Device& d, std::string access) {
    return DeviceRule{true, d.type, d.major, d.minor, std::move(access)};
}

bool allows_all(const std::vector<DeviceRule>& rules) {
    if (rules.empty()) return true;
    // An allow-everything rule with no deny after it (a later deny would narrow it again).
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        if (!it->allow) return false;
        if (it->type == 'a' && !it->major && !it->minor && it->access == "rwm") return true;
    }
    return false;
}

}  // namespace skiff::runtime
