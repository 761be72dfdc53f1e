// skiff history [options] IMAGE
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/base/time.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct HistoryOptions {
    std::string human_flag = "true";  // -H[=true|false]; pflag also takes "-H=false"
    bool human = true, no_trunc = false, quiet = false;
    std::string format;
    std::string image;
};

constexpr const char* kDefaultFormat = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
constexpr size_t kCreatedByWidth = 45;

constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

// podman's --format json: its history layer's JSON keys (full id, raw size, "created" to the
// nanosecond, "Created" to the second), not the template fields.
Value json_value(const engine::HistoryStep& s, const std::string& created, const std::string& created_seconds) {
    Value::Fields f{{"id", s.id}, {"created", created}};
    if (!s.entry.created_by.empty()) f.emplace_back("CreatedBy", s.entry.created_by);
    f.emplace_back("size", static_cast<unsigned long long>(s.size));
    if (!s.entry.comment.empty()) f.emplace_back("comment", s.entry.comment);
    f.emplace_back("Created", created_seconds.empty() ? kGoZeroTime : created_seconds);
    return Value::record(std::move(f));
}

Result<void> history(Context& ctx, HistoryOptions o) {
    std::string_view h = o.human_flag;
    if (h.starts_with("=")) h.remove_prefix(1);
    if (h != "true" && h != "false" && !h.empty())
        return make_error("invalid argument \"" + std::string(h) + "\" for \"-H, --human\" flag: invalid syntax");
    o.human = h != "false";
    auto history = TRY(engine::image_history(ctx.store, o.image));
    int64_t now = now_ns();
    std::vector<Value> rows;
    Value::List json;
    for (auto& s : history.steps) {
        std::string id = s.id == "<missing>" || o.no_trunc ? s.id : s.id.substr(0, 12);
        if (o.quiet) {
            std::cout << id << "\n";
            continue;
        }
        auto created = parse_rfc3339(s.entry.created);
        std::string since = created ? str::human_duration((now - *created) / 1000000000) + " ago" : "";
        std::string rfc3339 = created ? format_rfc3339(*created - *created % 1000000000) : "";
        std::string by = s.entry.created_by;
        if (!o.no_trunc && by.size() > kCreatedByWidth) by = by.substr(0, kCreatedByWidth - 3) + "...";
        json.push_back(json_value(s, created ? format_rfc3339(*created) : kGoZeroTime, rfc3339));
        rows.push_back(Value::record({
            {"ID", id},
            {"Created", o.human ? since : rfc3339},
            {"CreatedSince", o.human ? since : rfc3339},
            {"CreatedAt", created ? go_time_text(*created) : ""},
            {"CreatedBy", by},
            {"Size", spaced_size(s.size)},
            {"Comment", s.entry.comment},
            {"Author", s.entry.author},
            {"Tags", history.names},
        }));
    }
    if (o.quiet) return {};
    std::string format = o.format.empty() || o.format == "table" ? kDefaultFormat : o.format;
    if (format == "json") {
        std::cout << (json.empty() ? "[]" : Value::list(std::move(json)).json()) << "\n";
        return {};
    }
    std::cout << TRY(render_rows(format, rows, {{"ID", "ID"}, {"CreatedBy", "CREATED BY"}, {"CreatedAt", "CREATED AT"}}));
    return {};
}

}  // namespace

void add_history(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("history", "Show history of a specified image");
    set_usage(sub, "skiff history [options] IMAGE");
    auto o = std::make_shared<HistoryOptions>();
    sub->add_option("--format", o->format, "Change the output to JSON or a Go template");
    sub->add_option("-H,--human", o->human_flag, "Display sizes and dates in human readable format (true|false)")
        ->expected(0, 1)
        ->default_str("true");  // a bare -H leaves "true"
    sub->add_flag("--no-trunc", o->no_trunc, "Do not truncate the output");
    sub->add_flag("-q,--quiet", o->quiet, "Display the numeric IDs only");
    sub->add_option("image", o->image, "Image")->required();
    sub->callback([o, &ctx] { finish(ctx, history(ctx, *o)); });
}

}  // namespace skiff::cli
