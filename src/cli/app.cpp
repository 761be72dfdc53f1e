// skiff: parse the global flags, hand the command line to the one command it names, exit with
// that command's code. Everything a command does happens in this process (no daemon).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <iostream>
#include <algorithm>
#include <map>
#include <memory>

// The one file that includes all of CLI11. Formatter.hpp and Config.hpp define the virtual functions
// of the help formatter and of the config reader inline, so every file that includes them compiles
// both classes whole: more than a third of a small command file's build time. The command files
// include <CLI/App.hpp> only and find the two vtables here at link time.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/cli/cli.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/store.hpp"
#include "version.hpp"

namespace skiff::cli {

namespace {

// The words of the command being run, "skiff container rm": podman's errors name the command as
// it was typed (cobra's CommandPath), not the name of the code that serves it.
std::string& command_path() {
    static std::string path;
    return path;
}

std::string path_of(const CLI::App& root) {
    std::string path = "skiff";
    for (const CLI::App* a = &root;;) {
        auto used = a->get_subcommands();
        if (used.empty()) return path;
        a = used.front();
        path += " " + a->get_name();
    }
}

}  // namespace

// A command names itself in its errors as "`skiff NAME` ..."; run as a subcommand (`skiff image
// ls`, `skiff container rm`), the quote becomes the whole command as typed, as podman's do.
std::string with_command_path(const std::string& message) {
    const std::string& path = command_path();
    if (!message.starts_with("`skiff ") || std::count(path.begin(), path.end(), ' ') < 2) return message;
    auto end = message.find('`', 1);
    if (end == std::string::npos) return message;
    return "`" + path + message.substr(end);
}

int fail(const Error& e) {
    std::string line = "Error: " + with_command_path(e.message) + "\n";
    std::fflush(stdout);
    std::fputs(line.c_str(), stderr);
    return e.exit_code;
}

void finish(Context& ctx, const Result<void>& r) { ctx.exit_code = r.ok() ? 0 : fail(r.error()); }

std::map<std::string, std::string> parse_labels(const std::vector<std::string>& words) {
    std::map<std::string, std::string> out;
    for (auto& w : words) {
        auto eq = w.find('=');
        out[w.substr(0, eq)] = eq == std::string::npos ? "" : w.substr(eq + 1);
    }
    return out;
}

Result<void> check_arg_count(const std::string& cmd, size_t got, size_t min, size_t max) {
    std::string name = command_path().empty() ? "skiff " + cmd : command_path();
    if (got < min) {
        if (min == 1) return make_error("`" + name + "` requires at least 1 arg");
        return make_error("`" + name + "` requires at least " + std::to_string(min) + " args");
    }
    if (got > max) {
        if (max == 0) return make_error("`" + name + "` takes no arguments");
        return make_error("`" + name + "` accepts at most " + std::to_string(max) + " arg(s), received " +
                          std::to_string(got));
    }
    return {};
}

namespace {

std::map<const CLI::App*, std::string>& usages() {
    static std::map<const CLI::App*, std::string> m;
    return m;
}

// CLI11's help with podman's "Usage:" line.
class Formatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App* app, std::string name) const override {
        auto it = usages().find(app);
        if (it == usages().end()) return CLI::Formatter::make_usage(app, std::move(name));
        return "Usage: " + it->second + "\n";
    }
};

}  // namespace

void set_usage(CLI::App* app, std::string usage) { usages()[app] = std::move(usage); }

std::string usage_of(const CLI::App* app) {
    auto it = usages().find(app);
    return it == usages().end() ? std::string() : it->second;
}

