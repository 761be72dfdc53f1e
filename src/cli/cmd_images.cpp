// skiff images [options] [IMAGE]
#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/image_filter.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/base/time.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct ImagesOptions {
    bool all = false, quiet = false, no_trunc = false, noheading = false, digests = false, history = false;
    std::string format;
    std::string sort = "created";
    std::vector<std::string> filters;
    std::vector<std::string> args;
};

constexpr const char* kSortKeys[] = {"created", "id", "repository", "size", "tag"};

// podman's columns: the digest and the name history only when asked for.
std::string default_format(const ImagesOptions& o) {
    std::string f = "table {{.Repository}}\t{{.Tag}}\t";
    if (o.digests) f += "{{.Digest}}\t";
    f += "{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    if (o.history) f += "\t{{.History}}";
    return f;
}

// One listed row: the template value and the keys --sort compares.
struct Row {
    Value value;
    std::string id, repository, tag;
    uint64_t size = 0;
    int64_t created_ns = 0;
};

// podman's order: newest first by default, else ascending by the key; rows that compare equal
// keep their order (an image's names in the order they were given).
void sort_rows(std::vector<Row>& rows, const std::string& key) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        if (key == "id") return a.id < b.id;
        if (key == "repository") return a.repository < b.repository;
        if (key == "size") return a.size < b.size;
        if (key == "tag") return a.tag < b.tag;
        return a.created_ns > b.created_ns;
    });
}

Value labels_value(const storage::ImageRecord& img) {
    std::map<std::string, Value> labels(img.config.config.labels.begin(), img.config.config.labels.end());
    return Value::map(std::move(labels));
}

// One row per name in the image's own order (one "<none>" row for an image without any), podman's
// template fields. `no_history` stands for an empty name history ("<none>" in podman's own table).
std::vector<Row> template_rows(const storage::ImageRecord& img, size_t containers, bool no_trunc, int64_t now,
                               const std::string& no_history) {
    // podman's rows: one per tagged name; a name a pull by digest gave shows (as <none>) only when
    // the image has no tagged name.
    std::vector<std::string> names = engine::repo_tags(img);
    if (names.empty()) names.push_back(img.names.empty() ? "" : img.names.front());
    std::string since = img.created_ns ? str::human_duration((now - img.created_ns) / 1000000000) + " ago" : "";
    std::vector<Row> rows;
    for (auto& name : names) {
        auto [repo, tag] = name.empty() ? std::pair<std::string, std::string>{"<none>", "<none>"} : engine::repository_and_tag(name);
        rows.push_back({Value::record({
            {"ID", no_trunc ? "sha256:" + img.id : img.id.substr(0, 12)},
            {"Id", img.id},
            {"ParentId", ""},
            {"Repository", repo},
            {"Tag", tag},
            {"Digest", img.digest},
            {"Created", since},
            {"CreatedSince", since},
            {"CreatedAt", img.created_ns ? go_time_text(img.created_ns) : ""},
            {"Size", spaced_size(img.size)},
            {"VirtualSize", static_cast<unsigned long long>(img.size)},
            {"SharedSize", 0},
            {"Containers", static_cast<unsigned long long>(containers)},
            {"Dangling", img.names.empty()},
            {"ReadOnly", false},
            {"Labels", labels_value(img)},
            {"Names", img.names},
            {"History", img.names_history.empty() ? no_history : str::join(img.names_history, ", ")},
        }), img.id, repo, tag, img.size, img.created_ns});
    }
    return rows;
}

Value json_value(const storage::ImageRecord& img, size_t containers) {
    const auto& labels = img.config.config.labels;
    return Value::record({
        {"Id", img.id},
        {"ParentId", ""},
        {"RepoTags", Value()},
        {"RepoDigests", engine::repo_digests(img)},
        {"Size", static_cast<unsigned long long>(img.size)},
        {"SharedSize", 0},
        {"VirtualSize", static_cast<unsigned long long>(img.size)},
        {"Labels", labels.empty() ? Value() : labels_value(img)},
        {"Containers", static_cast<unsigned long long>(containers)},
        {"Names", img.names},
        {"Digest", img.digest},
        {"History", img.names_history},
        {"Created", static_cast<long long>(img.created_ns / 1000000000)},
        {"CreatedAt", img.created_ns ? format_rfc3339(img.created_ns - img.created_ns % 1000000000) : ""},
    });
}

Result<void> run_images(Context& ctx, const ImagesOptions& o) {
    TRY(check_arg_count("images", o.args.size(), 0, 1));
    if (std::find(std::begin(kSortKeys), std::end(kSortKeys), o.sort) == std::end(kSortKeys))
        return make_error("\"" + o.sort + "\" is not a valid field for sorting. Choose from: " +
                          str::join(std::vector<std::string>(std::begin(kSortKeys), std::end(kSortKeys)), ", "));
    auto list = TRY(engine::list_images(ctx.store, o.args.empty() ? "" : o.args[0]));
    auto filter = TRY(engine::ImageFilter::parse(ctx.store, o.filters));
    std::erase_if(list, [&](const storage::ImageRecord& img) { return !filter.matches(img); });
    int64_t now = now_ns();
    if (o.format == "json") {
        Value::List items;
        for (auto& img : list) items.push_back(json_value(img, engine::containers_using(ctx.store, img.id)));
        std::cout << Value::list(std::move(items)).json(4) << "\n";
        return {};
    }
    if (o.quiet) {
        for (auto& img : list) std::cout << (o.no_trunc ? "sha256:" + img.id : img.id.substr(0, 12)) << "\n";
        return {};
    }
    bool own_table = o.format.empty() || o.format == "table";
    std::string format = own_table ? default_format(o) : o.format;
    std::string no_history = own_table ? "<none>" : "";
    std::vector<Row> sorted;
    for (auto& img : list)
        for (auto& row : template_rows(img, engine::containers_using(ctx.store, img.id), o.no_trunc, now, no_history))
            sorted.push_back(std::move(row));
    sort_rows(sorted, o.sort);
    std::vector<Value> rows;
    for (auto& row : sorted) rows.push_back(std::move(row.value));
    std::string out = TRY(render_rows(format, rows, {{"ID", "IMAGE ID"}, {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"}}));
    if (o.noheading && str::starts_with(format, "table")) {
        auto nl = out.find('\n');
        out = nl == std::string::npos ? "" : out.substr(nl + 1);
    }
    std::cout << out;
    return {};
}

}  // namespace

void add_images(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("images", "List images in local storage");
    set_usage(sub, "skiff images [options] [IMAGE]");
    auto o = std::make_shared<ImagesOptions>();
    sub->add_flag("-a,--all", o->all, "Show all images (default hides intermediate images)");
    sub->add_flag("--digests", o->digests, "Show digests");
    sub->add_option("-f,--filter", o->filters, "Filter output based on conditions provided (after, before, containers, dangling, id, intermediate, label, manifest, readonly, reference, until)")
        ->allow_extra_args(false);
    sub->add_option("--format", o->format, "Change the output format to JSON or a Go template");
    sub->add_flag("--history", o->history, "Display the image name history");
    sub->add_flag("-n,--noheading", o->noheading, "Do not print column headings");
    sub->add_flag("--no-trunc", o->no_trunc, "Do not truncate output");
    sub->add_flag("-q,--quiet", o->quiet, "Display only image IDs");
    sub->add_option("--sort", o->sort, "Sort by created, id, repository, size or tag (default: created)");
    sub->add_option("image", o->args, "Show only images with this name");
    sub->callback([o, &ctx] { finish(ctx, run_images(ctx, *o)); });
}

}  // namespace skiff::cli
