// Parent commands (`skiff image …`, `skiff container …`) and the confirmation question of prune.
#include <iostream>

#include <CLI/App.hpp>

#include "commands.hpp"

namespace skiff::cli {

std::optional<int> given(const CLI::Option* option, int value) {
    return option->count() ? std::optional<int>(value) : std::nullopt;
}

bool confirmed(const std::string& warning) {
    std::cout << warning << "\nAre you sure you want to continue? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes";
}

CLI::App* add_parent(CLI::App& app, Context& ctx, const char* name, const char* description,
                     std::span<const SubcommandEntry> subs) {
    auto* parent = app.add_subcommand(name, description);
    std::string full = std::string("skiff ") + name;
    set_usage(parent, full + " SUBCOMMAND");
    parent->callback([parent, full, &ctx] {
        if (parent->get_subcommands().empty()) ctx.exit_code = fail(make_error("missing command '" + full + " COMMAND'"));
    });
    for (const auto& e : subs) {
        e.add(*parent, ctx);
        CLI::App* sub = parent->get_subcommand(e.command);
        sub->name(e.name);
        if (e.alias) sub->alias(e.alias);
        std::string usage = usage_of(sub);
        std::string old_prefix = std::string("skiff ") + e.command;
        if (usage.starts_with(old_prefix)) set_usage(sub, full + " " + e.name + usage.substr(old_prefix.size()));
    }
    return parent;
}

}  // namespace skiff::cli
