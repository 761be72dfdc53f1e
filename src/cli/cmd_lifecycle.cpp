// skiff start | stop | restart | kill | pause | unpause | wait: detached containers, one or several at a
// time (start -a: one, attached).
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "targets.hpp"
#include "skiff/engine/attach.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::cli {

namespace {

bool running(const storage::Container& c) { return c.state == storage::ContainerState::kRunning; }

struct StartOptions {
    TargetFlags targets;
    bool attach = false, interactive = false;
    engine::AttachOptions attach_opts;
};

// podman's own checks for start (it takes names with --filter, unlike the other commands).
Result<void> check_start(const StartOptions& o) {
    auto& t = o.targets;
    if (t.names.empty() && !t.latest && !t.all && t.filters.empty()) return make_error("start requires at least one argument");
    if (t.all && t.latest) return make_error("--all and --latest cannot be used together");
    if (!t.names.empty() && t.latest) return make_error("--latest and containers cannot be used together");
    if (t.names.size() > 1 && o.attach) return make_error("you cannot start and attach multiple containers at once");
    if ((!t.names.empty() || t.latest) && t.all)
        return make_error("either start all containers or the container(s) provided in the arguments");
    if (o.attach && t.all) return make_error("you cannot start and attach all containers at once");
    return {};
}

// start -a: the container started with the monitor waiting for this client, so none of its
// output is missed; one already running is attached to. Its exit code is ours.
void start_attached(Context& ctx, const StartOptions& o, const std::string& name) {
    auto c = engine::find_container(ctx.store, name);
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
void each(Context& ctx, const std::vector<Target>& targets, F&& op) {
    int code = 0;
    for (auto& t : targets) {
        auto r = op(t.id);
        if (r.ok()) {
            std::cout << t.shown << std::endl;
            continue;
        }
        fail(r.error());
        code = kExitFailure;
    }
    ctx.exit_code = code;
}

// The targets checked (podman's rules) and resolved, or the error reported: nullopt.
std::optional<std::vector<Target>> targets_or_fail(Context& ctx, const TargetFlags& t,
                                                   const std::function<bool(const storage::Container&)>& wanted,
                                                   bool checked = false) {
    if (!checked) {
        auto ok = check_targets(t);
        if (!ok) return (void)(ctx.exit_code = fail(ok.error())), std::nullopt;
    }
    auto list = resolve_targets(ctx, t, wanted);
    if (!list) return (void)(ctx.exit_code = fail(list.error())), std::nullopt;
    return list.take();
}

}  // namespace

void add_start(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("start", "Start one or more containers");
    set_usage(sub, "skiff start [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<StartOptions>();
    auto* t = &o->targets;
    sub->add_flag("--all", t->all, "Start all containers regardless of their state or configuration");
    sub->add_flag("-l,--latest", t->latest, "Act on the latest container skiff is aware of");
    sub->add_option("-f,--filter", t->filters, "Filter output based on conditions given")->allow_extra_args(false);
    sub->add_flag("-a,--attach", o->attach, "Attach container's STDOUT and STDERR");
    sub->add_flag("-i,--interactive", o->interactive, "Make STDIN available to the contained process");
    sub->add_option("--detach-keys", o->attach_opts.detach_keys,
                    "Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> "
                    "where <value> is one of: a-z, @, ^, [, , or _");
    sub->add_flag("--sig-proxy", o->attach_opts.sig_proxy, "Proxy received signals to the process (default true)");
    sub->add_option("containers", t->names)->group("");
    sub->callback([o, t, &ctx] {
        auto ok = check_start(*o);
        if (!ok) return (void)(ctx.exit_code = fail(ok.error()));
        // --all: those not running (as podman, a running one is neither started nor listed).
        auto list = targets_or_fail(ctx, *t, [](const storage::Container& c) { return !running(c); }, true);
        if (!list) return;
        if (o->attach) {
            if (list->size() > 1)
                return (void)(ctx.exit_code = fail(make_error("you cannot start and attach multiple containers at once")));
            if (!list->empty()) start_attached(ctx, *o, list->front().id);
            return;
        }
        // As podman: one already running is done, and not printed.
        std::erase_if(*list, [&](const Target& target) {
            auto c = engine::find_container(ctx.store, target.id);
            return c.ok() && running(*c);
        });
        each(ctx, *list, [&](const std::string& n) { return engine::start(ctx.store, n); });
    });
}

void add_init(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("init", "Initialize one or more containers");
    set_usage(sub, "skiff init [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<TargetFlags>();
    add_target_flags(sub, *t, {.all_help = "Initialize all containers", .cidfile = false, .filter = false});
    sub->callback([t, &ctx] {
        auto list = targets_or_fail(ctx, *t, [](const storage::Container&) { return true; });
        if (!list) return;
        // As podman: with --all, a container that is past it (initialized, running) is no error.
        if (t->all)
            std::erase_if(*list, [&](const Target& target) {
                auto c = engine::find_container(ctx.store, target.id);
                return c.ok() && (running(*c) || c->state == storage::ContainerState::kInitialized);
            });
        each(ctx, *list, [&](const std::string& n) { return engine::init(ctx.store, n); });
    });
}

namespace {

// -t/--time, and podman's --timeout alias of it.
CLI::Option* add_time_flag(CLI::App* sub, int& seconds, const char* help) {
    auto* time = sub->add_option("-t,--time", seconds, help);
    sub->add_option("--timeout", seconds, "Alias of --time")->group("");
    return time;
}

std::optional<int> given_time(const CLI::App* sub, const CLI::Option* time, int seconds) {
    if (time->count() || sub->get_option("--timeout")->count()) return seconds;
    return std::nullopt;
}

}  // namespace

void add_stop(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("stop", "Stop one or more containers");
    set_usage(sub, "skiff stop [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<TargetFlags>();
    auto timeout = std::make_shared<int>(0);
    add_target_flags(sub, *t, {.all_help = "Stop all running containers", .ignore = true});
    auto* time = add_time_flag(sub, *timeout, "Seconds to wait for stop before killing the container (-1: forever)");
    sub->callback([sub, t, timeout, time, &ctx] {
        auto names = targets_or_fail(ctx, *t, running);
        if (!names) return;
        auto seconds = given_time(sub, time, *timeout);
        each(ctx, *names, [&](const std::string& n) { return engine::stop(ctx.store, n, seconds); });
    });
}

void add_kill(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("kill", "Kill one or more running containers with a specific signal");
    set_usage(sub, "skiff kill [options] CONTAINER [CONTAINER...]");
    auto t = std::make_shared<TargetFlags>();
    auto signal = std::make_shared<std::string>("KILL");
    add_target_flags(sub, *t, {.all_help = "Signal all running containers", .filter = false});
    sub->add_option("-s,--signal", *signal, "Signal to send to the container");
    sub->callback([t, signal, &ctx] {
        auto ok = check_targets(*t);
        if (!ok) return (void)(ctx.exit_code = fail(ok.error()));
        auto sig = engine::parse_signal(*signal);
        if (!sig) return (void)(ctx.exit_code = fail(sig.error()));
        auto names = targets_or_fail(ctx, *t, running, true);
        if (!names) return;
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
    auto t = std::make_shared<TargetFlags>();
    add_target_flags(sub, *t, {.all_help = pause ? "Pause all running containers" : "Unpause all paused containers"});
    sub->callback([t, pause, &ctx] {
        auto names = targets_or_fail(ctx, *t, [pause](const storage::Container& c) { return running(c) && c.paused != pause; });
        if (!names) return;
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
    auto t = std::make_shared<TargetFlags>();
    auto timeout = std::make_shared<int>(0);
    auto running_only = std::make_shared<bool>(false);
    add_target_flags(sub, *t, {.all_help = "Restart all containers regardless of their current state"});
    sub->add_flag("--running", *running_only, "Restart only running containers");
    auto* time = add_time_flag(sub, *timeout, "Seconds to wait for stop before killing the container (-1: forever)");
    sub->callback([sub, t, timeout, time, running_only, &ctx] {
        auto names = targets_or_fail(ctx, *t, [only = *running_only](const storage::Container& c) { return !only || running(c); });
        if (!names) return;
        auto seconds = given_time(sub, time, *timeout);
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
