// The monitor of a detached container: a fresh `skiff __monitor` process that launch_monitor
// (src/engine/monitor_launch.cpp) started detached, dispatched in main() before the command tree is
// built, so that it holds none of the starting command's memory (CLI11's tree, image records, JSON).
// It makes itself non-dumpable (a container that shares the host's pid namespace must not reach
// skiff's binary through /proc/PID/exe), reads its start message from the channel, loads the
// container as a ContainerSession (the same session a foreground run uses: record, spec, ports),
// and runs it with the runtime's foreground loop, whose poll also copies the container's output
// into its log (podman's k8s-file format) and serves attach clients (attach_server.hpp). Once the
// container's command is executed it reports so and gives back what starting it used: free heap,
// the pages of skiff's code and constants (clean file pages that fault back in from the page cache
// if needed) and the deep stack. After each exit the session records the exit code and time; the
// monitor then restarts the container as its policy says or removes it (--rm), and exits.
//
// For `start -a` it reports "listening" instead and runs the container only once the first client
// is there, so that client sees all of its output. start's lock (a descriptor of it comes with the
// start message) stays held until the container is recorded running.
#include "skiff/monitor/monitor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cctype>
#include <ctime>
#include <cstring>
#include <string_view>

#include "attach_server.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/packet.hpp"
#include "skiff/base/resident.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/attach_wire.hpp"
#include "skiff/engine/logs.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/session.hpp"

namespace skiff::monitor {

namespace {

using engine::ContainerConfig;
using engine::ContainerSession;
using engine::RestartPolicy;

// Copies the container's stdout and stderr into the log (and to attached clients): called by the
// runtime's loop whenever a pipe has data, and after each exit for what the pipes hold then.
class Logger {
public:
    Logger(int out, int err, std::optional<engine::LogWriter> log, AttachServer* clients)
        : out_(out), err_(err), log_(std::move(log)), clients_(clients) {}

