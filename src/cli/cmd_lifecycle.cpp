// skiff start | stop | restart | kill | pause | unpause | wait: detached containers, one or several at a
// time (start -a: one, attached).
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/attach.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::cli {

namespace {

struct Targets {
    bool all = false;
    std::vector<std::string> names;
};

// The containers named, or with --all every one `wanted` accepts.
template <class Wanted>
Result<std::vector<std::string>> targets(Context& ctx, const Targets& t, const char* cmd, Wanted wanted) {
    if (t.all && !t.names.empty()) return make_error("when using the --all flag, no container names or IDs may be specified");
    if (!t.all && t.names.empty()) return make_error(std::string("`skiff ") + cmd + "` requires at least 1 arg (or --all)");
    if (!t.all) return t.names;
    return engine::containers_where(ctx.store, wanted);
}

// With --all: every container, or the running ones when `running_only`.
Result<std::vector<std::string>> targets(Context& ctx, const Targets& t, const char* cmd, bool running_only) {
    return targets(ctx, t, cmd, [running_only](const storage::Container& c) {
        return !running_only || c.state == storage::ContainerState::kRunning;
    });
}

struct StartOptions {
    Targets targets;
    bool attach = false, interactive = false;
    engine::AttachOptions attach_opts;
};

// start -a: the container started with the monitor waiting for this client, so none of its
// output is missed; one already running is attached to. Its exit code is ours.
void start_attached(Context& ctx, const StartOptions& o) {
    if (o.targets.all || o.targets.names.size() != 1)
        return (void)(ctx.exit_code = fail(make_error("you cannot start and attach multiple containers at once")));
    auto c = engine::find_container(ctx.store, o.targets.names[0]);
    if (!c) return (void)(ctx.exit_code = fail(c.error()));
    engine::AttachOptions a = o.attach_opts;
    a.stdin = o.interactive;
    if (c->state != storage::ContainerState::kRunning) {
        auto keys = engine::parse_detach_keys(a.detach_keys);
        if (!keys) return (void)(ctx.exit_code = fail(keys.error()));
        auto started = engine::start(ctx.store, c->id, true);
        if (!started) return (void)(ctx.exit_code = fail(started.error()));
        a.starting = true;
    }
    auto code = engine::attach(ctx.store, c->id, a);
    ctx.exit_code = code.ok() ? *code : fail(code.error());
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
    auto o = std::make_shared<StartOptions>();
    auto* t = &o->targets;
    sub->add_flag("--all", t->all, "Start all containers regardless of their state or configuration");
    sub->add_flag("-a,--attach", o->attach, "Attach container's STDOUT and STDERR");
    sub->add_flag("-i,--interactive", o->interactive, "Make STDIN available to the contained process");
    sub->add_option("--detach-keys", o->attach_opts.detach_keys,
                    "Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> "
                    "where <value> is one of: a-z, @, ^, [, , or _");
    sub->add_flag("--sig-proxy", o->attach_opts.sig_proxy, "Proxy received signals to the process (default true)");
    sub->add_option("containers", t->names)->group("");
    sub->callback([o, t, &ctx] {
        if (o->attach) return start_attached(ctx, *o);
        auto names = targets(ctx, *t, "start", false);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) { return engine::start(ctx.store, n); });
    });
}

void add_stop(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("stop", "Stop one or more containers");
    set_usage(sub, "skiff stop [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    auto timeout = std::make_shared<int>(0);
    sub->add_flag("-a,--all", t->all, "Stop all running containers");
    auto* time = sub->add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container (-1: forever)");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, timeout, time, &ctx] {
        auto names = targets(ctx, *t, "stop", true);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        auto seconds = given(time, *timeout);
        each(ctx, *names, [&](const std::string& n) { return engine::stop(ctx.store, n, seconds); });
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
        auto sig = engine::parse_signal(*signal);
        if (!sig) return (void)(ctx.exit_code = fail(sig.error()));
        auto names = targets(ctx, *t, "kill", true);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) { return engine::kill(ctx.store, n, *sig); });
    });
}