namespace {

constexpr const char* kDefaultLogLevel = "warn";

struct GlobalFlags {
    engine::StoreFlags store;
    std::vector<std::string> storage_opts;  // --storage-opt, each KEY=VALUE for the driver
    std::string log_level = kDefaultLogLevel;
    bool debug = false;        // -D, --debug: docker's spelling of --log-level=debug
    bool noout = false;        // --noout: the command's stdout goes nowhere
    std::string docker_config;  // --config: docker's; ignored with a warning, as podman does
    std::string runtime;        // --runtime: the skiff binary that runs containers (oci_runtime.hpp)
    std::vector<std::string> runtime_flags;  // --runtime-flag
};

// --log-level and --debug as podman reads them: a level it does not know, or both flags, end
// skiff with exit code 1 and podman's bare message (no "Error: ").
void set_log_level(const GlobalFlags& g) {
    std::string name = g.log_level;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (g.debug) {
        if (name != kDefaultLogLevel) {
            std::fputs("Setting --log-level and --debug is not allowed\n", stderr);
            std::exit(1);
        }
        name = "debug";
    }
    log::Level level;
    if (!log::parse_level(name == "warning" ? "warn" : name, &level)) {
        std::fprintf(stderr,
                     "Log Level \"%s\" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, "
                     "panic\n",
                     g.log_level.c_str());
        std::exit(1);
    }
    log::set_level(level);
}

// skiff's storage drivers take no options: an empty --storage-opt (podman's way of saying "none")
// is accepted, any other is refused in the words podman's drivers use for one they do not know.
Result<void> check_storage_opts(const GlobalFlags& g, const engine::StoreConfig& store) {
    for (auto& opt : g.storage_opts) {
        if (opt.empty()) continue;
        return make_error(std::string(storage::driver_name(store.driver)) + ": Unknown option " +
                          opt.substr(0, opt.find('=')));
    }
    return {};
}

Result<void> resolve_store(const GlobalFlags& g, Context& ctx) {
    set_log_level(g);
    if (!g.docker_config.empty()) log::warn("The --config flag is ignored by skiff. Exists for Docker compatibility");
    ctx.rootless = rootless_process();
    ctx.store = TRY(engine::resolve_store(g.store));
    // Every command but these touches the store, or runs what does, in the user's namespaces.
    const std::string& cmd = command_path();
    if (ctx.rootless && cmd != "skiff" && cmd != "skiff version" && cmd != "skiff help")
        TRY(engine::enter_user_namespace(ctx.store));
    ctx.runtime = g.runtime;
    engine::set_runtime_choice(g.runtime, g.runtime_flags);
    TRY(check_storage_opts(g, ctx.store));
    if (g.noout) {
        // podman swaps its stdout for /dev/null: what the command (and a container it runs in the
        // foreground) would print is dropped; stderr is kept.
        std::fflush(stdout);
        unique_fd null = TRY(sys::open("/dev/null", O_WRONLY));
        if (::dup2(null.get(), STDOUT_FILENO) < 0) return make_error(std::string("--noout: dup2: ") + std::strerror(errno));
    }
    return {};
}

// What podman logs as it starts, at info and debug: the level, the command line, the store.
void log_start(int argc, char** argv, const Context& ctx) {
    log::info("{} filtering at log level {}", argv[0], log::level_name(log::level()));
    if (log::level() > log::Level::kDebug) return;
    std::vector<std::string> words(argv, argv + argc);
    log::debug("Called {} ({})", command_path(), str::join(words, " "));
    engine::log_store(ctx.store);
}

// The option an option word names (`--all`, `-a`, `--all=x`; the last letter of `-it`), looked up in
// `app` and the commands above it; null when none has it.
const CLI::Option* find_option(const CLI::App& app, const std::string& arg) {
    std::string name = arg.substr(0, arg.find('='));
    if (name.size() > 2 && name[0] == '-' && name[1] != '-') name = std::string("-") + name.back();  // -it → -t
    for (const CLI::App* a = &app; a; a = a->get_parent()) {
        if (auto* opt = a->get_option_no_throw(name)) return opt;
    }
    return nullptr;
}

// Does `arg` (an option word) consume the next word as its value?
bool takes_value(const CLI::App& app, const std::string& arg) {
    if (arg.find('=') != std::string::npos) return false;
    auto* opt = find_option(app, arg);
    return opt && opt->get_items_expected_min() > 0;
}

// Bring pflag's spellings to CLI11, for the words up to the first one a container's command owns:
// - `--NAME=` with nothing after the `=` gives the option an empty value, as podman reads it
//   (`--detach-keys=` disables detaching); CLI11 would take the next word as the value instead. So
//   such a word becomes `--NAME` and an empty word of its own, for options that take a value (a
//   flag's `--all=` is left to CLI11).
// - `-X=VALUE`, podman's other spelling of a short option's value (`-t=0`, `-e=A=b`), which CLI11
//   would read as the value "=VALUE", becomes `-X VALUE`; for a flag (`-a=false`) it becomes the
//   long spelling CLI11 reads, `--all=false`.
// Returns pflag's error for an option that needs a value and is the last word, else "".
std::string pflag_words(CLI::App& app, std::vector<std::string>& args) {
    CLI::App* scope = &app;  // the command the words so far have named
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (a == "--") return "";
        if (a.size() > 3 && a.starts_with("--") && a.back() == '=' && a.find('=') == a.size() - 1) {
            a.pop_back();
            if (!takes_value(*scope, a)) continue;
            args[i] = a;
            args.insert(args.begin() + static_cast<long>(i) + 1, std::string());
            ++i;
            continue;
        }
        if (a.size() > 2 && a[0] == '-' && a[1] != '-' && a[2] == '=') {
            const CLI::Option* opt = find_option(*scope, a.substr(0, 2));
            if (opt && opt->get_items_expected_min() > 0) {
                args[i] = a.substr(0, 2);
                args.insert(args.begin() + static_cast<long>(i) + 1, a.substr(3));
                ++i;
            } else if (opt && !opt->get_lnames().empty()) {
                args[i] = "--" + opt->get_lnames().front() + a.substr(2);
            }
            continue;
        }
        if (a.size() > 1 && a[0] == '-') {
            if (!takes_value(*scope, a)) continue;
            if (i + 1 == args.size()) {
                if (a[1] == '-') return "flag needs an argument: " + a;
                return std::string("flag needs an argument: '") + a.back() + "' in " + a;
            }
            ++i;
            continue;
        }
        CLI::App* sub = nullptr;
        for (auto* s : scope->get_subcommands({}))
            if (s->check_name(a)) sub = s;
        if (sub) scope = sub;
        else if (scope->get_prefix_command()) return "";  // IMAGE or CONTAINER: the rest is the container's
    }
    return "";
}

