// skiff ps [options]
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/App.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/container_filter.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/base/time.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct PsOptions {
    bool all = false, external = false, quiet = false, no_trunc = false, latest = false, size = false, noheading = false;
    int last = -1;
    std::string format, sort;
    std::vector<std::string> filters;
};

std::string quote_command(const std::vector<std::string>& args) { return str::join(args, " "); }

std::string status_text(const storage::Container& c, int64_t now) {
    using storage::ContainerState;
    auto ago = [&](int64_t t) { return str::human_duration((now - t) / 1000000000); };
    switch (c.state) {
        case ContainerState::kCreated: return "Created";
        case ContainerState::kRunning: return c.paused ? "Paused" : "Up " + ago(c.started_ns);
        case ContainerState::kExited:
            return fmt::format("Exited ({}) {} ago", c.exit_code, ago(c.finished_ns ? c.finished_ns : c.created_ns));
        case ContainerState::kUnknown: return "Unknown";
        case ContainerState::kInitialized: return "Initialized";
    }
    return "Unknown";
}

// What a --format template sees for one container: podman's field names (Names is one string
// there, a list in JSON, as podman has it).
// "12B (virtual 4.5MB)", as podman's SIZE column.
std::string size_text(const engine::ContainerSize& s) {
    return str::human_size(s.rw) + " (virtual " + str::human_size(s.root_fs) + ")";
}


Value template_row(const storage::Container& c, int64_t now, bool no_trunc,
                   const std::optional<engine::ContainerSize>& size) {
    std::string cmd = quote_command(c.command);
    if (!no_trunc && cmd.size() > 20) cmd = cmd.substr(0, 17) + "...";
    std::map<std::string, Value> labels(c.labels.begin(), c.labels.end());
    Value::Fields f{
        {"ID", no_trunc ? c.id : c.id.substr(0, 12)},
        {"Image", c.image_name},
        {"ImageID", c.image_id},
        {"Command", cmd},
        {"CreatedAt", str::human_duration((now - c.created_ns) / 1000000000) + " ago"},
        {"CreatedHuman", str::human_duration((now - c.created_ns) / 1000000000) + " ago"},
        {"Created", static_cast<long long>(c.created_ns / 1000000000)},
        {"RunningFor", str::human_duration((now - c.created_ns) / 1000000000)},
        {"Status", status_text(c, now)},
        {"State", storage::status_name(c)},
        {"ExitCode", c.exit_code},
        {"Exited", c.state == storage::ContainerState::kExited},
        {"Pid", c.state == storage::ContainerState::kRunning ? c.pid : 0},
        {"Ports", engine::ports_text(engine::ports_of(c))},
        {"Names", c.name},
        {"Labels", Value::map(std::move(labels))},
        {"AutoRemove", c.auto_remove},
    };
    if (size) f.emplace_back("Size", size_text(*size));
    return Value::record(std::move(f));
}

// podman's JSON for published ports: null when there are none.
Value ports_value(const std::vector<net::PortMapping>& ports) {
    if (ports.empty()) return Value();
    Value::List out;
    for (auto& m : ports)
        out.push_back(Value::record({{"host_ip", m.host_ip},
                                     {"container_port", static_cast<int>(m.container_port)},
                                     {"host_port", static_cast<int>(m.host_port)},
                                     {"range", 1},
                                     {"protocol", m.protocol}}));
    return Value::list(std::move(out));
}

Value json_row(const storage::Container& c, int64_t now, const std::optional<engine::ContainerSize>& size) {
    std::map<std::string, Value> labels(c.labels.begin(), c.labels.end());
    bool running = c.state == storage::ContainerState::kRunning;
    Value::Fields f{
        {"AutoRemove", c.auto_remove},
        {"Command", c.command},
        {"Created", static_cast<long long>(c.created_ns / 1000000000)},
        {"CreatedAt", str::human_duration((now - c.created_ns) / 1000000000) + " ago"},
        {"Exited", c.state == storage::ContainerState::kExited},
        {"ExitedAt", static_cast<long long>(c.finished_ns / 1000000000)},
        {"ExitCode", c.exit_code},
        {"Id", c.id},
        {"Image", c.image_name},
        {"ImageID", c.image_id},
        {"Labels", labels.empty() ? Value() : Value::map(std::move(labels))},
        {"Names", std::vector<std::string>{c.name}},
        {"Pid", running ? c.pid : 0},
        {"Ports", ports_value(engine::ports_of(c))},
        {"StartedAt", static_cast<long long>(c.started_ns / 1000000000)},
        {"State", storage::status_name(c)},
        {"Status", status_text(c, now)},
    };
    if (size)
        f.emplace_back("Size", Value::record({{"rwSize", static_cast<unsigned long long>(size->rw)},
                                              {"rootFsSize", static_cast<unsigned long long>(size->root_fs)}}));
    return Value::record(std::move(f));
}

// podman's --sort keys, and its order for each: ascending, by the field the key names.
constexpr const char* kSortKeys[] = {"command", "created", "id", "image", "names", "runningfor", "size", "status"};

Result<void> check_sort(const std::string& key) {
    if (key.empty() || std::find(std::begin(kSortKeys), std::end(kSortKeys), key) != std::end(kSortKeys)) return {};
    return make_error("invalid argument \"" + key + "\" for \"--sort\" flag: \"" + key +
                      "\" is not a valid value.  Choose from: \"command, created, id, image, names, runningfor, size, status\"");
}

