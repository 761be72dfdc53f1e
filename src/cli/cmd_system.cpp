// skiff system SUBCOMMAND: podman's `podman system …` — prune.
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/system.hpp"

namespace skiff::cli {

namespace {

std::string prune_warning(const engine::SystemPruneOptions& o) {
    std::string w = "WARNING! This command removes:\n\t- all stopped containers\n";
    if (o.volumes) w += "\t- all volumes not used by at least one container\n";
    w += o.all ? "\t- all images without at least one container associated with them\n" : "\t- all dangling images\n";
    return w;
}

void print_section(const char* title, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::cout << title << "\n";
    for (auto& i : items) std::cout << i << "\n";
}

Result<void> prune(Context& ctx, const engine::SystemPruneOptions& o, bool force) {
    if (!force && !confirmed(prune_warning(o))) return {};
    auto report = TRY(engine::prune_system(ctx.store, o));
    print_section("Deleted Containers", report.containers);
    if (o.volumes) print_section("Deleted Volumes", report.volumes);
    print_section("Deleted Images", report.images);
    std::cout << "Total reclaimed space: " << str::human_size(report.reclaimed) << "\n";
    return {};
}

}  // namespace

void add_system(CLI::App& parent, Context& ctx) {
    auto* system = parent.add_subcommand("system", "Manage skiff");
    set_usage(system, "skiff system SUBCOMMAND");
    system->callback([system, &ctx] {
        if (system->get_subcommands().empty()) ctx.exit_code = fail(make_error("missing command 'skiff system COMMAND'"));
    });
    auto* sub = system->add_subcommand("prune", "Remove unused data");
    set_usage(sub, "skiff system prune [options]");
    auto o = std::make_shared<engine::SystemPruneOptions>();
    auto force = std::make_shared<bool>(false);
    sub->add_flag("-a,--all", o->all, "Remove all unused images, not just dangling ones");
    sub->add_flag("-f,--force", *force, "Do not prompt for confirmation");
    sub->add_flag("--volumes", o->volumes, "Prune volumes not used by at least one container");
    sub->callback([o, force, &ctx] { finish(ctx, prune(ctx, *o, *force)); });
}

}  // namespace skiff::cli
