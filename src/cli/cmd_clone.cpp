// skiff container clone [options] CONTAINER [NAME [IMAGE]]
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "registry_flags.hpp"
#include "skiff/engine/clone.hpp"
#include "skiff/engine/pull.hpp"

namespace skiff::cli {

namespace {

struct CloneCli {
    engine::CloneOptions opts;
    std::vector<std::string> args;
    std::string memory, memory_swap, cpus, cpuset_cpus;
    uint64_t cpu_shares = 0;
};

// IMAGE, pulled when missing as podman's clone pulls it; its id.
Result<std::string> clone_image(Context& ctx, const std::string& image) {
    auto access = TRY(registry_access(RegistryFlags{}));
    PullDisplay display(stderr, progress_mode_for(stderr, false));
    auto record = TRY(engine::ensure_image(ctx.store, image, engine::PullPolicy::kMissing, engine::PullOptions{}, access, display));
    return record.id;
}

Result<void> run_clone(Context& ctx, CloneCli& c, CLI::App* sub) {
    if (c.args.empty()) return make_error("must specify at least 1 argument: invalid argument");
    if (c.args.size() > 3) return make_error("accepts between 1 and 3 arg(s), received " + std::to_string(c.args.size()));
    c.opts.container = c.args[0];
    if (c.args.size() >= 2) c.opts.name = c.args[1];
    if (c.args.size() == 3) {
        c.opts.image_name = c.args[2];
        c.opts.image = TRY(clone_image(ctx, c.args[2]));
    }
    auto given = [&](const char* flag) { return sub->get_option(flag)->count() > 0; };
    if (given("--memory")) c.opts.limits.memory = c.memory;
    if (given("--memory-swap")) c.opts.limits.memory_swap = c.memory_swap;
    if (given("--cpus")) c.opts.limits.cpus = c.cpus;
    if (given("--cpuset-cpus")) c.opts.limits.cpuset_cpus = c.cpuset_cpus;
    if (given("--cpu-shares")) c.opts.limits.cpu_shares = c.cpu_shares;
    auto made = TRY(engine::clone_container(ctx.store, c.opts));
    std::cout << made.id << std::endl;
    return {};
}

}  // namespace

void add_container_clone(CLI::App* parent, Context& ctx) {
    auto* sub = parent->add_subcommand("clone", "Clone an existing container");
    set_usage(sub, "skiff container clone [options] CONTAINER [NAME [IMAGE]]");
    auto c = std::make_shared<CloneCli>();
    sub->add_option("-c,--cpu-shares", c->cpu_shares, "CPU shares (relative weight)");
    sub->add_option("--cpus", c->cpus, "Number of CPUs. The default is 0.000 which means no limit");
    sub->add_option("--cpuset-cpus", c->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
    sub->add_flag("--destroy", c->opts.destroy, "destroy the original container");
    sub->add_flag("-f,--force", c->opts.force, "force the existing container to be destroyed");
    sub->add_option("-m,--memory", c->memory, "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))");
    sub->add_option("--memory-swap", c->memory_swap, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    sub->add_option("--name", c->opts.name, "Assign a name to the container");
    sub->add_flag("--run", c->opts.run, "run the new container");
    sub->add_option("args", c->args)->group("");
    sub->callback([c, sub, &ctx] { finish(ctx, run_clone(ctx, *c, sub)); });
}

}  // namespace skiff::cli
