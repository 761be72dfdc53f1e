// skiff logs [options] CONTAINER [CONTAINER...]
#include <time.h>

#include <climits>
#include <cstdio>
#include <memory>

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
    const LogsOptions& o;
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
            if (o.timestamps) line += r.timestamp + " ";
            line += r.text;
            if (!r.partial) line += "\n";
            std::fwrite(line.data(), 1, line.size(), out);
        }
        std::fflush(stdout);
        std::fflush(stderr);
    }
};

Result<void> show(Context& ctx, const LogsOptions& o, const std::string& name, bool several) {
    auto log = TRY(engine::LogReader::open(ctx.store, name));
    std::string id = log.container_id().substr(0, 12);
    Printer p{o, INT64_MIN, INT64_MAX, several || o.names ? id + " " : std::string(), nullptr};
    if (!o.since.empty()) p.since = TRY(engine::parse_log_time(o.since));
    if (!o.until.empty()) p.until = TRY(engine::parse_log_time(o.until));
    auto records = TRY(log.read_more());
    if (o.tail >= 0 && records.size() > static_cast<size_t>(o.tail))
        records.erase(records.begin(), records.end() - o.tail);
    p.print(records);
    if (!o.follow) return {};
    for (;;) {
        bool running = log.container_running();
        p.print(TRY(log.read_more()));
        if (!running) return {};
        struct timespec ts = {0, 100 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
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
        for (auto& n : o->containers) {
            auto r = show(ctx, *o, n, o->containers.size() > 1);
            if (!r.ok()) {
                fail(r.error());
                code = kExitFailure;
            }
        }
        ctx.exit_code = code;
    });
}

}  // namespace skiff::cli
