// skiff inspect [options] IMAGE [IMAGE...]: podman's JSON for images, as an array.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/oci/timestamp.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"
#include "template.hpp"

namespace skiff::cli {

namespace {

struct InspectOptions {
    std::string format;
    std::string type = "all";
    std::vector<std::string> names;
};

Value string_list_or_null(const std::optional<std::vector<std::string>>& v) {
    return v ? Value(*v) : Value();
}

Value key_set(const std::vector<std::string>& keys) {
    Value::Map m;
    for (auto& k : keys) m.emplace(k, Value::map({}));
    return Value::map(std::move(m));
}

// The image config's "config" object, fields left out when empty as Go's omitempty does.
Value config_value(const oci::ContainerConfig& c) {
    Value::Fields f;
    if (!c.user.empty()) f.emplace_back("User", c.user);
    if (!c.exposed_ports.empty()) f.emplace_back("ExposedPorts", key_set(c.exposed_ports));
    if (!c.env.empty()) f.emplace_back("Env", c.env);
    if (c.entrypoint) f.emplace_back("Entrypoint", string_list_or_null(c.entrypoint));
    if (c.cmd) f.emplace_back("Cmd", string_list_or_null(c.cmd));
    if (!c.volumes.empty()) f.emplace_back("Volumes", key_set(c.volumes));
    if (!c.working_dir.empty()) f.emplace_back("WorkingDir", c.working_dir);
    if (!c.labels.empty()) {
        Value::Map m(c.labels.begin(), c.labels.end());
        f.emplace_back("Labels", Value::map(std::move(m)));
    }
    if (!c.stop_signal.empty()) f.emplace_back("StopSignal", c.stop_signal);
    return Value::record(std::move(f));
}

Value history_value(const std::vector<oci::HistoryEntry>& history) {
    Value::List out;
    for (auto& h : history) {
        Value::Fields f;
        if (!h.created.empty()) f.emplace_back("created", h.created);
        if (!h.created_by.empty()) f.emplace_back("created_by", h.created_by);
        if (!h.author.empty()) f.emplace_back("author", h.author);
        if (!h.comment.empty()) f.emplace_back("comment", h.comment);
        if (h.empty_layer) f.emplace_back("empty_layer", true);
        out.push_back(Value::record(std::move(f)));
    }
    return Value::list(std::move(out));
}

std::vector<std::string> repo_digests(const storage::ImageRecord& img) {
    std::vector<std::string> out;
    for (auto& name : img.names) {
        auto ref = oci::parse_reference(name);
        if (!ref.ok()) continue;
        for (auto& d : img.digests) {
            std::string rd = ref->name() + "@" + d;
            if (std::find(out.begin(), out.end(), rd) == out.end()) out.push_back(rd);
        }
    }
    return out;
}

Value graph_driver(const storage::StoreConfig& store, const storage::ImageRecord& img) {
    Value data;
    if (store.driver == storage::Driver::kOverlay && !img.config.diff_ids.empty()) {
        auto dirs = storage::layer_dirs(store, img);
        if (dirs.ok() && !dirs->empty()) {
            Value::Map m;
            m.emplace("UpperDir", dirs->front());
            if (dirs->size() > 1) {
                std::vector<std::string> lower(dirs->begin() + 1, dirs->end());
                m.emplace("LowerDir", str::join(lower, ":"));
            }
            data = Value::map(std::move(m));
        }
    }
    return Value::record({{"Name", storage::driver_name(store.driver)}, {"Data", data}});
}

Value inspect_value(const storage::StoreConfig& store, const storage::ImageRecord& img) {
    const oci::ImageConfig& cfg = img.config;
    std::string comment = cfg.history.empty() ? "" : cfg.history.back().comment;
    Value::Map labels(cfg.config.labels.begin(), cfg.config.labels.end());
    return Value::record({
        {"Id", img.id},
        {"Digest", img.digest},
        {"RepoTags", img.names},
        {"RepoDigests", repo_digests(img)},
        {"Parent", ""},
        {"Comment", comment},
        {"Created", img.created},
        {"Config", config_value(cfg.config)},
        {"Version", ""},
        {"Author", cfg.author},
        {"Architecture", cfg.architecture},
        {"Os", cfg.os},
        {"Size", static_cast<unsigned long long>(img.size)},
        {"VirtualSize", static_cast<unsigned long long>(img.size)},
        {"GraphDriver", graph_driver(store, img)},
        {"RootFS", Value::record({{"Type", "layers"}, {"Layers", cfg.diff_ids}})},
        {"Labels", labels.empty() ? Value() : Value::map(std::move(labels))},
        {"Annotations", Value::map({})},
        {"ManifestType", img.manifest_media_type},
        {"User", cfg.config.user},
        {"History", history_value(cfg.history)},
        {"NamesHistory", img.names_history},
    });
}

Result<void> run_inspect(Context& ctx, const InspectOptions& o) {
    TRY(check_arg_count("inspect", o.names.size(), 1, SIZE_MAX));
    if (o.type != "image" && o.type != "all")
        return make_error("invalid type \"" + o.type + "\": want image or all");
    std::optional<Template> tmpl;
    if (!o.format.empty() && o.format != "json") tmpl = TRY(Template::parse(o.format));
    Value::List items;
    std::string text;
    Result<void> status;
    for (auto& name : o.names) {
        auto img = storage::find_image(ctx.store, name);
        if (!img.ok()) {
            // Print what was found, then fail for what was not, as podman does.
            status = o.type == "image" ? img.take_error() : make_error("no such object: \"" + name + "\"");
            continue;
        }
        Value v = inspect_value(ctx.store, *img);
        if (tmpl)
            text += TRY(tmpl->execute(v)) + "\n";
        else
            items.push_back(std::move(v));
    }
    if (tmpl)
        std::cout << text;
    else if (!items.empty() || status.ok())
        std::cout << Value::list(std::move(items)).json(4) << "\n";
    return status;
}

}  // namespace

void add_inspect(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("inspect", "Display the configuration of object denoted by ID");
    set_usage(sub, "skiff inspect [options] IMAGE [IMAGE...]");
    auto o = std::make_shared<InspectOptions>();
    sub->add_option("-f,--format", o->format, "Format the output using the given Go template, or json");
    sub->add_option("-t,--type", o->type, "Only inspect objects of this type (image, all)");
    sub->add_option("names", o->names, "Images to inspect");
    sub->callback([o, &ctx] { finish(ctx, run_inspect(ctx, *o)); });
}

}  // namespace skiff::cli
