// The monitor of a detached container. launch_monitor() forks, detaches the child (setsid, stdio on
// /dev/null, every other descriptor of the starting command closed) and re-executes skiff in it as
// `skiff __monitor ID …`, from the sealed view of skiff's binary (runtime::sealed_self: no one can
// write it through /proc/PID/exe of the monitor, nor of the container's process, which it clones,
// nor of a container whose command is /proc/self/exe; CVE-2019-5736): a fresh process, dispatched in main() before the command tree is built,
// so that it holds none of the starting command's memory (CLI11's tree, image records, JSON). It
// makes itself non-dumpable (a container that shares the host's pid namespace must not reach
// skiff's binary through /proc/PID/exe), reads the container's record and stored options, builds
// the runtime spec as start does, and runs the container with the runtime's foreground loop, whose
// poll also copies the container's output into its log (podman's k8s-file format), serves attach
// clients and forwards published ports. Once the container's command is executed it gives back
// what starting it used: free heap, the pages of skiff's code and constants (clean file pages that
// fault back in from the page cache if needed) and the deep stack. After each exit it records the
// exit code and time, then restarts the container as its policy says or removes it (--rm), and
// exits.
//
// The command that forked it hears one report on a pipe: "ok" once the container's command has
// been executed, or "err CODE MESSAGE" when it could not start. Clients of `skiff attach` connect
// to its attach socket (attach_server.hpp); for `start -a` it reports "listening" instead and runs
// the container only once the first client is there, so that client sees all of its output.
// start's lock (a descriptor of it is passed down) stays held until the container is recorded
// running.
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <cstring>
#include <string_view>

#include "attach_server.hpp"
#include "run_internal.hpp"
#include "skiff/base/resident.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/engine/sealed_binary.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/net/forwarder.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/runtime/spec.hpp"

extern char** environ;

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
// runtime's loop whenever a pipe has data, and after each exit for what the pipes hold then.
class Logger {
public:
    Logger(int out, int err, int log, int64_t max, AttachServer* clients)
        : out_(out), err_(err), log_(log), max_(max), clients_(clients) {
        if (log_ >= 0) {
            struct stat st;
            if (::fstat(log_, &st) == 0) size_ = st.st_size;
        }
    }

