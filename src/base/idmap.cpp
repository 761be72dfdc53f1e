#include "skiff/base/idmap.hpp"

#include <fmt/core.h>

namespace skiff {

IdMap IdMap::identity() {
    return IdMap({{0, 0, 4294967295u}}, {{0, 0, 4294967295u}});
}

bool IdMap::is_identity() const {
    auto ident = [](const std::vector<IdRange>& r) {
        return r.size() == 1 && r[0].container == 0 && r[0].host == 0 && r[0].size == 4294967295u;
    };
    return ident(uids_) && ident(gids_);
}

static Result<unsigned> map_id(const std::vector<IdRange>& ranges, unsigned id, const char* kind) {
    for (auto& r : ranges)
        if (id >= r.container && id - r.container < r.size) return r.host + (id - r.container);
    return make_error(fmt::format("{} {} is not mapped in the user namespace", kind, id));
}

Result<uid_t> IdMap::host_uid(uid_t id) const { return map_id(uids_, id, "uid"); }
Result<gid_t> IdMap::host_gid(gid_t id) const { return map_id(gids_, id, "gid"); }

std::string IdMap::proc_format(const std::vector<IdRange>& ranges) {
    std::string out;
    for (auto& r : ranges) out += fmt::format("{} {} {}\n", r.container, r.host, r.size);
    return out;
}

}  // namespace skiff