// Stable, so that equal keys keep the listing's order. "size" compares the root file systems'
// sizes (measured only when asked for).
void sort_rows(std::vector<storage::Container>& list, std::vector<std::optional<engine::ContainerSize>>& sizes,
               const std::string& key) {
    if (key.empty()) return;
    std::vector<size_t> order(list.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto less = [&](size_t a, size_t b) {
        const auto &x = list[a], &y = list[b];
        if (key == "command") return quote_command(x.command) < quote_command(y.command);
        if (key == "created") return x.created_ns < y.created_ns;
        if (key == "id") return x.id < y.id;
        if (key == "image") return x.image_name < y.image_name;
        if (key == "names") return x.name < y.name;
        if (key == "runningfor") return x.started_ns < y.started_ns;
        if (key == "status") return std::string(storage::status_name(x)) < storage::status_name(y);
        if (!sizes[a] || !sizes[b]) return false;
        return sizes[a]->root_fs < sizes[b]->root_fs;
    };
    std::stable_sort(order.begin(), order.end(), less);
    std::vector<storage::Container> sorted_list;
    std::vector<std::optional<engine::ContainerSize>> sorted_sizes;
    for (size_t i : order) {
        sorted_list.push_back(std::move(list[i]));
        sorted_sizes.push_back(sizes[i]);
    }
    list = std::move(sorted_list);
    sizes = std::move(sorted_sizes);
}

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
constexpr const char* kSizeFormat =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}";

}  // namespace

void add_ps(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("ps", "List containers");
    set_usage(sub, "skiff ps [options]");
    auto o = std::make_shared<PsOptions>();
    sub->add_flag("-a,--all", o->all, "Show all the containers, default is only running containers");
    // podman lists the containers other tools (buildah) keep in its store with this; skiff's store
    // holds only skiff's containers, so it lists them all.
    sub->add_flag("--external", o->external, "Show containers in storage not controlled by skiff (implies --all)");
    sub->add_option("-f,--filter", o->filters, "Filter output based on conditions given (id, name, status, exited, label, ancestor, before, since)")
        ->allow_extra_args(false);
    sub->add_option("--format", o->format, "Pretty-print containers to JSON or using a Go template");
    sub->add_option("-n,--last", o->last, "Print the n last created containers (all states)");
    sub->add_flag("-l,--latest", o->latest, "Act on the latest container skiff is aware of");
    sub->add_flag("--no-trunc", o->no_trunc, "Display the extended information");
    sub->add_flag("--noheading", o->noheading, "Do not print headers");
    sub->add_option("--sort", o->sort, "Sort output by: command, created, id, image, names, runningfor, size, status");
    sub->add_flag("-q,--quiet", o->quiet, "Print the numeric IDs of the containers only");
    sub->add_flag("-s,--size", o->size, "Display the total file sizes");
    sub->callback([o, &ctx] {
        auto filter = engine::ContainerFilter::parse(ctx.store, o->filters);
        if (!filter.ok()) {
            ctx.exit_code = fail(filter.error());
            return;
        }
        if (auto sorted = check_sort(o->sort); !sorted.ok()) return (void)(ctx.exit_code = fail(sorted.error()));
        // As podman (and Docker): --latest, --last N and a status= filter look at containers in
        // every state; other filters only at running ones, unless --all.
        bool all = o->all || o->external || o->latest || o->last > 0 || filter->has("status");
        auto list = engine::list_containers(ctx.store, all);
        if (!list.ok()) {
            ctx.exit_code = fail(list.error());
            return;
        }
        std::erase_if(*list, [&](const storage::Container& c) { return !filter->matches(c); });
        // A damaged record is listed with what can be known, and said so once per container.
        for (auto& c : *list)
            if (!c.damage.empty())
                log::warn("container {} has a damaged record: {} (skiff rm -f {} removes it)", c.id, c.damage, c.id.substr(0, 12));
        if (o->latest && list->size() > 1) list->resize(1);
        if (o->last >= 0 && list->size() > static_cast<size_t>(o->last)) list->resize(static_cast<size_t>(o->last));
        int64_t now = now_ns();
        // Measuring walks each container's files: only when asked for.
        bool sizes = o->size || o->sort == "size" || o->format.find(".Size") != std::string::npos;
        std::vector<std::optional<engine::ContainerSize>> size_of(list->size());
        for (size_t i = 0; sizes && i < list->size(); ++i) {
            auto s = engine::container_size(ctx.store, (*list)[i]);
            if (!s.ok()) return (void)(ctx.exit_code = fail(s.error()));
            size_of[i] = *s;
        }
        sort_rows(*list, size_of, o->sort);
        if (o->format == "json") {
            Value::List rows;
            for (size_t i = 0; i < list->size(); ++i) rows.push_back(json_row((*list)[i], now, size_of[i]));
            std::cout << Value::list(std::move(rows)).json(4) << "\n";
            return;
        }
        const char* table = o->size ? kSizeFormat : kDefaultFormat;
        std::string format = o->quiet ? "{{.ID}}" : o->format.empty() || o->format == "table" ? table : o->format;
        std::vector<Value> rows;
        for (size_t i = 0; i < list->size(); ++i) rows.push_back(template_row((*list)[i], now, o->no_trunc, size_of[i]));
        auto out = render_rows(format, rows, {{"ID", "CONTAINER ID"}, {"CreatedHuman", "CREATED"}, {"CreatedAt", "CREATED"}});
        if (!out.ok()) {
            ctx.exit_code = fail(out.error());
            return;
        }
        // A table's header row: left out with --noheading.
        if (o->noheading && format.starts_with("table")) {
            auto nl = out->find('\n');
            *out = nl == std::string::npos ? "" : out->substr(nl + 1);
        }
        std::cout << *out;
    });
}

}  // namespace skiff::cli