    // One read from `fd`: the bytes read, 0 at its end.
    size_t readable(int fd) {
        char buf[16384];
        ssize_t got = ::read(fd, buf, sizeof buf);
        if (got <= 0) return 0;
        std::string_view data(buf, static_cast<size_t>(got));
        write_lines(fd == out_ ? "stdout" : "stderr", data);
        if (clients_) clients_->broadcast(fd == out_ ? wire::Kind::kStdout : wire::Kind::kStderr, data);
        return static_cast<size_t>(got);
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
    // A damaged state is written whole again.
    if (!storage::find_container(store, c.id, true).ok()) return false;
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

// Close every descriptor from 3 up but those of `keep` (-1: none). Allocates nothing: it runs
// between fork and exec.
void close_all_except(std::array<int, 3> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned from = 3;
    for (int k : keep) {
        if (k < static_cast<int>(from)) continue;
        if (static_cast<unsigned>(k) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(k - 1), 0u);
        from = static_cast<unsigned>(k) + 1;
    }
    ::syscall(SYS_close_range, from, ~0u, 0u);
}

constexpr const char* kBindNowName = "LD_BIND_NOW";
constexpr std::string_view kBindNow = "LD_BIND_NOW=";

// What `skiff __monitor` is told on its command line. The spec is not passed: the monitor builds
// it from the container's stored record as start would, so there is one way to make it.
struct MonitorArgs {
    std::string name;  // the process's name (comm): the starting command's, as a fork would keep it
    storage::StoreConfig store;
    std::string id;
    int report_fd = -1;
    int start_lock = -1;
    bool wait_attach = false;
    log::Level log_level = log::Level::kWarn;
};

// NAME __monitor ID ROOT RUNROOT DRIVER REPORT_FD START_LOCK_FD attach|detached LOG_LEVEL
constexpr int kMonitorArgc = 10;

std::vector<std::string> monitor_argv(const MonitorArgs& a) {
    return {a.name, std::string(kMonitorCommand), a.id, a.store.root, a.store.runroot,
            storage::driver_name(a.store.driver), std::to_string(a.report_fd), std::to_string(a.start_lock),
            a.wait_attach ? "attach" : "detached", std::to_string(static_cast<int>(a.log_level))};
}

Result<int> fd_arg(const char* s) {
    char* end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (!*s || *end || v < -1 || v > 1 << 20) return make_error(std::string("bad descriptor ") + s);
    return static_cast<int>(v);
}

Result<MonitorArgs> parse_monitor_argv(int argc, char** argv) {
    if (argc != kMonitorArgc) return make_error("usage: skiff __monitor ID ROOT RUNROOT DRIVER REPORT_FD START_LOCK_FD MODE LEVEL");
    MonitorArgs a;
    a.name = argv[0];
    a.id = argv[2];
    a.store.root = argv[3];
    a.store.runroot = argv[4];
    a.store.driver = TRY(storage::parse_driver(argv[5]));
    a.report_fd = TRY(fd_arg(argv[6]));
    a.start_lock = TRY(fd_arg(argv[7]));
    a.wait_attach = std::string_view(argv[8]) == "attach";
    int level = std::atoi(argv[9]);
    if (level >= static_cast<int>(log::Level::kTrace) && level <= static_cast<int>(log::Level::kPanic))
        a.log_level = static_cast<log::Level>(level);
    return a;
}

// The container and what runs it, from the store, as start makes them.
struct Startable {
    storage::Container c;
    RunOptions opts;
    runtime::Spec spec;
};

Result<Startable> load_startable(const storage::StoreConfig& store, const std::string& id) {
    // Under the container's lock, as start held it for this before.
    auto lock = TRY(storage::lock_container(store, id));
    Startable s{TRY(storage::find_container(store, id)), {}, {}};
    s.opts = TRY(options_of(s.c));
    // A create killed between writing the record and making its volumes left them missing.
    TRY(make_volumes(store, s.opts, s.opts.anonymous_volumes));
    auto p = TRY(prepare(store, s.opts, s.c.id));
    TRY(check_bind_sources(store, s.opts));
    TRY(finish_spec(store, s.c, p.image, p.spec));
    s.spec = std::move(p.spec);
    s.c.restarts = 0;
    return s;
}

// Once the container runs and the monitor is about to wait for it: what starting it needed goes
// back to the kernel, for as long as the container lives. Done just before the loop first sleeps,
// so that what it touches on its way there is not faulted straight back in.
void shed_startup_memory() {
    ::malloc_trim(0);
    (void)resident::shed(16 * 1024);
}

int monitor_main(const MonitorArgs& args) {
    const storage::StoreConfig& store = args.store;
    int report_fd = args.report_fd;
    int start_lock = args.start_lock;
    bool wait_attach = args.wait_attach;
    log::set_level(args.log_level);
    // Named as the command that started it, not "exe" (/proc/self/exe).
    (void)::prctl(PR_SET_NAME, args.name.c_str(), 0, 0, 0);
    // The exec made this process dumpable again.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        report(report_fd, "err 125 monitor: prctl PR_SET_DUMPABLE: " + std::string(std::strerror(errno)));
        return 1;
    }
    auto loaded = load_startable(store, args.id);
    if (!loaded.ok()) {
        report(report_fd, "err " + std::to_string(loaded.error().exit_code) + " " + loaded.error().message);
        return 1;
    }
    storage::Container c = std::move(loaded->c);
    const RunOptions opts = std::move(loaded->opts);
    runtime::Spec spec = std::move(loaded->spec);
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
        bool shed_pending = false;
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
        // Recorded at once: a monitor killed before the container runs leaves its cgroup to the next rm.
        hooks.cgroup_made = [&](const runtime::CgroupPaths& paths) {
            record_cgroup(c, paths);
            (void)record(store, c);
        };
        hooks.watch = {out[0], err[0]};
        hooks.readable = [&](int fd) { return logger.readable(fd); };
        // The container's stdio is the monitor's own: the pipes above (and /dev/null or the stdin pipe).
        hooks.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
        hooks.poll_set = [&](std::vector<struct pollfd>& add) {
            server->poll_set(add);
            forwarder->poll_set(add);
            if (shed_pending) shed_startup_memory();
            shed_pending = false;
        };
        hooks.polled = [&](const struct pollfd& p) {
            server->polled(p);
            forwarder->polled(p);
        };
        hooks.terminal = [&](int master) { server->set_master(master); };
        hooks.window = [&] { return server->window(); };
        hooks.executed = [&] {
            shed_pending = true;
            if (first) report(report_fd, "ok");
            if (first && report_fd >= 0) ::close(report_fd);
            first = false;
        };
        auto status = runtime::run_foreground(spec, hooks);
        forwarder->clear_container();
        int code = status.ok() ? *status : status.error().exit_code;
        if (!status.ok() && first) {
            report(report_fd, "err " + std::to_string(code) + " " + status.error().message);
            if (report_fd >= 0) ::close(report_fd);
            first = false;
        }
        c.state = storage::ContainerState::kExited;
        c.exit_code = code;
        c.finished_ns = now_ns();
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
        {
            auto lock = storage::lock_container(store, c.id);
            auto now = storage::find_container(store, c.id);
            if (now.ok()) (void)storage::remove_container(store, *now);
        }
        remove_anonymous_volumes(store, opts);
    }
    return 0;
}

}  // namespace

