#include "targets.hpp"

#include "skiff/base/fs.hpp"
#include "skiff/engine/container_filter.hpp"
#include "skiff/engine/containers.hpp"

namespace skiff::cli {

void add_target_flags(CLI::App* sub, TargetFlags& t, const TargetFlagSet& set) {
    sub->add_flag("-a,--all", t.all, set.all_help);
    sub->add_flag("-l,--latest", t.latest, "Act on the latest container skiff is aware of");
    if (set.cidfile)
        sub->add_option("--cidfile", t.cidfiles, "Read the container ID from the file")->allow_extra_args(false);
    if (set.filter)
        sub->add_option(set.filter_short ? "-f,--filter" : "--filter", t.filters, "Filter output based on conditions given")->allow_extra_args(false);
    if (set.ignore) sub->add_flag("-i,--ignore", t.ignore, "Ignore errors when a specified container is missing");
    sub->add_option("containers", t.names)->group("");
}

Result<void> check_targets(const TargetFlags& t) {
    bool cidfile = !t.cidfiles.empty(), names = !t.names.empty();
    if (!t.filters.empty()) {
        if (names) return make_error("--filter takes no arguments");
        return {};
    }
    if (cidfile && (t.all || t.latest)) return make_error("--all, --latest, and --cidfile cannot be used together");
    if (t.all && t.latest) return make_error("--all and --latest cannot be used together");
    if (names && t.all) return make_error("no arguments are needed with --all");
    if (names && t.latest) return make_error("--latest and containers cannot be used together");
    if (names && cidfile) return make_error("no arguments are needed with --latest or --cidfile");
    if (!names && !t.all && !t.latest && !cidfile) return make_error("you must provide at least one name or id");
    return {};
}

namespace {

Result<std::vector<Target>> filtered(Context& ctx, const TargetFlags& t) {
    auto filter = TRY(engine::ContainerFilter::parse(ctx.store, t.filters));
    std::vector<Target> out;
    for (auto& c : TRY(engine::list_containers(ctx.store, true))) {
        if (!filter.matches(c)) continue;
        bool named = t.names.empty();
        for (auto& n : t.names) named = named || n == c.id || n == c.name;
        if (named) out.push_back({c.id, c.id});
    }
    return out;
}

// The ID a --cidfile holds: its first line.
Result<std::string> read_cidfile(const std::string& path) {
    auto text = fs::read_file(path);
    if (!text.ok()) return make_error("reading CIDFile: " + text.error().message);
    return text->substr(0, text->find('\n'));
}

}  // namespace

Result<std::vector<Target>> resolve_targets(Context& ctx, const TargetFlags& t,
                                            const std::function<bool(const storage::Container&)>& wanted) {
    if (!t.filters.empty()) return filtered(ctx, t);
    std::vector<Target> out;
    if (t.all) {
        for (auto& id : TRY(engine::containers_where(ctx.store, wanted))) out.push_back({id, id});
        return out;
    }
    if (t.latest) {
        auto list = TRY(engine::list_containers(ctx.store, true));
        if (list.empty()) return missing_error("no such container");
        out.push_back({list.front().id, list.front().id});
        return out;
    }
    for (auto& path : t.cidfiles) {
        auto id = TRY(read_cidfile(path));
        out.push_back({id, id});
    }
    for (auto& n : t.names) {
        if (t.ignore) {
            auto exists = TRY(engine::container_exists(ctx.store, n));
            if (!exists) continue;
        }
        out.push_back({n, n});
    }
    return out;
}

}  // namespace skiff::cli
