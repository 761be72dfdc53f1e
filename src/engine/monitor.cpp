// The monitor of a detached container: skiff forked, detached with setsid, holding nothing of the
// command that started it (stdio on /dev/null and the container's output pipes, every other
// descriptor closed). It runs the container with the runtime's foreground loop, whose poll also copies the
// container's output into its log (podman's k8s-file format), and after each exit it records the
// exit code and time, then restarts the container as its policy says or removes it (--rm), and exits.
//
// The command that forked it hears one report on a pipe: "ok" once the container's command has
// been executed, or "err CODE MESSAGE" when it could not start. Clients of `skiff attach` connect
// to its attach socket (attach_server.hpp); for `start -a` it reports "listening" instead and runs
// the container only once the first client is there, so that client sees all of its output.
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <cstring>

#include "attach_server.hpp"
#include "run_internal.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/net/forwarder.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::engine {

namespace {

// "2026-11-26T06:10:00.123456789+00:00", as conmon stamps k8s-file lines.
std::string log_timestamp() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    ::localtime_r(&ts.tv_sec, &tm);
    char date[40], zone[8];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    std::strftime(zone, sizeof zone, "%z", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%09ld%.3s:%.2s", date, ts.tv_nsec, zone, zone + 3);
    return out;
}

// Parses "10k", "5MB", "1g" (podman's --log-opt max-size); -1 when absent.
Result<int64_t> max_size(const std::vector<std::string>& log_opts) {
    for (auto& o : log_opts) {
        if (!o.starts_with("max-size=")) continue;
        std::string v = o.substr(9);
        char* end = nullptr;
        double n = std::strtod(v.c_str(), &end);
        std::string unit = end ? end : "";
        for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        double mult = unit.empty() || unit == "b" ? 1
                      : unit == "k" || unit == "kb" ? 1e3
                      : unit == "m" || unit == "mb" ? 1e6
                      : unit == "g" || unit == "gb" ? 1e9
                                                    : -1;
        if (v.empty() || n <= 0 || mult < 0) return make_error("invalid --log-opt " + o + ": want a size like 10mb");
        return static_cast<int64_t>(n * mult);
    }
    return int64_t{-1};
}

// Copies the container's stdout and stderr into the log (and to attached clients): called by the
// runtime's loop whenever a pipe has data, and once more after each exit to drain what is left
// without waiting for writers that may never close (a daemon the container left behind).
class Logger {
public:
    Logger(int out, int err, int log, int64_t max, AttachServer* clients)
        : out_(out), err_(err), log_(log), max_(max), clients_(clients) {
        if (log_ >= 0) {
            struct stat st;
            if (::fstat(log_, &st) == 0) size_ = st.st_size;
        }
    }

    // One read from `fd`; false at its end.
    bool readable(int fd) {
        char buf[16384];
        ssize_t got = ::read(fd, buf, sizeof buf);
        if (got <= 0) return false;
        std::string_view data(buf, static_cast<size_t>(got));
        write_lines(fd == out_ ? "stdout" : "stderr", data);
        if (clients_) clients_->broadcast(fd == out_ ? wire::Kind::kStdout : wire::Kind::kStderr, data);
        return true;
    }