int monitor_process(int argc, char** argv) {
    ::unsetenv(kBindNowName);  // the loader has read it; nothing the monitor starts should
    auto args = parse_monitor_argv(argc, argv);
    if (!args.ok()) {
        std::string line = "Error: " + args.error().message + "\n";
        (void)sys::write_all(STDERR_FILENO, line);
        return kExitFailure;
    }
    return monitor_main(*args);
}

std::string log_path(const storage::StoreConfig& store, const storage::Container& c, const RunOptions& opts) {
    if (opts.log_driver == "none" || opts.log_driver == "passthrough") return {};
    for (auto& o : opts.log_opts)
        if (o.starts_with("path=")) return o.substr(5);
    return fs::join(storage::container_dir(store, c.id), "ctr.log");
}

std::string stop_marker(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_run_dir(store, id), "stopped");
}

Result<void> launch_monitor(const storage::StoreConfig& store, const storage::Container& c, const RunOptions& opts,
                            bool wait_attach, int start_lock) {
    TRY(max_size(opts.log_opts));
    std::string log = log_path(store, c, opts);
    if (!log.empty()) TRY(fs::mkdir_p(fs::dirname(log), 0700));
    (void)::unlink(stop_marker(store, c.id).c_str());
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("pipe");
    unique_fd read_end(fds[0]), write_end(fds[1]);
    unique_fd null = TRY(sys::open("/dev/null", O_RDWR));
    // What the monitor keeps, above 0-2 (which it points at /dev/null), whatever this process's
    // stdio was. The lock's copy shares its open file, so the lock stays held.
    unique_fd report_fd(::fcntl(write_end.get(), F_DUPFD_CLOEXEC, 3));
    unique_fd lock_fd(start_lock >= 0 ? ::fcntl(start_lock, F_DUPFD_CLOEXEC, 3) : -1);
    if (!report_fd || (start_lock >= 0 && !lock_fd)) return sys_error("monitor: duplicate a descriptor");
    write_end.reset();
    // CVE-2019-5736: the monitor, and the container's process it clones until that executes its
    // command, run from a view of skiff's binary that nobody can write.
    unique_fd exe = TRY(runtime::sealed_self(sealed_exe_lower(store)));
    // Everything the child needs is made before the fork: between fork and exec it only moves
    // descriptors.
    char name[17] = "skiff";
    (void)::prctl(PR_GET_NAME, name, 0, 0, 0);
    std::vector<std::string> args =
        monitor_argv({name, store, c.id, report_fd.get(), lock_fd.get(), wait_attach, log::level()});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The loader binds every symbol at the monitor's start: binding them lazily later, while it
    // watches its container, would fault the loader's code and symbol tables back in.
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
        if (!std::string_view(*e).starts_with(kBindNow)) envp.push_back(*e);
    std::string bind_now = std::string(kBindNow) + "1";
    envp.push_back(bind_now.data());
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork the container's monitor");
    if (pid == 0) {
        ::setsid();
        for (int std_fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null.get(), std_fd);
        close_all_except({report_fd.get(), lock_fd.get(), exe.get()});
        for (int fd : {report_fd.get(), lock_fd.get()})
            if (fd >= 0) ::fcntl(fd, F_SETFD, 0);
        ::syscall(SYS_execveat, exe.get(), "", argv.data(), envp.data(), AT_EMPTY_PATH);
        const char* why = std::strerror(errno);
        const char failed[] = "err 125 monitor: execute skiff's sealed binary: ";
        if (::write(report_fd.get(), failed, sizeof failed - 1) > 0) (void)!::write(report_fd.get(), why, std::strlen(why));
        ::_exit(1);
    }
    report_fd.reset();
    lock_fd.reset();
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
