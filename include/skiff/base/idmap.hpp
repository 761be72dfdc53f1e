// The one id-mapping object: identity for real root, the user's subordinate ranges when rootless.
// Layer unpacking and container set-up map owners through it instead of calling chown directly.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff {

struct IdRange {
    unsigned container = 0;  // first id inside
    unsigned host = 0;       // first id outside
    unsigned size = 0;
};

class IdMap {
public:
    static IdMap identity();
    IdMap(std::vector<IdRange> uids, std::vector<IdRange> gids)
        : uids_(std::move(uids)), gids_(std::move(gids)) {}

    bool is_identity() const;
    // Container id → host id; an error when the id is outside every range.
    Result<uid_t> host_uid(uid_t container_uid) const;
    Result<gid_t> host_gid(gid_t container_gid) const;
    const std::vector<IdRange>& uids() const { return uids_; }
    const std::vector<IdRange>& gids() const { return gids_; }
    // "container host size\n" lines, the format of /proc/PID/{uid,gid}_map.
    static std::string proc_format(const std::vector<IdRange>& ranges);

private:
    std::vector<IdRange> uids_, gids_;
};

// Whether this process is rootless: not root, or root of a user namespace that maps less than every
// id (a rootless command once it joined the user's namespace, its monitor, its re-executions).
bool rootless_process();
// The user skiff acts for: geteuid() outside a user namespace; inside one, the host id its root is.
uid_t invoking_uid();
// The user's runtime directory, as podman finds it: $XDG_RUNTIME_DIR when set and present; for a
// rootless user otherwise /tmp/skiff-run-UID (made 0700 by the command that enters the user's
// namespace); for root /run.
std::string user_runtime_dir();

}  // namespace skiff
