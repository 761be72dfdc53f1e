// skiff search [options] TERM (also `skiff image search`)
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "registry_flags.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/search.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct SearchArgs {
    std::vector<std::string> filters;
    std::string format;
    int limit = 0;
    bool no_trunc = false, compatible = false, list_tags = false;
    RegistryFlags registry;
    std::vector<std::string> terms;
};

Value row_of(const engine::SearchResult& r) {
    return Value::record({
        {"Index", r.index},
        {"Name", r.name},
        {"Description", r.description},
        {"Stars", r.stars},
        {"Official", r.official ? "[OK]" : ""},
        {"Automated", r.automated ? "[OK]" : ""},
        {"Tag", r.tag},
    });
}

// --list-tags --format json: one entry per repository with its tags, as podman prints it.
Value tags_json(const std::vector<engine::SearchResult>& results) {
    std::vector<std::pair<std::string, std::vector<std::string>>> repos;
    for (const auto& r : results) {
        if (repos.empty() || repos.back().first != r.name) repos.emplace_back(r.name, std::vector<std::string>{});
        repos.back().second.push_back(r.tag);
    }
    Value::List out;
    for (auto& [name, tags] : repos) out.push_back(Value::record({{"Name", name}, {"Tags", tags}}));
    return Value::list(std::move(out));
}

Result<void> search(const SearchArgs& a) {
    if (a.terms.size() != 1)
        return make_error("accepts 1 arg(s), received " + std::to_string(a.terms.size()));
    if (a.list_tags && !a.filters.empty()) return make_error("filters are not applicable to list tags result");
    engine::SearchOptions o;
    o.limit = a.limit;
    o.list_tags = a.list_tags;
    o.no_trunc = a.no_trunc;
    o.filter = TRY(engine::parse_search_filters(a.filters));
    o.access = TRY(registry_access(a.registry));
    // Nothing asked for: no request (podman's limit below one).
    if (a.limit < 0) return {};
    auto results = TRY(engine::search(a.terms[0], o));
    if (results.empty()) return {};
    bool json = a.format == "json" || a.format == "{{json .}}";
    if (json) {
        Value::List rows;
        for (const auto& r : results) rows.push_back(row_of(r));
        std::cout << (a.list_tags ? tags_json(results) : Value::list(std::move(rows))).json(4) << "\n";
        return {};
    }
    std::vector<Value> rows;
    for (auto r : results) {
        // The table cuts what the registry's answer did not (a description already cut is cut again
        // at the same place, without the spaces before the cut).
        if (r.description.size() > engine::kSearchDescriptionWidth && !a.no_trunc)
            r.description = std::string(str::trim(r.description.substr(0, engine::kSearchDescriptionWidth))) + "...";
        rows.push_back(row_of(r));
    }
    std::string format;
    if (a.list_tags) format = "table {{.Name}}\t{{.Tag}}";
    else if (!a.format.empty()) format = a.format;
    else if (a.compatible) format = "table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}";
    else format = "table {{.Name}}\t{{.Description}}";
    std::cout << TRY(render_rows(format, rows));
    return {};
}

}  // namespace

void add_search(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("search", "Search registry for image");
    set_usage(sub, "skiff search [options] TERM");
    auto a = std::make_shared<SearchArgs>();
    sub->add_option("-f,--filter", a->filters, "Filter output based on conditions provided (stars=N, is-official, is-automated)")
        ->allow_extra_args(false);
    sub->add_option("--format", a->format, "Change the output format to JSON or a Go template");
    sub->add_option("--limit", a->limit, "Limit the number of results (per registry; default 25)");
    sub->add_flag("--no-trunc", a->no_trunc, "Do not truncate the output");
    sub->add_flag("--compatible", a->compatible, "List stars, official and automated columns (Docker compatibility)");
    sub->add_flag("--list-tags", a->list_tags, "List the tags of the input registry");
    add_registry_flags(sub, a->registry);
    sub->add_option("term", a->terms)->group("");
    sub->callback([a, &ctx] { finish(ctx, search(*a)); });
}

}  // namespace skiff::cli
