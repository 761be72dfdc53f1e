// skiff volume SUBCOMMAND: podman's `podman volume …` for the local driver — create, ls, inspect,
// rm, prune, exists.
#include <cerrno>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "template.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/base/time.hpp"

namespace skiff::cli {

namespace {

Value volume_value(const storage::Volume& v) {
    Value::Map labels(v.labels.begin(), v.labels.end());
    Value::Map options(v.options.begin(), v.options.end());
    Value::Fields f = {
        {"Name", v.name},
        {"Driver", "local"},
        {"Mountpoint", v.mountpoint},
        {"CreatedAt", format_rfc3339(v.created_ns)},
        {"Labels", Value::map(std::move(labels))},
        {"Scope", "local"},
        {"Options", Value::map(std::move(options))},
        {"MountCount", static_cast<unsigned long long>(0)},
        {"NeedsCopyUp", !v.populated},
        {"NeedsChown", !v.mounted},
    };
    if (v.anonymous) f.emplace_back("Anonymous", true);
    return Value::record(std::move(f));
}

struct LsOptions {
    std::string format;
    bool quiet = false, noheading = false;
    std::vector<std::string> filters;
};

Result<void> run_ls(Context& ctx, const LsOptions& o) {
    std::vector<Value> rows;
    for (auto& v : TRY(engine::list_volumes(ctx.store, o.filters))) {
        if (o.quiet) {
            std::cout << v.name << "\n";
            continue;
        }
        rows.push_back(volume_value(v));
    }
    if (o.quiet) return {};
    if (o.format == "json") {
        std::cout << Value::list(std::move(rows)).json(4) << "\n";
        return {};
    }
    std::string format = o.format.empty() || o.format == "table" ? "table {{.Driver}}\t{{.Name}}" : o.format;
    std::string out = TRY(render_rows(format, rows, {{"Name", "VOLUME NAME"}}));
    if (o.noheading && str::starts_with(format, "table")) {
        auto nl = out.find('\n');
        out = nl == std::string::npos ? "" : out.substr(nl + 1);
    }
    std::cout << out;
    return {};
}

Result<void> run_inspect(Context& ctx, const std::vector<std::string>& names, bool all, const std::string& format) {
    if (all != names.empty()) return make_error(all ? "when using the --all flag, no volume names may be given"
                                                    : "`skiff volume inspect` requires at least 1 arg (or --all)");
    std::vector<storage::Volume> found;
    Result<void> status;
    if (all) found = TRY(engine::all_volumes(ctx.store));
    for (auto& n : names) {
        auto v = engine::find_volume(ctx.store, n);
        if (v.ok()) found.push_back(v.take());
        else status = v.take_error();
    }
    Value::List items;
    std::string text;
    std::optional<Template> tmpl;
    if (!format.empty() && format != "json") tmpl = TRY(Template::parse(format));
    for (auto& v : found) {
        if (tmpl) text += TRY(tmpl->execute(volume_value(v))) + "\n";
        else items.push_back(volume_value(v));
    }
    if (tmpl) std::cout << text;
    else if (!items.empty() || status.ok()) std::cout << Value::list(std::move(items)).json(4) << "\n";
    return status;
}

int run_rm(Context& ctx, const std::vector<std::string>& names, bool all, bool force, std::optional<int> stop_timeout) {
    if (all != names.empty())
        return fail(make_error(all ? "when using the --all flag, no volume names may be given"
                                   : "`skiff volume rm` requires at least 1 arg (or --all)"));
    std::vector<std::string> targets = names;
    if (all) {
        auto list = engine::all_volumes(ctx.store);
        if (!list.ok()) return fail(list.error());
        for (auto& v : *list) targets.push_back(v.name);
    }
    // podman's exit status: 1 a volume did not exist, 2 one is in use, 125 anything else.
    int code = 0;
    for (auto& n : targets) {
        auto r = engine::remove_volume(ctx.store, n, force, stop_timeout);
        if (r.ok()) {
            std::cout << n << "\n";
            continue;
        }
        if (force && r.error().missing) continue;  // as podman: -f asks for it gone, and it is
        fail(r.error());
        int c = r.error().missing ? 1 : r.error().code == EBUSY ? 2 : kExitFailure;
        code = std::max(code, c);
    }
    return code;
}

Result<void> prune(Context& ctx, bool force, const std::vector<std::string>& filters) {
    std::vector<std::string> labels;
    for (auto& f : filters) {
        if (!f.starts_with("label=")) return make_error("\"" + f.substr(0, f.find('=')) + "\" is an invalid volume prune filter: want label=KEY[=VALUE]");
        labels.push_back(f.substr(6));
    }
    if (!force) {
        // podman lists what would go, then asks.
        auto names = TRY(engine::prunable_volumes(ctx.store, labels));
        std::string warning = "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:";
        if (names.empty()) {
            std::cout << warning << "\nNo dangling volumes found\n";
            return {};
        }
        for (auto& n : names) warning += "\n" + n;
        if (!confirmed(warning)) return {};
    }
    for (auto& n : TRY(engine::prune_volumes(ctx.store, labels))) std::cout << n << "\n";
    return {};
}

// `volume mount`/`unmount`: a local volume without driver options (all skiff has) is a directory
// that is always there, so, as podman, mounting it prints its path and unmounting its name, and
// neither changes anything.
Result<void> mount_volume(Context& ctx, const std::string& name, bool mount) {
    auto v = TRY(engine::find_volume(ctx.store, name));
    std::cout << (mount ? v.mountpoint : v.name) << "\n";
    return {};
}

}  // namespace

void add_volume(CLI::App& parent, Context& ctx) {
    auto* v = add_parent(parent, ctx, "volume", "Manage volumes", {});

    auto* create = v->add_subcommand("create", "Create a new volume");
    set_usage(create, "skiff volume create [options] [NAME]");
    struct CreateOptions {
        std::string name;
        std::vector<std::string> labels, opts;
        std::string driver;
        bool ignore = false;
    };
    auto co = std::make_shared<CreateOptions>();
    create->add_option("-d,--driver", co->driver, "Specify volume driver name (local)");
    create->add_flag("--ignore", co->ignore, "Don't fail if volume already exists");
    create->add_option("-l,--label", co->labels, "Set metadata for a volume (KEY=VALUE)")->allow_extra_args(false);
    create->add_option("-o,--opt", co->opts, "Set driver specific options (type, device, o)")->allow_extra_args(false);
    create->add_option("name", co->name, "The volume's name (default: a random one)");
    create->callback([co, &ctx] {
        auto made = [&]() -> Result<std::string> {
            if (!co->driver.empty() && co->driver != "local")
                return make_error("volume driver \"" + co->driver + "\" is not supported: skiff has the local driver only");
            std::map<std::string, std::string> opts;
            for (auto& o : co->opts) {
                auto eq = o.find('=');
                if (eq == std::string::npos) opts[o] = "";
                else opts[o.substr(0, eq)] = o.substr(eq + 1);
            }
            return engine::create_volume(ctx.store, co->name, parse_labels(co->labels), opts, co->ignore);
        }();
        if (!made.ok()) {
            ctx.exit_code = fail(made.error());
            return;
        }
        std::cout << *made << "\n";
    });

    auto* exists = v->add_subcommand("exists", "Check if the given volume exists");
    set_usage(exists, "skiff volume exists NAME");
    auto exists_name = std::make_shared<std::string>();
    exists->add_option("name", *exists_name, "Volume to look for")->required();
    exists->callback([exists_name, &ctx] {
        auto found = engine::volume_exists(ctx.store, *exists_name);
        ctx.exit_code = !found.ok() ? fail(found.error()) : *found ? 0 : 1;
    });

    auto* inspect = v->add_subcommand("inspect", "Display detailed information on one or more volumes");
    set_usage(inspect, "skiff volume inspect [options] NAME [NAME...]");
    struct InspectOptions {
        std::vector<std::string> names;
        bool all = false;
        std::string format;
    };
    auto io = std::make_shared<InspectOptions>();
    inspect->add_flag("-a,--all", io->all, "Inspect all volumes");
    inspect->add_option("-f,--format", io->format, "Format volume output using Go template, or json");
    inspect->add_option("names", io->names, "Volumes to inspect");
    inspect->callback([io, &ctx] { finish(ctx, run_inspect(ctx, io->names, io->all, io->format)); });

    auto* ls = v->add_subcommand("ls", "List volumes");
    ls->alias("list");
    set_usage(ls, "skiff volume ls [options]");
    auto lo = std::make_shared<LsOptions>();
    ls->add_option("-f,--filter", lo->filters, "Filter volume output (name=, label=, dangling=, driver=)")->allow_extra_args(false);
    ls->add_option("--format", lo->format, "Format volume output using Go template, table or json");
    ls->add_flag("-q,--quiet", lo->quiet, "Print volume output in quiet mode");
    ls->add_flag("--noheading", lo->noheading, "Do not print headers");
    ls->callback([lo, &ctx] { finish(ctx, run_ls(ctx, *lo)); });

    auto* mount = v->add_subcommand("mount", "Mount volume");
    set_usage(mount, "skiff volume mount NAME");
    auto mount_name = std::make_shared<std::string>();
    mount->add_option("name", *mount_name, "Volume to mount")->required();
    mount->callback([mount_name, &ctx] { finish(ctx, mount_volume(ctx, *mount_name, true)); });

    auto* unmount = v->add_subcommand("unmount", "Unmount volume");
    set_usage(unmount, "skiff volume unmount NAME");
    auto unmount_name = std::make_shared<std::string>();
    unmount->add_option("name", *unmount_name, "Volume to unmount")->required();
    unmount->callback([unmount_name, &ctx] { finish(ctx, mount_volume(ctx, *unmount_name, false)); });

    auto* export_cmd = v->add_subcommand("export", "Export volumes");
    set_usage(export_cmd, "skiff volume export [options] VOLUME");
    auto export_output = std::make_shared<std::string>("/dev/stdout");
    auto export_name = std::make_shared<std::string>();
    export_cmd->add_option("-o,--output", *export_output, "Write to a specified file (default: stdout, which must be redirected)");
    export_cmd->add_option("name", *export_name, "Volume to export")->required();
    export_cmd->callback([export_output, export_name, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            if (export_output->empty()) return make_error("expects output path, use --output=[path]");
            return engine::export_volume(ctx.store, *export_name, *export_output);
        }());
    });

    auto* import_cmd = v->add_subcommand("import", "Import a tarball contents into a volume");
    set_usage(import_cmd, "skiff volume import VOLUME [SOURCE]");
    auto import_args = std::make_shared<std::vector<std::string>>();
    import_cmd->add_option("args", *import_args, "The volume, then a tarball or - (standard input)");
    import_cmd->callback([import_args, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            if (import_args->size() != 2)
                return make_error("accepts 2 arg(s), received " + std::to_string(import_args->size()));
            return engine::import_volume(ctx.store, (*import_args)[0], (*import_args)[1]);
        }());
    });

    auto* prune_cmd = v->add_subcommand("prune", "Remove all unused volumes");
    set_usage(prune_cmd, "skiff volume prune [options]");
    auto force = std::make_shared<bool>(false);
    auto prune_filters = std::make_shared<std::vector<std::string>>();
    prune_cmd->add_flag("-f,--force", *force, "Do not prompt for confirmation");
    prune_cmd->add_option("--filter", *prune_filters, "Remove only volumes with these labels (label=KEY[=VALUE])")->allow_extra_args(false);
    prune_cmd->callback([force, prune_filters, &ctx] { finish(ctx, prune(ctx, *force, *prune_filters)); });

    auto* rm = v->add_subcommand("rm", "Remove one or more volumes");
    rm->alias("remove");
    set_usage(rm, "skiff volume rm [options] NAME [NAME...]");
    struct RmOptions {
        std::vector<std::string> names;
        bool all = false, force = false;
        std::optional<int> time;
    };
    auto ro = std::make_shared<RmOptions>();
    rm->add_flag("-a,--all", ro->all, "Remove all volumes");
    rm->add_flag("-f,--force", ro->force, "Remove a volume by force, with the containers that use it");
    rm->add_option("-t,--time", ro->time, "Seconds to wait for running containers to stop before killing the container (with --force)");
    rm->add_option("names", ro->names, "Volumes to remove");
    rm->callback([ro, &ctx] { ctx.exit_code = run_rm(ctx, ro->names, ro->all, ro->force, ro->time); });
}

}  // namespace skiff::cli
