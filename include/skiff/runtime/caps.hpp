// Linux capabilities: podman's --cap-add/--cap-drop arithmetic over capability names, and the
// child's last capability step (bounding, effective, permitted, inheritable and ambient sets).
// Names are always normalised to "CAP_X" (upper case, with the prefix).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::runtime::caps {

// The capability number of a name ("chown", "CAP_CHOWN", "Cap_Chown" …), if it is one the
// running kernel knows.
std::optional<unsigned> from_name(std::string_view name);
// "CAP_CHOWN" for 0; empty for a number skiff has no name for.
std::string_view name_of(unsigned cap);
// The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).
unsigned last_cap();

// Every capability the running kernel knows, sorted by name.
std::vector<std::string> all();
// The capabilities in this process's bounding set, sorted by name: what skiff can grant at most.
std::vector<std::string> bounding_set();

// podman's semantics for --cap-add/--cap-drop over `base`: names are case-insensitive, with or
// without "CAP_"; "ALL" in drops keeps only the adds; "ALL" in adds starts from the bounding set;
// a name both added and dropped is refused; an unknown name is refused
// (`unknown capability "CAP_FOO"`, exit 125). The result is normalised and sorted.
Result<std::vector<std::string>> resolve(const std::vector<std::string>& base,
                                         const std::vector<std::string>& adds,
                                         const std::vector<std::string>& drops);

// Names → bit mask (bit N = capability N). Unknown names are an error.
Result<uint64_t> to_mask(const std::vector<std::string>& names);

// In the container's child, after setresuid (with PR_SET_KEEPCAPS when the uid is not 0):
// bounding set reduced to `names`, effective = permitted = `names`, inheritable and ambient empty.
// A capability skiff does not hold itself cannot be granted and is left out, as podman's
// --privileged does. Needs CAP_SETPCAP in the permitted set (it is raised to effective first).
Result<void> apply(const std::vector<std::string>& names);
// The same with a mask computed in the parent by to_mask(): no allocation on the success path.
Result<void> apply_mask(uint64_t mask);

}  // namespace skiff::runtime::caps
