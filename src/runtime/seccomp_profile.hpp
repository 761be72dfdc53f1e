// The seccomp profile as typed data (the docker/OCI JSON profile's shape), shared by the default
// profile table, the JSON parser, the libseccomp compiler and the compiled-program cache.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/runtime/seccomp.hpp"

namespace skiff::runtime::seccomp {

enum class ActionKind { kKillThread, kKillProcess, kTrap, kErrno, kTrace, kAllow, kLog };

struct Action {
    ActionKind kind = ActionKind::kAllow;
    std::optional<unsigned> ret;  // errno for kErrno, message for kTrace (EPERM when absent)
    bool operator==(const Action&) const = default;
};

enum class ArgOp { kNotEqual, kLess, kLessEqual, kEqual, kGreaterEqual, kGreater, kMaskedEqual };

struct ArgRule {
    unsigned index = 0;      // 0–5
    uint64_t value = 0;      // the mask with kMaskedEqual
    uint64_t value_two = 0;  // the value compared after masking with kMaskedEqual
    ArgOp op = ArgOp::kEqual;
};

// A rule applies when every capability of `includes` is held and none of `excludes`, and the
// native architecture (Go's names: "amd64", "arm64", …) is in includes.arches (when given) and
// not in excludes.arches; `min_kernel` ("5.6") compares with the running kernel's release.
struct Condition {
    std::vector<std::string> caps;
    std::vector<std::string> arches;
    std::string min_kernel;
};

struct SyscallRule {
    std::vector<std::string> names;
    Action action;
    std::vector<ArgRule> args;  // AND, except that several on one index are separate rules (OR)
    Condition includes;
    Condition excludes;
};

struct ArchGroup {
    std::string arch;                     // "SCMP_ARCH_X86_64"
    std::vector<std::string> sub_arches;  // added with it when it is the native one
};

struct Profile {
    Action default_action{ActionKind::kErrno, 1};
    std::vector<std::string> architectures;  // "SCMP_ARCH_*"; or …
    std::vector<ArchGroup> arch_map;         // … only the native group (never both)
    std::vector<SyscallRule> syscalls;
    unsigned flags = 0;     // SECCOMP_FILTER_FLAG_*
    bool disabled = false;  // "{}": no filter at all, as podman reads an empty profile
};

// podman's default profile (containers/common pkg/seccomp), in skiff's own table.
const Profile& default_profile();
// The capabilities that change what the default profile compiles to: the cache key takes only
// these from the spec, so unrelated --cap-add flags share one cached program.
const std::vector<std::string>& default_profile_caps();
// Part of the cache key of the default program: bump it with every change to the table
// (a unit test pins describe(default_profile()) to make the change visible).
extern const char* const kDefaultProfileRevision;

// The docker/OCI JSON profile. Errors name the offending field; the caller adds the path.
Result<Profile> parse_profile(std::string_view json);

// A canonical one-rule-per-line text of a profile: what a change to the default table changes.
std::string describe(const Profile& profile);

// Compile for the native architecture with the container's capabilities (its bounding set).
Result<Program> compile(const Profile& profile, const std::vector<std::string>& caps);

// The cache file: a header naming the key, the instructions, a checksum. decode() refuses
// anything short, long, corrupt or for another key.
std::string encode_cache(const Program& program, std::string_view key);
std::optional<Program> decode_cache(std::string_view bytes, std::string_view key);

}  // namespace skiff::runtime::seccomp
