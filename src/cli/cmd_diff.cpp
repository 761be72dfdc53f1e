// skiff diff [options] CONTAINER|IMAGE (also `container diff`, `image diff`)
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/commit.hpp"
#include "skiff/engine/containers.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct DiffArgs {
    std::string format;
    bool latest = false;  // the container created last (not for `image diff`)
    std::vector<std::string> args;
};

// podman's JSON report: {"changed": […], "added": […], "deleted": […]}, empty lists left out.
std::string json_report(const std::vector<storage::Change>& changes) {
    std::vector<std::string> lists[3];
    for (auto& c : changes) lists[static_cast<int>(c.kind)].push_back(c.path);
    Value::Fields fields;
    const char* names[3] = {"changed", "added", "deleted"};
    for (int i = 0; i < 3; i++)
        if (!lists[i].empty()) fields.emplace_back(names[i], Value(lists[i]));
    return Value::record(std::move(fields)).json(4);
}

// What --latest names, as podman: the container created last.
Result<std::string> latest_container(const storage::StoreConfig& store) {
    auto list = TRY(engine::list_containers(store, true));
    if (list.empty()) return make_error("unable to get latest container: no such container");
    return list.front().id;
}

Result<void> run_diff(Context& ctx, const DiffArgs& a, engine::DiffTarget target, const char* cmd) {
    if (a.latest && !a.args.empty()) return make_error("--latest and containers cannot be used together");
    if (target != engine::DiffTarget::kImage && !a.latest && a.args.empty())
        return make_error("\"skiff " + std::string(cmd) + "\" requires a name, id, or the \"--latest\" flag");
    if (!a.latest) TRY(check_arg_count(cmd, a.args.size(), 1, 1));
    if (!a.format.empty() && a.format != "json")
        return make_error("--format \"" + a.format + "\" is not supported: only json is");
    std::string name = a.latest ? TRY(latest_container(ctx.store)) : a.args[0];
    auto changes = TRY(engine::diff(ctx.store, name, a.latest ? engine::DiffTarget::kContainer : target));
    if (a.format == "json") {
        std::cout << json_report(changes) << "\n";
        return {};
    }
    for (auto& c : changes) std::cout << storage::change_letter(c.kind) << " " << c.path << "\n";
    return {};
}

void add_diff_as(CLI::App& parent, Context& ctx, const char* description, engine::DiffTarget target) {
    auto* sub = parent.add_subcommand("diff", description);
    std::string args = target == engine::DiffTarget::kImage       ? "IMAGE"
                       : target == engine::DiffTarget::kContainer ? "CONTAINER"
                                                                  : "CONTAINER|IMAGE";
    set_usage(sub, "skiff diff [options] " + args);
    auto a = std::make_shared<DiffArgs>();
    sub->add_option("--format", a->format, "Change the output format (json)");
    if (target != engine::DiffTarget::kImage)
        sub->add_flag("-l,--latest", a->latest, "Act on the latest container skiff is aware of");
    sub->add_option("args", a->args, args)->group("");
    sub->callback([a, &ctx, target] { finish(ctx, run_diff(ctx, *a, target, "diff")); });
}

}  // namespace

void add_diff(CLI::App& parent, Context& ctx) {
    add_diff_as(parent, ctx, "Display the changes to the object's file system", engine::DiffTarget::kAny);
}

void add_container_diff(CLI::App& parent, Context& ctx) {
    add_diff_as(parent, ctx, "Inspect changes to the container's file systems", engine::DiffTarget::kContainer);
}

void add_image_diff(CLI::App& parent, Context& ctx) {
    add_diff_as(parent, ctx, "Inspect changes to the image's file systems", engine::DiffTarget::kImage);
}

}  // namespace skiff::cli
