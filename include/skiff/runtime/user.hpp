// Resolving the container's user ("name", "uid", "name:group", "uid:gid") through the container's
// own /etc/passwd and /etc/group, as runc and podman do. Parsing and resolution are pure; reading
// the files safely inside the root is the caller's part.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::runtime {

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

struct GroupEntry {
    std::string name;
    gid_t gid = 0;
    std::vector<std::string> members;
};

// Malformed lines (too few fields, ids that are not numbers) and comments are skipped.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

struct ResolvedUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups
    bool keep_groups = false;   // --group-add keep-groups: the caller's own supplementary groups stay
    std::string home = "/";
};

// Checks the form of a user spec without the files: "", "name", "uid", "user:group".
Result<void> check_user_spec(std::string_view spec);

// `passwd` and `group` hold the files' contents, or nothing when the image lacks them.
// A name that no entry matches: "unable to find user NAME: no matching entries in passwd file".
// Numeric ids need no entry. Supplementary groups come from /etc/group when no group is given.
Result<ResolvedUser> resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                                  const std::optional<std::string>& group);

// --group-add: each a gid or a name from `group` (the image's /etc/group) added to the user's
// supplementary groups; "keep-groups" alone keeps the caller's groups instead. An unknown name:
// "unable to find group NAME: no matching entries in group file".
Result<void> add_groups(ResolvedUser& user, const std::vector<std::string>& group_add,
                        const std::optional<std::string>& group);

}  // namespace skiff::runtime
