// skiff secret SUBCOMMAND: podman's `podman secret …` with the file driver — create, ls, inspect, rm.
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "template.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/secrets.hpp"

namespace skiff::cli {

namespace {

// As podman's SecretInfoReport.
Value secret_value(const storage::Secret& s, const storage::StoreConfig& store) {
    Value::Map labels(s.labels.begin(), s.labels.end());
    Value driver = Value::record({{"Name", "file"}, {"Options", Value::map({{"path", storage::secrets_dir(store)}})}});
    return Value::record({
        {"ID", s.id},
        {"CreatedAt", format_rfc3339(s.created_ns)},
        {"UpdatedAt", format_rfc3339(s.updated_ns)},
        {"Spec", Value::record({{"Name", s.name}, {"Driver", std::move(driver)}, {"Labels", Value::map(std::move(labels))}})},
    });
}

// podman's `secret inspect --pretty`.
std::string pretty(const storage::Secret& s) {
    std::string out = "ID:              " + s.id + "\nName:              " + s.name + "\n";
    if (!s.labels.empty()) {
        out += "Labels:\n";
        for (auto& [k, v] : s.labels) out += " - " + k + (v.empty() ? "" : "=" + v) + "\n";
    }
    return out + "Driver:            file\nCreated at:        " + format_rfc3339(s.created_ns) +
           "\nUpdated at:        " + format_rfc3339(s.updated_ns) + "\n";
}

struct LsOptions {
    std::string format;
    bool quiet = false, noheading = false;
    std::vector<std::string> filters;
};

Result<void> run_ls(Context& ctx, const LsOptions& o, bool format_given) {
    auto secrets = TRY(engine::list_secrets(ctx.store, o.filters));
    if (o.quiet && !format_given) {
        for (auto& s : secrets) std::cout << s.id << "\n";
        return {};
    }
    int64_t now = now_ns();
    std::vector<Value> rows;
    for (auto& s : secrets)
        rows.push_back(Value::record({
            {"ID", s.id},
            {"Name", s.name},
            {"Driver", "file"},
            {"CreatedAt", str::human_duration((now - s.created_ns) / 1000000000) + " ago"},
            {"UpdatedAt", str::human_duration((now - s.updated_ns) / 1000000000) + " ago"},
        }));
    std::string format = format_given ? o.format : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}";
    std::string out = TRY(render_rows(format, rows, {{"CreatedAt", "CREATED"}, {"UpdatedAt", "UPDATED"}}));
    if (o.noheading && str::starts_with(format, "table")) {
        auto nl = out.find('\n');
        out = nl == std::string::npos ? "" : out.substr(nl + 1);
    }
    std::cout << out;
    return {};
}

Result<void> run_inspect(Context& ctx, const std::vector<std::string>& names, const std::string& format, bool pretty_out) {
    std::vector<storage::Secret> found;
    std::vector<Error> errors;
    for (auto& n : names) {
        auto s = engine::find_secret(ctx.store, n);
        if (s.ok()) found.push_back(s.take());
        else errors.push_back(s.take_error());
    }
    if (pretty_out) {
        for (auto& s : found) std::cout << pretty(s);
    } else if (!format.empty()) {
        auto tmpl = TRY(Template::parse(format));
        for (auto& s : found) std::cout << TRY(tmpl.execute(secret_value(s, ctx.store))) << "\n";
    } else {
        Value::List items;
        for (auto& s : found) items.push_back(secret_value(s, ctx.store));
        std::cout << Value::list(std::move(items)).json(4) << "\n";
    }
    std::cout.flush();
    if (errors.empty()) return {};
    // As podman: the first error is the command's, the others are printed before it.
    for (size_t i = 1; i < errors.size(); ++i) std::cerr << "error inspecting secret: " << errors[i].message << "\n";
    return std::move(errors.front()).context("inspecting secret");
}

}  // namespace