namespace {

// pause and unpause: with --all, the running containers not paused, or the paused ones.
void add_freeze(CLI::App& parent, Context& ctx, bool pause) {
    const char* cmd = pause ? "pause" : "unpause";
    auto* sub = parent.add_subcommand(cmd, pause ? "Pause all the processes in one or more containers"
                                                 : "Unpause the processes in one or more containers");
    set_usage(sub, std::string("skiff ") + cmd + " [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    sub->add_flag("-a,--all", t->all, pause ? "Pause all running containers" : "Unpause all paused containers");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, cmd, pause, &ctx] {
        auto names = targets(ctx, *t, cmd, [pause](const storage::Container& c) {
            return c.state == storage::ContainerState::kRunning && c.paused != pause;
        });
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        each(ctx, *names, [&](const std::string& n) {
            return pause ? engine::pause(ctx.store, n) : engine::unpause(ctx.store, n);
        });
    });
}

}  // namespace

void add_pause(CLI::App& parent, Context& ctx) { add_freeze(parent, ctx, true); }
void add_unpause(CLI::App& parent, Context& ctx) { add_freeze(parent, ctx, false); }

void add_restart(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("restart", "Restart one or more containers");
    set_usage(sub, "skiff restart [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<Targets>();
    auto timeout = std::make_shared<int>(0);
    auto running = std::make_shared<bool>(false);
    sub->add_flag("-a,--all", t->all, "Restart all containers regardless of their current state");
    sub->add_flag("--running", *running, "Restart only running containers");
    auto* time = sub->add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container (-1: forever)");
    sub->add_option("containers", t->names)->group("");
    sub->callback([t, timeout, time, running, &ctx] {
        auto names = targets(ctx, *t, "restart", *running);
        if (!names) return (void)(ctx.exit_code = fail(names.error()));
        auto seconds = given(time, *timeout);
        each(ctx, *names, [&](const std::string& n) { return engine::restart(ctx.store, n, seconds); });
    });
}

namespace {

// --interval: a duration ("250ms", "1.5s", "2m"; a bare number is milliseconds), in milliseconds.
Result<int> parse_interval(const std::string& s) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    std::string unit = end ? end : "";
    double scale = unit.empty() || unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "us" ? 0.001 : -1;
    if (s.empty() || end == s.c_str() || v < 0 || scale < 0)
        return make_error("invalid --interval \"" + s + "\": want a duration such as 250ms or 1s");
    return static_cast<int>(v * scale);
}

}  // namespace

void add_wait(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("wait", "Block on one or more containers");
    set_usage(sub, "skiff wait [options] CONTAINER [CONTAINER...]");
    auto names = std::make_shared<std::vector<std::string>>();
    auto conditions = std::make_shared<std::vector<std::string>>();
    auto interval = std::make_shared<std::string>("250ms");
    sub->add_option("--condition", *conditions, "Condition to wait on (configured, created, running, paused, exited, stopped)")
        ->allow_extra_args(false);
    sub->add_option("-i,--interval", *interval, "Time interval to wait before polling for completion");
    sub->add_option("containers", *names)->group("");
    sub->callback([names, conditions, interval, &ctx] {
        if (names->empty()) return (void)(ctx.exit_code = fail(make_error("`skiff wait` requires at least 1 arg")));
        std::vector<engine::WaitCondition> wanted;
        for (auto& c : *conditions) {
            auto w = engine::parse_wait_condition(c);
            if (!w) return (void)(ctx.exit_code = fail(w.error()));
            wanted.push_back(*w);
        }
        auto ms = parse_interval(*interval);
        if (!ms) return (void)(ctx.exit_code = fail(ms.error()));
        int code = 0;
        for (auto& n : *names) {
            auto r = engine::wait_for(ctx.store, n, wanted, *ms);
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