    // One read from `fd`: the bytes read, 0 at its end.
    size_t readable(int fd) {
        char buf[16384];
        ssize_t got = ::read(fd, buf, sizeof buf);
        if (got <= 0) return 0;
        std::string_view data(buf, static_cast<size_t>(got));
        if (log_) log_->write(fd != out_, data);
        if (clients_) clients_->broadcast(fd == out_ ? wire::Kind::kStdout : wire::Kind::kStderr, data);
        return static_cast<size_t>(got);
    }

private:
    int out_, err_;
    std::optional<engine::LogWriter> log_;
    AttachServer* clients_;
};

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

// Once the container runs and the monitor is about to wait for it: what starting it needed goes
// back to the kernel, for as long as the container lives. Done just before the loop first sleeps,
// so that what it touches on its way there is not faulted straight back in.
void shed_startup_memory() {
    ::malloc_trim(0);
    (void)resident::shed(16 * 1024);
}

// The pause before a restart, cut short when the container is removed meanwhile (rm waits for this
// monitor to exit): false then, and nothing is restarted.
bool pause_before_restart(const storage::StoreConfig& store, const std::string& id, unsigned ms) {
    std::string run_dir = storage::container_run_dir(store, id);
    for (unsigned waited = 0; waited < ms; waited += 20) {
        if (!sys::exists(run_dir)) return false;
        sleep_ms(static_cast<int>(std::min(20u, ms - waited)));
    }
    return sys::exists(run_dir);
}

// The one report the launcher waits for, then the channel closed: the launcher returns on it.
class Report {
public:
    explicit Report(int fd) : fd_(fd) {}
    bool pending() const { return fd_ >= 0; }
    void started() { send([&] { engine::report_started(fd_); }); }
    void listening() { send([&] { engine::report_listening(fd_); }); }
    void failed(const Error& e) { send([&] { engine::report_failed(fd_, e); }); }
    void failed(const std::string& message) { failed(Error{0, message, kExitFailure}); }

private:
    template <typename F>
    void send(F&& f) {
        if (fd_ < 0) return;
        f();
        ::close(fd_);
        fd_ = -1;
    }
    int fd_;
};

// `init`: the container's process waits to execute. The record says initialized and `init` hears
// so; then this waits until `start` connects to the init socket and asks for the run (its connection
// gets the report from then on), or the process is gone (killed: it never executes). False then.
bool hold_initialized(const storage::StoreConfig& store, ContainerSession& session, pid_t pid, Report& report) {
    storage::Container& c = session.container();
    auto listening = engine::wire::listen_at(engine::init_socket(store, c.id));
    if (!listening.ok()) {
        report.failed("monitor: " + listening.error().message);
        return false;
    }
    c.state = storage::ContainerState::kInitialized;
    (void)session.save();
    report.started();
    unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    bool go = false;
    while (!go && pidfd) {
        struct pollfd p[2] = {{listening->get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) break;  // its process was killed
        if (!p[0].revents) continue;
        unique_fd conn(::accept4(listening->get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) continue;
        auto asked = packet::receive(conn.get(), "the init socket");
        if (!asked.ok() || !*asked || (*asked)->kind != static_cast<uint8_t>(engine::MonitorMessage::kStart)) continue;
        report = Report(conn.release());
        go = true;
    }
    (void)::unlink(engine::init_socket(store, c.id).c_str());
    if (!go) return false;
    c.state = storage::ContainerState::kRunning;
    c.started_ns = now_ns();
    (void)session.save();
    return true;
}

int monitor_main(const engine::MonitorStart& args, unique_fd start_lock, const char* name) {
    const storage::StoreConfig& store = args.store;
    Report report(engine::kMonitorChannelFd);
    log::set_level(args.log_level);
    // Its log lines go where its stderr goes now (/dev/null), not to the container's stderr, which
    // takes descriptor 2 below; --runtime-flag log=PATH sends them to a file.
    int log_fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
    if (log_fd >= 0) log::set_sink(log_fd);
    if (auto applied = engine::apply_runtime_flags(args.runtime_flags); !applied.ok()) {
        report.failed(applied.error());
        return 1;
    }
    // Named as the command that started it, not "exe" (/proc/self/exe).
    (void)::prctl(PR_SET_NAME, name, 0, 0, 0);
    // The exec made this process dumpable again.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        report.failed("monitor: prctl PR_SET_DUMPABLE: " + std::string(std::strerror(errno)));
        return 1;
    }
    auto loaded = ContainerSession::load(store, args.id);
    if (!loaded.ok()) {
        report.failed(loaded.error());
        return 1;
    }
    ContainerSession& session = *loaded;
    // However this ends, what loading the session mounted (a failed start's included) is given back.
    struct ReleaseMounts {
        ContainerSession& session;
        ~ReleaseMounts() { session.release_mounts(); }
    } release_mounts{session};
    storage::Container& c = session.container();
    const ContainerConfig& config = session.config();
    runtime::Spec& spec = session.spec();
    c.monitor_pid = ::getpid();
    c.monitor_start = storage::process_start_time(::getpid());
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int out[2], err[2];
    if (null < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) {
        report.failed("monitor: cannot make the container's output pipes: " + std::string(std::strerror(errno)));
        return 1;
    }
    // The container inherits 0, 1 and 2: /dev/null (or the stdin pipe) in, the pipes out.
    auto stdin_pipe = container_stdin(spec, null);
    if (!stdin_pipe.ok()) {
        report.failed(stdin_pipe.error().message);
        return 1;
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(out[1]);
    ::close(err[1]);
    // Room for bursts: with -t the runtime's terminal relay writes into this same pipe.
    (void)::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);

    std::optional<engine::LogWriter> log;
    std::string path = engine::log_path(store, c, config);
    if (!path.empty()) {
        auto opened = engine::LogWriter::open(path, config.log.max_size.value_or(-1));
        if (opened.ok()) log = opened.take();
    }
    auto server = AttachServer::listen(fs::join(storage::container_run_dir(store, c.id), "attach"),
                                       stdin_pipe.take(), spec.terminal);
    if (!server.ok()) {
        report.failed("monitor: " + server.error().message);
        return 1;
    }
    // Published ports are bound now, once for every restart: one in use fails the start.
    if (auto bound = session.listen_ports(); !bound.ok()) {
        report.failed(bound.error());
        return 1;
    }
    if (args.wait_attach) {
        // start -a: the client connects as soon as it hears this; it sees the start's outcome
        // (and errors) on the socket, so the report ends here.
        report.listening();
        if (!server->wait_first_client(30000)) return 1;
    }
    Logger logger(out[0], err[0], std::move(log), &*server);

    bool shed_pending = false;
    engine::SessionIo io;
    io.started = [&](pid_t) {
        // Recorded running: a start waiting for this one finds it so. The container's process,
        // cloned already, holds a copy of the descriptor until it executes (after `start`, for an
        // initialized one): unlocking the open file releases the lock for every copy.
        struct flock unlock {};
        unlock.l_type = F_UNLCK;
        unlock.l_whence = SEEK_SET;
        if (start_lock) (void)::fcntl(start_lock.get(), F_OFD_SETLK, &unlock);
        start_lock.reset();
    };
    io.poll_set = [&](std::vector<struct pollfd>& add) {
        server->poll_set(add);
        if (shed_pending) shed_startup_memory();
        shed_pending = false;
    };
    io.polled = [&](const struct pollfd& p) { server->polled(p); };
    runtime::Hooks hooks = session.hooks(std::move(io));
    hooks.watch = {out[0], err[0]};
    hooks.readable = [&](int fd) { return logger.readable(fd); };
    // The container's stdio is the monitor's own: the pipes above (and /dev/null or the stdin pipe).
    hooks.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
    hooks.terminal = [&](int master) { server->set_master(master); };
    hooks.window = [&] { return server->window(); };
    hooks.executed = [&] {
        shed_pending = true;
        report.started();
    };
    if (args.init_only)
        hooks.initialized = [&](pid_t pid) {
            if (!hold_initialized(store, session, pid, report)) ::kill(pid, SIGKILL);
        };
    unsigned backoff_ms = 100;
    for (;;) {
        auto status = session.run(hooks);
        hooks.initialized = nullptr;  // a restart runs at once
        int code = status.ok() ? *status : status.error().exit_code;
        if (!status.ok()) report.failed(status.error());
        bool kept = session.record_exit(status);
        if (status.ok()) server->finish(wire::Kind::kExit, std::to_string(code));
        else server->finish(wire::Kind::kError, std::to_string(code) + " " + status.error().message);
        if (!kept) break;  // removed (rm -f) while it ran
        session.reload_updates();
        bool stopped = sys::exists(engine::stop_marker(store, c.id));
        if (!status.ok() || !should_restart(session.config().restart, code, c.restarts, stopped)) break;
        if (!pause_before_restart(store, c.id, backoff_ms)) break;  // removed meanwhile
        backoff_ms = std::min(backoff_ms * 2, 5000u);
        session.restarting();
    }
    session.release_mounts();  // after the last run, the restarts' included
    if (c.auto_remove) session.remove();
    return 0;
}

}  // namespace

int monitor_process(int argc, char** argv) {
    ::unsetenv("LD_BIND_NOW");  // the loader has read it; nothing the monitor starts should
    auto start = [&]() -> Result<std::pair<engine::MonitorStart, unique_fd>> {
        auto p = TRY(packet::receive(engine::kMonitorChannelFd, "the monitor's channel"));
        if (!p || p->kind != static_cast<uint8_t>(engine::MonitorMessage::kStart))
            return make_error("skiff __monitor is started by skiff itself, with a start message on descriptor " +
                              std::to_string(engine::kMonitorChannelFd));
        return std::pair{TRY(engine::decode_monitor_start(p->body)), std::move(p->fd)};
    }();
    if (!start.ok()) {
        engine::report_failed(engine::kMonitorChannelFd, start.error());
        std::string line = "Error: " + start.error().message + "\n";
        (void)sys::write_all(STDERR_FILENO, line);
        return kExitFailure;
    }
    // The container must not inherit the channel.
    (void)::fcntl(engine::kMonitorChannelFd, F_SETFD, FD_CLOEXEC);
    return monitor_main(start->first, std::move(start->second), argc > 0 ? argv[0] : "skiff");
}

}  // namespace skiff::monitor
