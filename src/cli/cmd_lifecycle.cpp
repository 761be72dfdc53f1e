// skiff start | stop | kill | wait: detached containers, one or several at a time.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/oci/image_change.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::cli {

namespace {

struct Targets {
    bool all = false;
    std::vector<std::string> names;
};

// The containers named (or every one with --all, the running ones when `running_only`).
Result<std::vector<std::string>> targets(Context& ctx, const Targets& t, const char* cmd, bool running_only) {
    if (t.all && !t.names.empty()) return make_error("when using the --all flag, no container names or IDs may be specified");
    if (!t.all && t.names.empty()) return make_error(std::string("`skiff ") + cmd + "` requires at least 1 arg (or --all)");
    if (!t.all) return t.names;
    std::vector<std::string> out;
    for (auto& c : TRY(storage::list_containers(ctx.store)))
        if (!running_only || c.state == storage::ContainerState::kRunning) out.push_back(c.id);
    return out;
}

// Each target in turn: print it when done, else its error; exit 125 when any failed.
template <class F>
void each(Context& ctx, const std::vector<std::string>& names, F&& op) {
    int code = 0;
    for (auto& n : names) {
        auto r = op(n);
        if (r.ok()) {
            std::cout << n << std::endl;
            continue;
        }
        fail(r.error());
        code = kExitFailure;
    }
    ctx.exit_code = code;
}

}  // namespace

void add_start(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("start", "Start one or more containers");
    set_usage(sub, "skiff start [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    sub->add_flag("--all", t->all, "Start all containers regardless of their state or configuration");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, &ctx] {
        auto names = targets(ctx, *t, "start", false);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) { return engine::start(ctx.store, n); });
    });
}

void add_stop(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("stop", "Stop one or more containers");
    set_usage(sub, "skiff stop [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    auto timeout = std::make_shared<int>(-1);
    sub->add_flag("-a,--all", t->all, "Stop all running containers");
    sub->add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, timeout, &ctx] {
        auto names = targets(ctx, *t, "stop", true);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) { return engine::stop(ctx.store, n, *timeout); });
    });
}

void add_kill(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("kill", "Kill one or more running containers with a specific signal");
    set_usage(sub, "skiff kill [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    auto signal = std::make_shared<std::string>("KILL");
    sub->add_flag("-a,--all", t->all, "Signal all running containers");
    sub->add_option("-s,--signal", *signal, "Signal to send to the container");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, signal, &ctx] {
        auto sig = oci::parse_signal(*signal);
        if (!sig) return (void)(ctx.exit_code = fail(sig.error()));
        auto names = targets(ctx, *t, "kill", true);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) { return engine::kill(ctx.store, n, *sig); });
    });
}

void add_wait(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("wait", "Block on one or more containers");
    set_usage(sub, "skiff wait [options] CONTAINER [CONTAINER...]");
    auto names = std::make_shared<std::vector<std::string>>();
    sub->add_option("containers", *names)->group("");
    sub->callback([names, &ctx] {
        if (names->empty()) return (void)(ctx.exit_code = fail(make_error("`skiff wait` requires at least 1 arg")));
        int code = 0;
        for (auto& n : *names) {
            auto r = engine::wait(ctx.store, n);
            if (r.ok()) {
                std::cout << *r << std::endl;
                continue;
            }
            fail(r.error());
            code = kExitFailure;
        }
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
