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

}  // namespace skiff
