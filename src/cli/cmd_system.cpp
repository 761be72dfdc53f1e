// skiff system SUBCOMMAND: podman's `podman system …` — df, prune.
#include <iostream>
#include <cmath>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "template.hpp"
#include "skiff/base/time.hpp"
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

// podman's RECLAIMABLE cell: the size and its share of the total, rounded.
std::string reclaimable(uint64_t part, uint64_t total) {
    long percent = total ? std::lround(100.0 * static_cast<double>(part) / static_cast<double>(total)) : 0;
    return str::human_size(part) + " (" + std::to_string(percent) + "%)";
}

Value summary_row(const char* type, size_t total, size_t active, uint64_t size, uint64_t reclaim) {
    return Value::record({{"Type", type},
                          {"Total", static_cast<unsigned long long>(total)},
                          {"Active", static_cast<unsigned long long>(active)},
                          {"Size", str::human_size(size)},
                          {"Reclaimable", reclaimable(reclaim, size)}});
}

// The three lines of `system df`, as podman sums them: an image is active when a container uses
// it, a container when it runs; a volume counts once per container that mounts it.
std::vector<Value> summary(const engine::DiskUsage& du) {
    size_t active = 0, running = 0, links = 0;
    uint64_t size = 0, reclaim = 0, rw = 0, rw_reclaim = 0, vsize = 0, vreclaim = 0;
    for (auto& i : du.images) {
        size += i.size;
        if (i.containers > 0) ++active;
        else reclaim += i.size;
    }
    for (auto& c : du.containers) {
        rw += c.rw;
        if (c.running) ++running;
        else rw_reclaim += c.rw;
    }
    for (auto& v : du.volumes) {
        links += v.links;
        vsize += v.size;
        if (v.links == 0) vreclaim += v.size;
    }
    return {summary_row("Images", du.images.size(), active, size, reclaim),
            summary_row("Containers", du.containers.size(), running, rw, rw_reclaim),
            summary_row("Local Volumes", du.volumes.size(), links, vsize, vreclaim)};
}

Result<std::string> verbose(const engine::DiskUsage& du) {
    int64_t now = now_ns();
    auto ago = [&](int64_t ns) { return str::human_duration((now - ns) / 1000000000); };
    std::vector<Value> images, containers, volumes;
    for (auto& i : du.images)
        images.push_back(Value::record({{"Repository", i.repository.empty() ? "<none>" : i.repository},
                                        {"Tag", i.tag.empty() ? "<none>" : i.tag},
                                        {"ImageID", i.id.substr(0, 12)},
                                        {"Created", ago(i.created_ns)},
                                        {"Size", str::human_size(i.size)},
                                        {"SharedSize", str::human_size(i.shared)},
                                        {"UniqueSize", str::human_size(i.size - std::min(i.size, i.shared))},
                                        {"Containers", static_cast<unsigned long long>(i.containers)}}));
    for (auto& c : du.containers)
        containers.push_back(Value::record({{"ContainerID", c.id.substr(0, 12)},
                                            {"Image", c.image_id.substr(0, 12)},
                                            {"Command", str::join(c.command, " ")},
                                            {"LocalVolumes", static_cast<unsigned long long>(c.volumes)},
                                            {"RWSize", str::human_size(c.rw)},
                                            {"Created", ago(c.created_ns)},
                                            {"Status", c.status},
                                            {"Names", c.name}}));
    for (auto& v : du.volumes)
        volumes.push_back(Value::record({{"VolumeName", v.name},
                                         {"Links", static_cast<unsigned long long>(v.links)},
                                         {"Size", str::human_size(v.size)}}));
    std::string out = "Images space usage:\n\n";
    out += TRY(render_rows("table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
                           images, {{"ImageID", "IMAGE ID"}, {"SharedSize", "SHARED SIZE"}, {"UniqueSize", "UNIQUE SIZE"}}));
    out += "\nContainers space usage:\n\n";
    out += TRY(render_rows("table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.RWSize}}\t{{.Created}}\t{{.Status}}\t{{.Names}}",
                           containers, {{"ContainerID", "CONTAINER ID"}, {"LocalVolumes", "LOCAL VOLUMES"}, {"RWSize", "SIZE"}}));
    out += "\nLocal Volumes space usage:\n\n";
    out += TRY(render_rows("table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", volumes, {{"VolumeName", "VOLUME NAME"}}));
    return out;
}

Result<void> df(Context& ctx, bool verbose_flag, const std::string& format) {
    if (verbose_flag && !format.empty()) return make_error("cannot combine --format and --verbose flags");
    auto du = TRY(engine::disk_usage(ctx.store));
    if (verbose_flag) {
        std::cout << TRY(verbose(du));
        return {};
    }
    auto rows = summary(du);
    if (format == "json") {
        std::cout << Value::list(std::move(rows)).json(4) << "\n";
        return {};
    }
    std::string f = format.empty() ? "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}" : format;
    std::cout << TRY(render_rows(f, rows, {{"Reclaimable", "RECLAIMABLE"}}));
    return {};
}

}  // namespace

void add_system(CLI::App& parent, Context& ctx) {
    auto* system = parent.add_subcommand("system", "Manage skiff");
    set_usage(system, "skiff system SUBCOMMAND");
    system->callback([system, &ctx] {
        if (system->get_subcommands().empty()) ctx.exit_code = fail(make_error("missing command 'skiff system COMMAND'"));
    });
    auto* df_cmd = system->add_subcommand("df", "Show skiff disk usage");
    set_usage(df_cmd, "skiff system df [options]");
    auto df_verbose = std::make_shared<bool>(false);
    auto df_format = std::make_shared<std::string>();
    df_cmd->add_option("--format", *df_format, "Pretty-print images using a Go template");
    df_cmd->add_flag("-v,--verbose", *df_verbose, "Show detailed information on disk usage");
    df_cmd->callback([df_verbose, df_format, &ctx] { finish(ctx, df(ctx, *df_verbose, *df_format)); });

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
