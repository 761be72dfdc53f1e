// Device cgroup rules: podman's syntax parsed, the default list, the v1 rule text.
#include <charconv>
#include <vector>

#include "skiff/runtime/devices.hpp"

namespace skiff::runtime {

namespace {

// A major or minor: decimal digits, or "*" (unset); errors as Go's strconv.ParseUint words them,
// which podman prints. Numbers beyond what dev_t holds are refused.
Result<void> parse_number(std::string_view s, std::optional<uint32_t>& out) {
    if (s == "*") {
        out.reset();
        return {};
    }
    std::string quoted = "strconv.ParseUint: parsing \"" + std::string(s) + "\": ";
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
        return make_error(quoted + "invalid syntax");
    if (ec == std::errc::result_out_of_range) return make_error(quoted + "value out of range");
    if (v > 0xFFFFFFFFu) return make_error("device number " + std::string(s) + " is larger than a device number can be");
    out = static_cast<uint32_t>(v);
    return {};
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

// As podman parses --device-cgroup-rule, with its messages: three words split at single spaces;
// MAJOR[:MINOR], each a number or *, a missing MINOR meaning any; ACCESS letters of r, w, m.
Result<DeviceRule> parse_device_rule(std::string_view text) {
    std::vector<std::string_view> words;
    for (size_t at = 0;;) {
        size_t sp = text.find(' ', at);
        words.push_back(text.substr(at, sp == std::string_view::npos ? sp : sp - at));
        if (sp == std::string_view::npos) break;
        at = sp + 1;
    }
    if (words.size() != 3)
        return make_error("invalid device cgroup rule requires type, major:Minor, and access rules: \"" + std::string(text) + "\"");
    std::string_view type = words[0], numbers = words[1], access = words[2];
    if (type.size() != 1 || std::string_view("abc").find(type[0]) == std::string_view::npos)
        return make_error("invalid device type in device-access-add: " + std::string(type));
    DeviceRule r;
    r.type = type[0];
    size_t colon = numbers.find(':');
    std::string_view major = numbers.substr(0, colon);
    TRY(parse_number(major, r.major));
    if (colon != std::string_view::npos) TRY(parse_number(numbers.substr(colon + 1), r.minor));
    for (char c : access)
        if (std::string_view("rwm").find(c) == std::string_view::npos)
            return make_error("invalid device access in device-access-add: " + std::string(1, c));
    if (access.empty()) return make_error("invalid device access in device-access-add: (none)");
    // Kept in the kernel's order, each once, so a rule prints the same however it was written.
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