void add_secret(CLI::App& parent, Context& ctx) {
    auto* sec = add_parent(parent, ctx, "secret", "Manage secrets", {});

    auto* create = sec->add_subcommand("create", "Create a new secret");
    set_usage(create, "skiff secret create [options] NAME FILE|-");
    struct CreateOptions {
        std::vector<std::string> args, labels, driver_opts;
        std::string driver = "file";
        bool env = false;
    };
    auto co = std::make_shared<CreateOptions>();
    create->add_option("-d,--driver", co->driver, "Specify secret driver (file)");
    create->add_option("--driver-opts", co->driver_opts, "Specify driver specific options (path=DIR)")->allow_extra_args(false);
    create->add_flag("--env", co->env, "Read secret data from environment variable");
    create->add_option("-l,--label", co->labels, "Specify labels on the secret (KEY=VALUE)")->allow_extra_args(false);
    create->add_option("args", co->args, "The secret's name, then a file, - (standard input) or, with --env, a variable");
    create->callback([co, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            if (co->args.size() != 2)
                return make_error("accepts 2 arg(s), received " + std::to_string(co->args.size()));
            engine::SecretCreateOptions o;
            o.name = co->args[0];
            o.source = co->args[1];
            o.from_env = co->env;
            o.driver = co->driver;
            for (auto& opt : co->driver_opts)
                for (auto& kv : str::split(opt, ',')) {
                    auto eq = kv.find('=');
                    o.driver_options[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
                }
            o.labels = parse_labels(co->labels);
            std::cout << TRY(engine::create_secret(ctx.store, o)) << "\n";
            return {};
        }());
    });

    auto* inspect = sec->add_subcommand("inspect", "Inspect a secret");
    set_usage(inspect, "skiff secret inspect [options] SECRET [SECRET...]");
    struct InspectOptions {
        std::vector<std::string> names;
        std::string format;
        bool pretty = false;
    };
    auto io = std::make_shared<InspectOptions>();
    inspect->add_option("-f,--format", io->format, "Format inspect output using Go template");
    inspect->add_flag("--pretty", io->pretty, "Print inspect output in human-readable format");
    inspect->add_option("names", io->names, "Secrets to inspect (names, ids or id prefixes)");
    inspect->callback([io, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            if (io->names.empty()) return make_error("requires at least 1 arg(s), only received 0");
            return run_inspect(ctx, io->names, io->format, io->pretty);
        }());
    });

    auto* ls = sec->add_subcommand("ls", "List secrets");
    ls->alias("list");
    set_usage(ls, "skiff secret ls [options]");
    auto lo = std::make_shared<LsOptions>();
    ls->add_option("-f,--filter", lo->filters, "Filter secret output (name=, id=: regular expressions)")->allow_extra_args(false);
    auto* format = ls->add_option("--format", lo->format, "Format secret output using Go template");
    ls->add_flag("-q,--quiet", lo->quiet, "Print secret IDs only");
    ls->add_flag("--noheading", lo->noheading, "Do not print headers");
    ls->callback([lo, format, &ctx] { finish(ctx, run_ls(ctx, *lo, format->count() > 0)); });

    auto* rm = sec->add_subcommand("rm", "Remove one or more secrets");
    rm->alias("remove");
    set_usage(rm, "skiff secret rm [options] SECRET [SECRET...]");
    struct RmOptions {
        std::vector<std::string> names;
        bool all = false;
    };
    auto ro = std::make_shared<RmOptions>();
    rm->add_flag("-a,--all", ro->all, "Remove all secrets");
    rm->add_option("names", ro->names, "Secrets to remove (names, ids or id prefixes)");
    rm->callback([ro, &ctx] {
        if (ro->all != ro->names.empty()) {
            ctx.exit_code = fail(make_error("`skiff secret rm` requires one argument, or the --all flag"));
            return;
        }
        int code = 0;
        for (auto& r : engine::remove_secrets(ctx.store, ro->names, ro->all)) {
            if (r.error.message.empty()) std::cout << r.id << "\n";
            else code = fail(r.error);
        }
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
