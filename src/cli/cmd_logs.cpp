// skiff logs [options] CONTAINER [CONTAINER...]
#include <time.h>

#include <climits>
#include <cstdio>
#include <memory>
#include <vector>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/logs.hpp"

namespace skiff::cli {

namespace {

struct LogsOptions {
    bool follow = false, timestamps = false, names = false;
    int tail = -1;
    std::string since, until;
    std::vector<std::string> containers;
};

struct Printer {
    bool timestamps = false;
    int64_t since = INT64_MIN, until = INT64_MAX;
    std::string prefix;

    FILE* last = nullptr;

    void print(const std::vector<engine::LogRecord>& records) {
        for (auto& r : records) {
            if (r.ns < since || r.ns > until) continue;
            FILE* out = r.is_stderr ? stderr : stdout;
            // The two streams keep their order where they meet (a terminal, 2>&1).
            if (last && last != out) std::fflush(last);
            last = out;
            std::string line = prefix;
            if (timestamps) line += r.timestamp + " ";
            line += r.text;
            if (!r.partial) line += "\n";
            std::fwrite(line.data(), 1, line.size(), out);
        }
        std::fflush(stdout);
        std::fflush(stderr);
    }
};

// One container's log as podman prints it: with several containers, each line starts with the
// container's short ID (its name with --names).
struct Source {
    engine::LogReader log;
    Printer printer;
};

Result<Source> open_source(Context& ctx, const LogsOptions& o, const std::string& name, bool several) {
    auto log = TRY(engine::LogReader::open(ctx.store, name));
    std::string prefix;
    if (several) prefix = (o.names ? log.container_name() : log.container_id().substr(0, 12)) + " ";
    Printer p{o.timestamps, INT64_MIN, INT64_MAX, prefix, nullptr};
    if (!o.since.empty()) p.since = TRY(engine::parse_log_time(o.since));
    if (!o.until.empty()) p.until = TRY(engine::parse_log_time(o.until));
    auto records = TRY(log.read_more());
    if (o.tail >= 0 && records.size() > static_cast<size_t>(o.tail))
        records.erase(records.begin(), records.end() - o.tail);
    p.print(records);
    return Source{std::move(log), std::move(p)};
}

// -f: every container's log at once, each until its container is no longer running, so that
// their lines come out in the order they were written.
Result<void> follow(std::vector<Source>& sources) {
    while (!sources.empty()) {
        for (size_t i = 0; i < sources.size();) {
            bool running = sources[i].log.container_running();
            sources[i].printer.print(TRY(sources[i].log.read_more()));
            if (running) i++;
            else sources.erase(sources.begin() + static_cast<long>(i));
        }
        if (sources.empty()) break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    return {};
}

}  // namespace

void add_logs(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("logs", "Fetch the logs of one or more containers");
    set_usage(sub, "skiff logs [options] CONTAINER [CONTAINER...]");
    auto o = std::make_shared<LogsOptions>();
    sub->add_flag("-f,--follow", o->follow, "Follow log output");
    sub->add_flag("-n,--names", o->names, "Output the container name in the log");
    sub->add_option("--since", o->since, "Show logs since TIMESTAMP");
    sub->add_option("--tail", o->tail, "Output the specified number of LINES at the end of the logs");
    sub->add_flag("-t,--timestamps", o->timestamps, "Output the timestamps in the log");
    sub->add_option("--until", o->until, "Show logs until TIMESTAMP");
    sub->add_option("containers", o->containers)->group("");
    sub->callback([o, &ctx] {
        if (o->containers.empty()) return (void)(ctx.exit_code = fail(make_error("`skiff logs` requires at least 1 arg")));
        int code = 0;
        std::vector<Source> followed;
        for (auto& n : o->containers) {
            auto source = open_source(ctx, *o, n, o->containers.size() > 1);
            if (!source.ok()) {
                fail(source.error());
                code = kExitFailure;
            } else if (o->follow) {
                followed.push_back(source.take());
            }
        }
        if (auto r = follow(followed); !r.ok()) {
            fail(r.error());
            code = kExitFailure;
        }
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