// The first word before the command that is an option skiff does not have. pflag stops there; CLI11
// would go on and take the unknown flag's value for the command.
std::string unknown_global_flag(const CLI::App& app, const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--" || a.size() < 2 || a[0] != '-') return "";
        if (!find_option(app, a)) return a.substr(0, a.find('='));
        if (takes_value(app, a)) ++i;
    }
    return "";
}

// Commands of the form `CMD [options] IMAGE|CONTAINER [COMMAND [ARG...]]`: every word from the
// first positional on belongs to the container, flags included. Cut them off before CLI11 parses.
// The command may sit under a parent (`skiff container run`).
std::vector<std::string> split_trailing(CLI::App& app, std::vector<std::string>& args) {
    CLI::App* scope = &app;  // where the next command word is looked up
    CLI::App* cmd = nullptr;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") return {};
        if (a.size() > 1 && a[0] == '-') {
            if (takes_value(cmd ? *cmd : *scope, a)) ++i;
            continue;
        }
        if (!cmd) {
            CLI::App* sub = nullptr;
            for (auto* s : scope->get_subcommands({}))
                if (s->check_name(a)) sub = s;
            if (!sub) return {};
            if (sub->get_prefix_command())
                cmd = sub;
            else if (!sub->get_subcommands({}).empty())
                scope = sub;
            else
                return {};
            continue;
        }
        std::vector<std::string> tail(args.begin() + static_cast<long>(i), args.end());
        args.resize(i);
        return tail;
    }
    return {};
}

// The command the words name, when they name one of the table's: the first word that is neither a
// global option nor its value. Null when there is none or help is asked before it.
const CommandEntry* named_command(const CLI::App& app, const std::vector<std::string>& args, const CommandEntry* table,
                                  size_t n) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help" || a == "--") return nullptr;
        if (a.size() > 1 && a[0] == '-') {
            if (takes_value(app, a)) ++i;
            continue;
        }
        for (size_t k = 0; k < n; ++k)
            if (a == table[k].name) return &table[k];
        return nullptr;
    }
    return nullptr;
}

void add_help(CLI::App& app, Context& ctx) {
    auto* sub = app.add_subcommand("help", "Help about any command");
    auto names = std::make_shared<std::vector<std::string>>();
    sub->add_option("command", *names, "Command to show help for");
    sub->callback([&app, names, &ctx] {
        CLI::App* target = &app;
        for (auto& n : *names) {
            CLI::App* next = nullptr;
            for (auto* s : target->get_subcommands({})) {
                if (s->check_name(n)) next = s;
            }
            if (!next) {
                ctx.exit_code = fail(make_error("unrecognized command `skiff " + n + "`"));
                return;
            }
            target = next;
        }
        // Not App::help(): on the root it would print the help of the command being run (help).
        std::cout << target->get_formatter()->make_help(target, target->get_name(), CLI::AppFormatMode::Normal);
    });
}

}  // namespace
}  // namespace skiff::cli

