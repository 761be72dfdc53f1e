#include "skiff/runtime/user.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "skiff/base/strings.hpp"

namespace skiff::runtime {

namespace {

// A decimal id that fits in an id_t and is not (id_t)-1, which set*id calls read as "unchanged".
std::optional<uint32_t> parse_id(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v >= UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(v);
}

// Calls `line_fn` with the fields of each non-comment line.
template <class Fn>
void for_each_record(std::string_view text, Fn&& line_fn) {
    for (const std::string& line : str::split(text, '\n')) {
        std::string_view l = str::trim(line);
        if (l.empty() || l.front() == '#') continue;
        line_fn(str::split(l, ':'));
    }
}

void add_group(std::vector<gid_t>& groups, gid_t gid) {
    if (std::find(groups.begin(), groups.end(), gid) == groups.end()) groups.push_back(gid);
}

}  // namespace

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
    std::vector<PasswdEntry> out;
    for_each_record(text, [&](const std::vector<std::string>& f) {
        if (f.size() < 4 || f[0].empty()) return;
        auto uid = parse_id(f[2]);
        auto gid = parse_id(f[3]);
        if (!uid || !gid) return;
        PasswdEntry e;
        e.name = f[0];
        e.uid = *uid;
        e.gid = *gid;
        if (f.size() > 5) e.home = f[5];
        if (f.size() > 6) e.shell = f[6];
        out.push_back(std::move(e));
    });
    return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
    std::vector<GroupEntry> out;
    for_each_record(text, [&](const std::vector<std::string>& f) {
        if (f.size() < 3 || f[0].empty()) return;
        auto gid = parse_id(f[2]);
        if (!gid) return;
        GroupEntry e;
        e.name = f[0];
        e.gid = *gid;
        if (f.size() > 3 && !f[3].empty()) {
            for (std::string& m : str::split(f[3], ',')) {
                std::string_view t = str::trim(m);
                if (!t.empty()) e.members.emplace_back(t);
            }
        }
        out.push_back(std::move(e));
    });
    return out;
}

Result<void> check_user_spec(std::string_view spec) {
    if (spec.empty()) return {};
    size_t colon = spec.find(':');
    std::string_view user = spec.substr(0, colon);
    bool bad = user.empty();
    if (colon != std::string_view::npos) {
        std::string_view group = spec.substr(colon + 1);
        bad = bad || group.empty() || group.find(':') != std::string_view::npos;
    }
    if (bad) return make_error("invalid user \"" + std::string(spec) + "\": want USER[:GROUP]");
    return {};
}

Result<ResolvedUser> resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                                  const std::optional<std::string>& group) {
    TRY(check_user_spec(spec));
    size_t colon = spec.find(':');
    std::string_view user_arg = spec.empty() ? std::string_view("0") : spec.substr(0, colon);
    std::string_view group_arg = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);

    std::vector<PasswdEntry> users = passwd ? parse_passwd(*passwd) : std::vector<PasswdEntry>{};
    auto uid_arg = parse_id(user_arg);
    auto entry = std::find_if(users.begin(), users.end(), [&](const PasswdEntry& e) {
        return uid_arg ? e.uid == *uid_arg : e.name == user_arg;
    });
    bool matched = entry != users.end();
    if (!matched && !uid_arg)
        return make_error("unable to find user " + std::string(user_arg) + ": no matching entries in passwd file");

    ResolvedUser out;
    out.uid = matched ? entry->uid : *uid_arg;
    out.gid = matched ? entry->gid : 0;
    if (matched && !entry->home.empty()) out.home = entry->home;

    std::vector<GroupEntry> groups = group ? parse_group(*group) : std::vector<GroupEntry>{};
    if (!group_arg.empty()) {
        // An explicit group replaces the primary group; supplementary groups come only from the
        // implicit form, as runc does.
        if (auto gid_arg = parse_id(group_arg)) {
            out.gid = *gid_arg;
        } else {
            auto g = std::find_if(groups.begin(), groups.end(),
                                  [&](const GroupEntry& e) { return e.name == group_arg; });
            if (g == groups.end())
                return make_error("unable to find group " + std::string(group_arg) +
                                  ": no matching entries in group file");
            out.gid = g->gid;
        }
    } else if (matched) {
        for (const GroupEntry& g : groups) {
            if (std::find(g.members.begin(), g.members.end(), entry->name) != g.members.end())
                add_group(out.groups, g.gid);
        }
    }
    // podman lists the primary group among the supplementary ones whenever a user is given.
    if (!spec.empty()) add_group(out.groups, out.gid);
    return out;
}

Result<void> add_groups(ResolvedUser& user, const std::vector<std::string>& group_add,
                        const std::optional<std::string>& group) {
    std::vector<GroupEntry> groups = group ? parse_group(*group) : std::vector<GroupEntry>{};
    for (const std::string& name : group_add) {
        if (name == "keep-groups") {
            user.keep_groups = true;
            continue;
        }
        if (auto gid = parse_id(name)) {
            add_group(user.groups, *gid);
            continue;
        }
        auto g = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& e) { return e.name == name; });
        if (g == groups.end()) return make_error("unable to find group " + name + ": no matching entries in group file");
        add_group(user.groups, g->gid);
    }
    return {};
}

}  // namespace skiff::runtime