    void drain() {
        for (;;) {
            struct pollfd p[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
            if (::poll(p, 2, 0) <= 0) return;
            bool any = false;
            for (auto& q : p)
                if ((q.revents & POLLIN) && readable(q.fd)) any = true;
            if (!any) return;
        }
    }

private:
    void write_lines(const char* stream, std::string_view data) {
        if (log_ < 0) return;
        std::string out;
        std::string stamp = log_timestamp();
        while (!data.empty()) {
            size_t nl = data.find('\n');
            bool full = nl != std::string_view::npos;
            std::string_view line = data.substr(0, full ? nl : data.size());
            out += stamp + " " + stream + (full ? " F " : " P ") + std::string(line) + "\n";
            data.remove_prefix(full ? nl + 1 : data.size());
        }
        if (max_ > 0 && size_ + static_cast<int64_t>(out.size()) > max_) {
            // As conmon: a log over its maximum size starts again empty.
            if (::ftruncate(log_, 0) == 0) size_ = 0;
        }
        if (sys::write_all(log_, out).ok()) size_ += static_cast<int64_t>(out.size());
    }

    int out_, err_, log_;
    int64_t max_;
    AttachServer* clients_;
    int64_t size_ = 0;
};

void report(int fd, const std::string& text) {
    if (fd < 0) return;
    (void)sys::write_all(fd, text);
}

bool should_restart(const RestartPolicy& p, int code, int restarts, bool stopped_by_user) {
    if (stopped_by_user) return false;
    switch (p.kind) {
        case RestartPolicy::Kind::kNo: return false;
        case RestartPolicy::Kind::kOnFailure: return code != 0 && (p.max_retries == 0 || restarts < p.max_retries);
        case RestartPolicy::Kind::kAlways:
        case RestartPolicy::Kind::kUnlessStopped: return true;
    }
    return false;
}

// Save `c`'s status under its lock, unless the container has been removed meanwhile. False then.
bool record(const storage::StoreConfig& store, const storage::Container& c) {
    auto lock = storage::lock_container(store, c.id);
    if (!storage::find_container(store, c.id).ok()) return false;
    (void)storage::save_status(store, c);
    return true;
}

// What `update` may have changed while the container ran: its restart policy and its limits, for
// the next run.
void reload_updates(const storage::StoreConfig& store, const std::string& id, RestartPolicy& restart,
                    runtime::Spec& spec) {
    auto now = storage::find_container(store, id);
    if (!now.ok()) return;
    auto opts = options_of(*now);
    if (!opts.ok()) return;
    if (auto p = parse_restart_policy(opts->restart); p.ok()) restart = *p;
    if (auto r = resources_of(*opts); r.ok()) spec.resources = *r;
}

// The container's stdin: the read end of a pipe whose write end the attach server holds (-i), so
// it stays open while no client is attached; /dev/null otherwise.
Result<unique_fd> container_stdin(const runtime::Spec& spec, int null) {
    if (!spec.interactive) {
        ::dup2(null, STDIN_FILENO);
        return unique_fd();
    }
    int in[2];
    if (::pipe2(in, O_CLOEXEC) < 0) return sys_error("monitor: make the container's stdin pipe");
    ::dup2(in[0], STDIN_FILENO);
    ::close(in[0]);
    return unique_fd(in[1]);
}

// Close every descriptor from 3 up but those in `keep`.
void close_all_except(std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned from = 3;
    for (int k : keep) {
        if (k < static_cast<int>(from)) continue;
        if (static_cast<unsigned>(k) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(k - 1), 0u);
        from = static_cast<unsigned>(k) + 1;
    }
    ::syscall(SYS_close_range, from, ~0u, 0u);
}

int monitor_main(const storage::StoreConfig& store, storage::Container c, runtime::Spec spec, const RunOptions& opts,
                 int report_fd, bool wait_attach, int start_lock) {
    ::setsid();
    // The heap the starting command used (image lookups, JSON) goes back to the kernel: a monitor
    // lives as long as its container.
    ::malloc_trim(0);
    // Nothing of the starting command stays open here: its stdio, its locks, its pipes.
    // start's lock stays held (this is a descriptor of the same open lock) until the container
    // is recorded running.
    close_all_except({report_fd, start_lock});
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int out[2], err[2];
    if (null < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) {
        report(report_fd, "err 125 monitor: cannot make the container's output pipes: " + std::string(std::strerror(errno)));
        return 1;
    }
    // The container inherits 0, 1 and 2: /dev/null (or the stdin pipe) in, the pipes out.
    auto stdin_pipe = container_stdin(spec, null);
    if (!stdin_pipe.ok()) {
        report(report_fd, "err 125 " + stdin_pipe.error().message);
        return 1;
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(out[1]);
    ::close(err[1]);
    // Room for bursts: with -t the runtime's terminal relay writes into this same pipe.
    (void)::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);

    int log = -1;
    std::string path = log_path(store, c, opts);
    auto limit = max_size(opts.log_opts);
    if (!path.empty()) log = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    auto server = AttachServer::listen(fs::join(storage::container_run_dir(store, c.id), "attach"),
                                       stdin_pipe.take(), spec.terminal);
    if (!server.ok()) {
        report(report_fd, "err 125 monitor: " + server.error().message);
        return 1;
    }
    // Published ports are bound now, once for every restart: one in use fails the start.
    auto forwarder = net::Forwarder::listen(opts.ports);
    if (!forwarder.ok()) {
        report(report_fd, "err 125 " + forwarder.error().message);
        return 1;
    }
    if (wait_attach) {
        // start -a: the client connects as soon as it hears this; it sees the start's outcome
        // (and errors) on the socket, so the report pipe ends here.
        report(report_fd, "listening");
        ::close(report_fd);
        report_fd = -1;
        if (!server->wait_first_client(30000)) return 1;
    }
    Logger logger(out[0], err[0], log, limit.ok() ? *limit : -1, &*server);

    auto policy = parse_restart_policy(opts.restart);
    RestartPolicy restart = policy.ok() ? *policy : RestartPolicy{};
    bool first = true;
    unsigned backoff_ms = 100;
    for (;;) {
        runtime::Hooks hooks;
        hooks.started = [&](pid_t pid) {
            mark_running(c, pid);
            write_pidfile(opts, pid);
            c.monitor_pid = ::getpid();
            c.monitor_start = storage::process_start_time(::getpid());
            (void)record(store, c);
            if (start_lock >= 0) ::close(start_lock);
            start_lock = -1;
            (void)forwarder->set_container(pid);
        };
        hooks.oom_killed = [&] { c.oom_killed = true; };
        hooks.cgroup_made = [&](const runtime::CgroupPaths& paths) { record_cgroup(c, paths); };
        hooks.watch = {out[0], err[0]};
        hooks.readable = [&](int fd) { logger.readable(fd); };
        hooks.poll_set = [&](std::vector<struct pollfd>& add) {
            server->poll_set(add);
            forwarder->poll_set(add);
        };
        hooks.polled = [&](const struct pollfd& p) {
            server->polled(p);
            forwarder->polled(p);
        };
        hooks.terminal = [&](int master) { server->set_master(master); };
        hooks.window = [&] { return server->window(); };
        hooks.executed = [&] {
            if (first) report(report_fd, "ok");
            if (first && report_fd >= 0) ::close(report_fd);
            first = false;
        };
        auto status = runtime::run_foreground(spec, hooks);
        forwarder->clear_container();
        logger.drain();
        int code = status.ok() ? *status : status.error().exit_code;
        if (!status.ok() && first) {
            report(report_fd, "err " + std::to_string(code) + " " + status.error().message);
            if (report_fd >= 0) ::close(report_fd);
            first = false;
        }
        c.state = storage::ContainerState::kExited;
        c.exit_code = code;
        c.finished_ns = storage::now_ns();
        bool kept = record(store, c);
        if (status.ok()) server->finish(wire::Kind::kExit, std::to_string(code));
        else server->finish(wire::Kind::kError, std::to_string(code) + " " + status.error().message);
        if (!kept) break;  // removed (rm -f) while it ran
        reload_updates(store, c.id, restart, spec);
        bool stopped = sys::exists(stop_marker(store, c.id));
        if (!status.ok() || !should_restart(restart, code, c.restarts, stopped)) break;
        struct timespec ts = {static_cast<time_t>(backoff_ms / 1000), static_cast<long>(backoff_ms % 1000) * 1000000};
        ::nanosleep(&ts, nullptr);
        backoff_ms = std::min(backoff_ms * 2, 5000u);
        c.restarts++;
    }
    if (c.auto_remove) {
        auto lock = storage::lock_container(store, c.id);
        auto now = storage::find_container(store, c.id);
        if (now.ok()) (void)storage::remove_container(store, *now);
    }
    return 0;
}

}  // namespace

std::string log_path(const storage::StoreConfig& store, const storage::Container& c, const RunOptions& opts) {
    if (opts.log_driver == "none" || opts.log_driver == "passthrough") return {};
    for (auto& o : opts.log_opts)
        if (o.starts_with("path=")) return o.substr(5);
    return fs::join(storage::container_dir(store, c.id), "ctr.log");
}

std::string stop_marker(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_run_dir(store, id), "stopped");
}

