#include "skiff/base/idmap.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

namespace {

// The lines of /proc/self/uid_map, each {inside, outside, count}.
std::vector<IdRange> own_uid_map() {
    std::vector<IdRange> out;
    FILE* f = std::fopen("/proc/self/uid_map", "re");
    if (!f) return out;
    unsigned a, b, c;
    while (std::fscanf(f, "%u %u %u", &a, &b, &c) == 3) out.push_back({a, b, c});
    std::fclose(f);
    return out;
}

}  // namespace

bool rootless_process() {
    static const bool value = [] {
        if (::geteuid() != 0) return true;
        auto map = own_uid_map();
        return !(map.size() == 1 && map[0].container == 0 && map[0].host == 0 && map[0].size == 4294967295u);
    }();
    return value;
}

uid_t invoking_uid() {
    static const uid_t value = [] {
        uid_t self = ::geteuid();
        if (!rootless_process()) return self;
        for (const IdRange& r : own_uid_map())
            if (self >= r.container && self - r.container < r.size) return static_cast<uid_t>(r.host + (self - r.container));
        return self;
    }();
    return value;
}

std::string user_runtime_dir() {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (xdg && *xdg && ::stat(xdg, &st) == 0) return xdg;
    return rootless_process() ? "/tmp/skiff-run-" + std::to_string(invoking_uid()) : "/run";
}

}  // namespace skiff
