// skiff run [options] IMAGE [COMMAND [ARG...]]
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "registry_flags.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/engine/run.hpp"

namespace skiff::cli {

namespace {

// What run needs to find or pull its image (--pull and the registry flags).
struct RunPullFlags {
    std::string policy = "missing";
    std::string platform, arch, os, variant;
    bool quiet = false;
    RegistryFlags registry;
};

// The image's id, pulled first as --pull says; pull progress goes to stderr as podman's does.
Result<std::string> find_or_pull(Context& ctx, const std::string& image, const RunPullFlags& f) {
    auto policy = TRY(engine::parse_pull_policy(f.policy));
    engine::PullOptions opts;
    if (!f.platform.empty()) opts.platform = TRY(engine::parse_platform(f.platform));
    if (!f.os.empty()) opts.platform.os = f.os;
    if (!f.arch.empty()) opts.platform.architecture = f.arch;
    if (!f.variant.empty()) opts.platform.variant = f.variant;
    auto access = TRY(registry_access(f.registry));
    PullDisplay display(stderr, progress_mode_for(stderr, f.quiet));
    auto record = TRY(engine::ensure_image(ctx.store, image, policy, opts, access, display));
    return record.id;
}

}  // namespace

void add_run(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("run", "Run a command in a new container");
    set_usage(sub, "skiff run [options] IMAGE [COMMAND [ARG...]]");
    sub->set_help_flag("--help", "Print usage");
    sub->prefix_command();  // marks it: main() hands IMAGE and what follows over in ctx.trailing
    auto o = std::make_shared<engine::RunOptions>();
    auto entrypoint = std::make_shared<std::string>();
    auto labels = std::make_shared<std::vector<std::string>>();
    auto pull = std::make_shared<RunPullFlags>();
    sub->add_option("--arch", pull->arch, "use ARCH instead of the architecture of the machine for choosing images");
    add_registry_flags(sub, pull->registry);
    sub->add_option("--cap-add", o->cap_add, "Add capabilities to the container")->allow_extra_args(false);
    sub->add_option("--cap-drop", o->cap_drop, "Drop capabilities from the container")->allow_extra_args(false);
    auto* ep = sub->add_option("--entrypoint", *entrypoint, "Overwrite the default ENTRYPOINT of the image");
    sub->add_option("-e,--env", o->env, "Set environment variables in container")->allow_extra_args(false);
    sub->add_option("--env-file", o->env_files, "Read in a file of environment variables")->allow_extra_args(false);
    sub->add_option("-h,--hostname", o->hostname, "Set container hostname");
    sub->add_flag("-i,--interactive", o->interactive, "Make STDIN available to the contained process");
    sub->add_option("-l,--label", *labels, "Set metadata on container")->allow_extra_args(false);
    sub->add_option("--name", o->name, "Assign a name to the container");
    sub->add_option("--os", pull->os, "use OS instead of the running OS for choosing images");
    sub->add_option("--platform", pull->platform, "Specify the platform for selecting the image");
    sub->add_option("--pull", pull->policy, "Pull image policy (missing, always, never, newer)");
    sub->add_flag("-q,--quiet", pull->quiet, "Suppress output information when pulling images");
    sub->add_option("--network,--net", o->network, "Connect a container to a network (none, host)");
    sub->add_flag("--privileged", o->privileged, "Give extended privileges to container");
    sub->add_flag("--read-only", o->read_only, "Make containers root filesystem read-only");
    sub->add_flag("--rm", o->remove, "Remove container (and pod if created) after exit");
    sub->add_option("--security-opt", o->security_opt,
                    "Security options (seccomp=unconfined|PROFILE.json, no-new-privileges, mask=PATHS, unmask=PATHS|ALL)")
        ->allow_extra_args(false);
    sub->add_flag("-t,--tty", o->tty, "Allocate a pseudo-TTY for container");
    sub->add_option("-u,--user", o->user, "Username or UID (format: <name|uid>[:<group|gid>])");
    sub->add_option("--variant", pull->variant, "Use VARIANT instead of the running architecture variant for choosing images");
    sub->add_option("-w,--workdir", o->workdir, "Working directory inside the container");
    sub->callback([o, ep, entrypoint, labels, pull, &ctx] {
        auto rest = ctx.trailing;
        if (rest.empty()) {
            ctx.exit_code = fail(make_error("`skiff run` requires at least 1 arg: an image"));
            return;
        }
        o->image = rest.front();
        o->command.assign(rest.begin() + 1, rest.end());
        if (ep->count() > 0) o->entrypoint = *entrypoint;
        for (auto& l : *labels) {
            auto eq = l.find('=');
            o->labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
        }
        auto id = find_or_pull(ctx, o->image, *pull);
        if (!id) {
            ctx.exit_code = fail(id.error());
            return;
        }
        o->image = *id;
        auto status = engine::run(ctx.store, *o);
        ctx.exit_code = status.ok() ? *status : fail(status.error());
    });
}

}  // namespace skiff::cli
