// skiff manifest SUBCOMMAND: podman's `podman manifest …` — create, add, annotate, remove, inspect,
// exists, rm and push of manifest lists and image indexes kept in the image store.
#include <iostream>
#include <memory>
#include <mutex>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "registry_flags.hpp"
#include "template.hpp"
#include "skiff/base/log.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/manifest.hpp"

namespace skiff::cli {

namespace {

// podman's `manifest inspect` output: a docker manifest list's fields, with OCI annotations kept.
Value platform_value(const oci::Platform& p) {
    Value::Fields f = {{"architecture", p.architecture}, {"os", p.os}};
    if (!p.os_version.empty()) f.emplace_back("os.version", p.os_version);
    auto strings = [](const std::vector<std::string>& v) {
        Value::List l(v.begin(), v.end());
        return Value::list(std::move(l));
    };
    if (!p.os_features.empty()) f.emplace_back("os.features", strings(p.os_features));
    if (!p.variant.empty()) f.emplace_back("variant", p.variant);
    if (!p.features.empty()) f.emplace_back("features", strings(p.features));
    return Value::record(std::move(f));
}

// A descriptor as docker's schema 2 types print it: mediaType, size, digest.
Value::Fields descriptor_fields(const oci::Descriptor& d) {
    return {{"mediaType", d.media_type}, {"size", static_cast<long long>(d.size)}, {"digest", d.digest}};
}

// A lone docker manifest as podman re-serializes it.
Value manifest_value(const oci::Manifest& m) {
    Value::List layers;
    for (auto& l : m.layers) layers.push_back(Value::record(descriptor_fields(l)));
    return Value::record({{"schemaVersion", m.schema_version},
                          {"mediaType", m.media_type},
                          {"config", Value::record(descriptor_fields(m.config))},
                          {"layers", Value::list(std::move(layers))}});
}

Value index_value(const oci::Index& idx) {
    Value manifests;  // null when empty, as podman prints it
    if (!idx.manifests.empty()) {
        Value::List items;
        for (auto& d : idx.manifests) {
            Value::Fields f = descriptor_fields(d);
            f.emplace_back("platform", platform_value(d.platform));
            if (!d.annotations.empty()) f.emplace_back("annotations", Value::map({d.annotations.begin(), d.annotations.end()}));
            items.push_back(Value::record(std::move(f)));
        }
        manifests = Value::list(std::move(items));
    }
    Value::Fields f = {{"schemaVersion", 2},
                       {"mediaType", std::string(oci::kMediaTypeDockerManifestList)},
                       {"manifests", std::move(manifests)}};
    if (!idx.annotations.empty()) f.emplace_back("annotations", Value::map({idx.annotations.begin(), idx.annotations.end()}));
    return Value::record(std::move(f));
}

Result<void> inspect(Context& ctx, const std::string& name, const RegistryFlags& flags) {
    auto access = TRY(registry_access(flags));
    auto got = TRY(engine::inspect_manifest(ctx.store, name, access));
    if (got.single_image) {
        log::warn("The manifest type {} is not a manifest list but a single image.", got.manifest.media_type);
        std::cout << manifest_value(got.manifest).json(4) << "\n";
        return {};
    }
    std::cout << index_value(got.index).json(4) << "\n";
    return {};
}

struct AnnotateFlags {
    std::string arch, os, variant, os_version;
    std::vector<std::string> features, os_features, annotations;
};

void add_annotate_flags(CLI::App* sub, AnnotateFlags& f, bool os_features) {
    sub->add_option("--annotation", f.annotations, "set an annotation for the specified image (KEY=VALUE)")->allow_extra_args(false);
    sub->add_option("--arch", f.arch, "override the architecture of the specified image");
    sub->add_option("--features", f.features, "override the features of the specified image")->allow_extra_args(false);
    sub->add_option("--os", f.os, "override the OS of the specified image");
    if (os_features)
        sub->add_option("--os-features", f.os_features, "override the OS features of the specified image")->allow_extra_args(false);
    sub->add_option("--os-version", f.os_version, "override the OS version of the specified image");
    sub->add_option("--variant", f.variant, "override the Variant of the specified image");
}

Result<engine::InstanceAnnotations> annotations_of(const AnnotateFlags& f) {
    engine::InstanceAnnotations a{f.arch, f.os, f.variant, f.os_version, f.features, f.os_features, {}};
    a.annotations = TRY(engine::parse_manifest_annotations(f.annotations));
    return a;
}

// cobra's checks of a command's arguments, in its words: exactly `n`, or at least `n` (`at_least`).
Result<void> check_args(const std::vector<std::string>& args, size_t n, bool at_least = false) {
    if (at_least && args.size() < n)
        return make_error("requires at least " + std::to_string(n) + " arg(s), only received " + std::to_string(args.size()));
    if (!at_least && args.size() != n)
        return make_error("accepts " + std::to_string(n) + " arg(s), received " + std::to_string(args.size()));
    return {};
}

// A list's push as podman reports it, to stderr: the list, then each image's copy as a push's.
class ListPushDisplay : public engine::PushProgress {
public:
    explicit ListPushDisplay(bool quiet) : quiet_(quiet) {}
    void blob_skipped(const std::string& d) override { image_line("Copying blob " + d + " skipped: already exists"); }
    void blob_written(const std::string& d) override { image_line("Copying blob " + d + " done"); }
    void config(const std::string& d) override { image_line("Copying config " + d + " done"); }
    void writing_manifest() override { image_line("Writing manifest to image destination"); }
    void list_start(size_t count, size_t entries) override {
        line("Getting image list signatures");
        line("Copying " + std::to_string(count) + " of " + std::to_string(entries) + " images in list");
    }
    void image_start(const std::string& digest, size_t n, size_t count) override {
        line("Copying image " + digest + " (" + std::to_string(n) + "/" + std::to_string(count) + ")");
        image_started_ = false;
    }
    void image_done() override { image_line("Storing signatures"); }
    void writing_list() override {
        line("Writing manifest list to image destination");
        line("Storing list signatures");
    }

private:
    void line(const std::string& s) {
        if (!quiet_) std::cerr << s << "\n" << std::flush;
    }
    // Lines of one image's copy, after podman's heading for it.
    void image_line(const std::string& s) {
        std::lock_guard lk(mu_);
        if (!image_started_) line("Getting image source signatures");
        image_started_ = true;
        line(s);
    }
    bool quiet_;
    bool image_started_ = false;
    std::mutex mu_;
};

void print_id(Context& ctx, const Result<std::string>& id) {
    if (!id.ok()) {
        ctx.exit_code = fail(id.error());
        return;
    }
    std::cout << *id << "\n";
}

int remove_lists(Context& ctx, const std::vector<std::string>& names) {
    int code = 0;
    for (auto& r : engine::remove_images(ctx.store, names, {.lists_only = true})) {
        for (auto& u : r.untagged) std::cout << "Untagged: " << u << "\n";
        if (!r.deleted.empty()) std::cout << "Deleted: " << r.deleted << "\n";
        if (!r.error.message.empty()) code = std::max(code, fail(r.error));
    }
    std::cout.flush();
    return code;
}

}  // namespace

void add_manifest(CLI::App& parent, Context& ctx) {
    auto* m = add_parent(parent, ctx, "manifest", "Manipulate manifest lists and image indexes", {});

    auto* create = m->add_subcommand("create", "Create manifest list or image index");
    set_usage(create, "skiff manifest create [options] LIST [IMAGE...]");
    struct CreateOptions {
        std::vector<std::string> args;
        bool all = false, amend = false;
        RegistryFlags registry;
    };
    auto co = std::make_shared<CreateOptions>();
    create->add_flag("--all", co->all, "add all of the lists' images if the images to add are lists");
    create->add_flag("-a,--amend", co->amend, "modify an existing list if one with the desired name already exists");
    add_registry_flags(create, co->registry);
    create->add_option("args", co->args, "The list's name, then images to add");
    create->callback([co, &ctx] {
        print_id(ctx, [&]() -> Result<std::string> {
            TRY(check_args(co->args, 1, true));
            auto access = TRY(registry_access(co->registry));
            return engine::create_manifest_list(ctx.store, co->args[0], {co->args.begin() + 1, co->args.end()}, co->all,
                                                co->amend, access);
        }());
    });

    auto* add = m->add_subcommand("add", "Add images to a manifest list or image index");
    set_usage(add, "skiff manifest add [options] LIST IMAGE [IMAGE...]");
    struct AddOptions {
        std::vector<std::string> args;
        bool all = false;
        AnnotateFlags annotate;
        RegistryFlags registry;
    };
    auto ao = std::make_shared<AddOptions>();
    add->add_flag("--all", ao->all, "add all of the list's images if the image is a list");
    add_annotate_flags(add, ao->annotate, false);
    add_registry_flags(add, ao->registry);
    add->add_option("args", ao->args, "The list, then the images to add");
    add->callback([ao, &ctx] {
        print_id(ctx, [&]() -> Result<std::string> {
            TRY(check_args(ao->args, 2, true));
            auto access = TRY(registry_access(ao->registry));
            auto set = TRY(annotations_of(ao->annotate));
            std::string id;
            for (size_t i = 1; i < ao->args.size(); ++i)
                id = TRY(engine::add_to_manifest_list(ctx.store, ao->args[0], ao->args[i], ao->all, set, access));
            return id;
        }());
    });

    auto* annotate = m->add_subcommand("annotate", "Add or update information about an entry in a manifest list or image index");
    set_usage(annotate, "skiff manifest annotate [options] LIST IMAGE");
    struct AnnotateOptions {
        std::vector<std::string> args;
        AnnotateFlags annotate;
    };
    auto no = std::make_shared<AnnotateOptions>();
    add_annotate_flags(annotate, no->annotate, true);
    annotate->add_option("args", no->args, "The list, then the digest of the entry");
    annotate->callback([no, &ctx] {
        print_id(ctx, [&]() -> Result<std::string> {
            TRY(check_args(no->args, 2));
            auto set = TRY(annotations_of(no->annotate));
            return engine::annotate_manifest_list(ctx.store, no->args[0], no->args[1], set);
        }());
    });

    auto* exists = m->add_subcommand("exists", "Check if a manifest list exists in local storage");
    set_usage(exists, "skiff manifest exists MANIFEST");
    auto exists_name = std::make_shared<std::vector<std::string>>();
    exists->add_option("name", *exists_name, "The list to look for");
    exists->callback([exists_name, &ctx] {
        auto found = [&]() -> Result<bool> {
            TRY(check_args(*exists_name, 1));
            return engine::manifest_list_exists(ctx.store, exists_name->front());
        }();
        ctx.exit_code = !found.ok() ? fail(found.error()) : *found ? 0 : 1;
    });

    auto* inspect_cmd = m->add_subcommand("inspect", "Display the contents of a manifest list or image index");
    set_usage(inspect_cmd, "skiff manifest inspect [options] IMAGE");
    struct InspectOptions {
        std::vector<std::string> args;
        RegistryFlags registry;
    };
    auto io = std::make_shared<InspectOptions>();
    add_registry_flags(inspect_cmd, io->registry);
    inspect_cmd->add_option("name", io->args, "A local list, or a list or image in a registry");
    inspect_cmd->callback([io, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            TRY(check_args(io->args, 1));
            return inspect(ctx, io->args[0], io->registry);
        }());
    });

    auto* push = m->add_subcommand("push", "Push a manifest list or image index to a registry");
    set_usage(push, "skiff manifest push [options] LIST DESTINATION");
    struct PushOptions {
        std::vector<std::string> args;
        std::string all = "true";
        engine::ManifestPushOptions push;
        bool rm = false, quiet = false;
        RegistryFlags registry;
    };
    auto po = std::make_shared<PushOptions>();
    push->add_option("--all", po->all, "also push the images in the list (true|false, default true)")->expected(0, 1);
    push->add_option("--digestfile", po->push.digestfile, "after copying the image, write the digest of the resulting digest to the file");
    push->add_option("-f,--format", po->push.format, "manifest type (oci or v2s2) to use when pushing the list (default: the list's own)");
    push->add_flag("-q,--quiet", po->quiet, "don't output progress information when pushing lists");
    push->add_flag("--rm", po->rm, "remove the manifest list if push succeeds");
    add_registry_flags(push, po->registry);
    push->add_option("args", po->args, "The list, then the destination");
    push->callback([po, &ctx] {
        finish(ctx, [&]() -> Result<void> {
            TRY(check_args(po->args, 2));
            if (po->all.empty()) po->all = "true";
            if (po->all != "true" && po->all != "false")
                return make_error("invalid argument \"" + po->all + "\" for \"--all\" flag: strconv.ParseBool: parsing \"" + po->all +
                                  "\": invalid syntax");
            po->push.all = po->all == "true";
            auto access = TRY(registry_access(po->registry));
            ListPushDisplay progress(po->quiet);
            TRY(engine::push_manifest_list(ctx.store, po->args[0], po->args[1], po->push, access, progress));
            if (!po->rm) return {};
            for (auto& r : engine::remove_images(ctx.store, {po->args[0]}, {.lists_only = true}))
                if (!r.error.message.empty()) return Error(r.error).context("removing manifest after push");
            return {};
        }());
    });

    auto* remove = m->add_subcommand("remove", "Remove an entry from a manifest list or image index");
    set_usage(remove, "skiff manifest remove LIST IMAGE");
    auto remove_args = std::make_shared<std::vector<std::string>>();
    remove->add_option("args", *remove_args, "The list, then the digest of the entry");
    remove->callback([remove_args, &ctx] {
        print_id(ctx, [&]() -> Result<std::string> {
            TRY(check_args(*remove_args, 2));
            return engine::remove_from_manifest_list(ctx.store, (*remove_args)[0], (*remove_args)[1]);
        }());
    });

    auto* rm = m->add_subcommand("rm", "Remove manifest list or image index from local storage");
    set_usage(rm, "skiff manifest rm LIST [LIST...]");
    auto rm_names = std::make_shared<std::vector<std::string>>();
    rm->add_option("names", *rm_names, "The lists to remove");
    rm->callback([rm_names, &ctx] {
        auto checked = check_args(*rm_names, 1, true);
        ctx.exit_code = checked.ok() ? remove_lists(ctx, *rm_names) : fail(checked.error());
    });
}

}  // namespace skiff::cli
