// skiff ps [options]
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/containers.hpp"
#include "table.hpp"

namespace skiff::cli {

namespace {

struct PsOptions {
    bool all = false, quiet = false, no_trunc = false, latest = false;
    int last = -1;
    std::string format;
};

std::string quote_command(const std::vector<std::string>& args) { return str::join(args, " "); }

std::string status_text(const storage::Container& c, int64_t now) {
    using storage::ContainerState;
    auto ago = [&](int64_t t) { return str::human_duration((now - t) / 1000000000); };
    switch (c.state) {
        case ContainerState::kCreated: return "Created";
        case ContainerState::kRunning: return "Up " + ago(c.started_ns);
        case ContainerState::kExited:
            return fmt::format("Exited ({}) {} ago", c.exit_code, ago(c.finished_ns ? c.finished_ns : c.created_ns));
    }
    return "Unknown";
}

std::string json_list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json_quote(v[i]);
    return out + "]";
}

std::string to_json(const std::vector<storage::Container>& list, int64_t now) {
    std::string out = "[";
    for (size_t i = 0; i < list.size(); ++i) {
        auto& c = list[i];
        bool exited = c.state == storage::ContainerState::kExited;
        std::string labels = "{";
        size_t n = 0;
        for (auto& [k, v] : c.labels) labels += (n++ ? ", " : "") + json_quote(k) + ": " + json_quote(v);
        labels += "}";
        out += fmt::format(
            "{}\n  {{\n    \"AutoRemove\": {},\n    \"Command\": {},\n    \"Created\": {},\n    \"CreatedAt\": {},\n"
            "    \"Exited\": {},\n    \"ExitedAt\": {},\n    \"ExitCode\": {},\n    \"Id\": {},\n    \"Image\": {},\n"
            "    \"ImageID\": {},\n    \"Labels\": {},\n    \"Names\": [{}],\n    \"Pid\": {},\n    \"StartedAt\": {},\n"
            "    \"State\": {},\n    \"Status\": {}\n  }}",
            i ? "," : "", c.auto_remove, json_list(c.command), c.created_ns / 1000000000,
            json_quote(str::human_duration((now - c.created_ns) / 1000000000) + " ago"), exited, c.finished_ns / 1000000000,
            c.exit_code, json_quote(c.id), json_quote(c.image_name), json_quote(c.image_id), labels,
            json_quote(c.name), c.state == storage::ContainerState::kRunning ? c.pid : 0, c.started_ns / 1000000000,
            json_quote(storage::state_name(c.state)), json_quote(status_text(c, now)));
    }
    return out + (list.empty() ? "]\n" : "\n]\n");
}

}  // namespace

void add_ps(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("ps", "List containers");
    set_usage(sub, "skiff ps [options]");
    auto o = std::make_shared<PsOptions>();
    sub->add_flag("-a,--all", o->all, "Show all the containers, default is only running containers");
    sub->add_option("--format", o->format, "Pretty-print containers to JSON (json, table)");
    sub->add_option("-n,--last", o->last, "Print the n last created containers (all states)");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_flag("--no-trunc", o->no_trunc, "Display the extended information");
    sub->add_flag("-q,--quiet", o->quiet, "Print the numeric IDs of the containers only");
    sub->callback([o, &ctx] {
        if (!o->format.empty() && o->format != "json" && o->format != "table") {
            ctx.exit_code = fail(make_error("unsupported --format \"" + o->format + "\": want json or table"));
            return;
        }
        bool all = o->all || o->latest || o->last >= 0;
        auto list = engine::list_containers(ctx.store, all);
        if (!list.ok()) {
            ctx.exit_code = fail(list.error());
            return;
        }
        if (o->latest && list->size() > 1) list->resize(1);
        if (o->last >= 0 && list->size() > static_cast<size_t>(o->last)) list->resize(static_cast<size_t>(o->last));
        int64_t now = storage::now_ns();
        if (o->format == "json") {
            std::cout << to_json(*list, now);
            return;
        }
        if (o->quiet) {
            for (auto& c : *list) std::cout << (o->no_trunc ? c.id : c.id.substr(0, 12)) << "\n";
            return;
        }
        Table t({"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
        for (auto& c : *list) {
            std::string cmd = quote_command(c.command);
            if (!o->no_trunc && cmd.size() > 20) cmd = cmd.substr(0, 17) + "...";
            t.add({o->no_trunc ? c.id : c.id.substr(0, 12), c.image_name, cmd,
                   str::human_duration((now - c.created_ns) / 1000000000) + " ago", status_text(c, now), "", c.name});
        }
        std::cout << t.render();
    });
}

}  // namespace skiff::cli
