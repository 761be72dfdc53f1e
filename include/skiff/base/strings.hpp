// Small string helpers shared by every module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skiff::str {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);
// True when `s` is non-empty and only lowercase hex digits (what digests and ids are made of).
bool is_lower_hex(std::string_view s);
// Random hex id of `bytes` bytes from getrandom(2).
std::string random_hex(size_t bytes);
// "3 minutes ago", "About an hour ago" — podman's human durations.
std::string human_duration(long long seconds);
// "5.87MB": decimal units with `digits` significant digits (podman's images show 3, its log size 4).
std::string human_size(unsigned long long bytes, int digits = 3);

}  // namespace skiff::str