int skiff::cli::run(int argc, char** argv) {
    using namespace skiff;
    using namespace skiff::cli;
    Context ctx;
    GlobalFlags g;
    CLI::App app{"Manage pods, containers and images — without a daemon.", "skiff"};
    app.set_version_flag("-v,--version", "skiff version " SKIFF_VERSION, "Print the version");
    app.fallthrough();
    app.require_subcommand(0, 1);
    auto formatter = std::make_shared<Formatter>();
    formatter->column_width(34);
    app.formatter(formatter);
    set_usage(&app, "skiff [options] COMMAND");
    // pflag's rule for a flag given twice: the last one wins (podman's scripts repeat --root). A
    // list option (--env) keeps every value; CLI11 trims only single-value options.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_option("--root", g.store.root, "Path to the root directory in which data, including images, is stored");
    app.add_option("--runroot", g.store.runroot, "Path to the 'run directory' where all state information is stored");
    app.add_option("--storage-driver", g.store.driver, "Select which storage driver is used to manage storage of images and containers (overlay, vfs)");
    app.add_option("--volumepath", g.store.volumepath, "Path to the volume directory in which volume data is stored");
    app.add_option("--storage-opt", g.storage_opts, "Used to pass an option to the storage driver");
    app.add_option("--log-level", g.log_level, "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)");
    app.add_flag("-D,--debug", g.debug, "Docker compatibility, force setting of log-level")->group("");
    app.add_option("--config", g.docker_config, "Ignored for Docker compatibility")->group("");
    app.add_flag("--noout", g.noout, "do not output to stdout");
    app.add_option("--runtime", g.runtime, "Path to the OCI-compatible binary used to run containers (a skiff binary; default: skiff itself)");
    app.add_option("--runtime-flag", g.runtime_flags, "add global flags for the container runtime");
    // Resolve the store before any command's callback runs.
    app.parse_complete_callback([&] {
        command_path() = path_of(app);
        auto r = resolve_store(g, ctx);
        if (!r.ok()) {
            std::exit(fail(r.error()));
        }
        log_start(argc, argv, ctx);
    });

    // Only the command being run is built (the whole tree costs more than `skiff version` does
    // otherwise); all of them when the words name none, for help and podman's errors.
    std::vector<std::string> args(argv + 1, argv + argc);
    size_t n = 0;
    const CommandEntry* table = commands(&n);
    if (const CommandEntry* one = named_command(app, args, table, n)) {
        one->add(app, ctx);
    } else {
        for (size_t i = 0; i < n; ++i) table[i].add(app, ctx);
        add_help(app, ctx);
    }
    for (auto* sub : app.get_subcommands({}))
        if (!usages().count(sub)) set_usage(sub, "skiff " + sub->get_name() + " [options]");

    if (auto flag = unknown_global_flag(app, args); !flag.empty()) return fail(make_error("unknown flag: " + flag));
    if (auto err = pflag_words(app, args); !err.empty()) return fail(make_error(err));
    ctx.trailing = split_trailing(app, args);
    std::reverse(args.begin(), args.end());  // CLI11 takes its vector in reverse order
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ExtrasError& e) {
        // An unknown word where a command was expected, or an unknown flag, in podman's words.
        std::string what = e.what();
        auto colon = what.find(": ");
        std::string first = colon == std::string::npos ? "" : what.substr(colon + 2);
        first = first.substr(0, first.find(' '));
        if (first.size() > 1 && first[0] == '-') return fail(make_error("unknown flag: " + first.substr(0, first.find('='))));
        if (app.get_subcommands().empty() && !first.empty())
            return fail(make_error("unrecognized command `skiff " + first + "`"));
        // A parent command (`skiff image`) given a word that is none of its subcommands.
        for (auto* parent : app.get_subcommands())
            if (!parent->get_subcommands({}).empty() && parent->get_subcommands().empty() && !first.empty())
                return fail(make_error("unrecognized command `skiff " + parent->get_name() + " " + first + "`"));
        // A word given to a command that takes none (`skiff container ls extra`).
        const CLI::App* cmd = &app;
        while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
        if (cmd != &app && cmd->get_subcommands({}).empty() && cmd->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty() && !first.empty())
            return fail(make_error("`" + path_of(app) + "` takes no arguments"));
        return fail(make_error(what));
    } catch (const CLI::ParseError& e) {
        return fail(make_error(e.what()));
    }
    if (app.get_subcommands().empty()) {
        std::cout << app.help();
        return 0;
    }
    return ctx.exit_code;
}