Result<void> launch_monitor(const storage::StoreConfig& store, const storage::Container& c, const runtime::Spec& spec,
                            const RunOptions& opts, bool wait_attach, int start_lock) {
    TRY(max_size(opts.log_opts));
    std::string log = log_path(store, c, opts);
    if (!log.empty()) TRY(fs::mkdir_p(fs::dirname(log), 0700));
    (void)::unlink(stop_marker(store, c.id).c_str());
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("pipe");
    unique_fd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork the container's monitor");
    if (pid == 0) {
        read_end.reset();
        ::_exit(monitor_main(store, c, spec, opts, write_end.release(), wait_attach, start_lock));
    }
    write_end.reset();
    auto said = sys::read_all(read_end.get());
    if (!said.ok()) return said.take_error().context("read the monitor's report");
    if (*said == "ok" || (wait_attach && *said == "listening")) return {};
    if (said->starts_with("err ")) {
        std::string rest = said->substr(4);
        size_t space = rest.find(' ');
        int code = std::atoi(rest.substr(0, space).c_str());
        return make_error(space == std::string::npos ? rest : rest.substr(space + 1), code ? code : kExitFailure);
    }
    // The monitor died before it could say anything.
    int st = 0;
    (void)::waitpid(pid, &st, WNOHANG);
    return make_error("the container's monitor exited before the container started");
}

}  // namespace skiff::engine
