// Starting a detached container's monitor (src/monitor), and the typed channel the two speak
// (skiff/engine/monitor.hpp). launch_monitor() forks, detaches the child (setsid, stdio on
// /dev/null, every other descriptor of the starting command closed but the channel) and re-executes
// skiff in it as `skiff __monitor`, from the sealed view of skiff's binary (runtime::sealed_self: no
// one can write it through /proc/PID/exe of the monitor, nor of the container's process, which it
// clones; CVE-2019-5736).
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "run_internal.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/packet.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/sealed_binary.hpp"
#include "skiff/runtime/enter.hpp"

extern char** environ;

namespace skiff::engine {

namespace {

constexpr std::string_view kBindNow = "LD_BIND_NOW=";

// Close every descriptor from 3 up but those of `keep` (-1: none). Allocates nothing: it runs
// between fork and exec.
void close_all_except(std::array<int, 2> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned from = 3;
    for (int k : keep) {
        if (k < static_cast<int>(from)) continue;
        if (static_cast<unsigned>(k) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(k - 1), 0u);
        from = static_cast<unsigned>(k) + 1;
    }
    ::syscall(SYS_close_range, from, ~0u, 0u);
}

uint8_t kind(MonitorMessage m) { return static_cast<uint8_t>(m); }

}  // namespace

std::string encode_monitor_start(const MonitorStart& m) {
    packet::Writer w;
    w.str(m.store.root)
        .str(m.store.runroot)
        .str(storage::driver_name(m.store.driver))
        .str(m.id)
        .u32(m.wait_attach ? 1 : 0)
        .i32(static_cast<int32_t>(m.log_level))
        .u32(m.init_only ? 1 : 0)
        .u32(static_cast<uint32_t>(m.runtime_flags.size()));
    for (const std::string& f : m.runtime_flags) w.str(f);
    return w.take();
}

Result<MonitorStart> decode_monitor_start(std::string_view body) {
    packet::Reader in(body);
    MonitorStart m;
    m.store.root = TRY(in.str());
    m.store.runroot = TRY(in.str());
    m.store.driver = TRY(storage::parse_driver(TRY(in.str())));
    m.id = TRY(in.str());
    m.wait_attach = TRY(in.u32()) != 0;
    int32_t level = TRY(in.i32());
    if (level < static_cast<int>(log::Level::kTrace) || level > static_cast<int>(log::Level::kPanic))
        return make_error("monitor: log level " + std::to_string(level) + " out of range");
    m.log_level = static_cast<log::Level>(level);
    m.init_only = TRY(in.u32()) != 0;
    uint32_t flags = TRY(in.u32());
    if (flags > 64) return make_error("monitor: " + std::to_string(flags) + " runtime flags");
    for (uint32_t i = 0; i < flags; ++i) m.runtime_flags.push_back(TRY(in.str()));
    if (!in.rest().empty()) return make_error("monitor: start message longer than its fields");
    if (m.id.empty() || m.store.root.empty() || m.store.runroot.empty()) return make_error("monitor: start message without a container or store");
    return m;
}

void report_started(int sock) { (void)packet::send(sock, kind(MonitorMessage::kStarted)); }
void report_listening(int sock) { (void)packet::send(sock, kind(MonitorMessage::kListening)); }

void report_failed(int sock, const Error& e) {
    std::string body = packet::Writer().i32(e.exit_code).take();
    body += e.message.substr(0, packet::kMaxPacket - 1 - body.size());
    (void)packet::send(sock, kind(MonitorMessage::kFailed), body);
}

Result<void> read_monitor_report(int sock, bool wait_attach) {
    auto p = TRY(packet::receive(sock, "the container's monitor"));
    if (!p) return make_error("the container's monitor exited before the container started");
    switch (static_cast<MonitorMessage>(p->kind)) {
        case MonitorMessage::kStarted: return {};
        case MonitorMessage::kListening:
            if (wait_attach) return {};
            break;
        case MonitorMessage::kFailed: {
            packet::Reader in(p->body);
            int32_t code = TRY(in.i32());
            return make_error(std::string(in.rest()), code ? code : kExitFailure);
        }
        case MonitorMessage::kStart: break;
    }
    return make_error("the container's monitor sent message " + std::to_string(p->kind) + " out of turn");
}

std::string init_socket(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_run_dir(store, id), "init");
}

Result<void> launch_monitor(const storage::StoreConfig& store, const storage::Container& c, const ContainerConfig& config,
                            bool wait_attach, int start_lock, bool init_only) {
    std::string log = log_path(store, c, config);
    if (!log.empty()) TRY(fs::mkdir_p(fs::dirname(log), 0700));
    (void)::unlink(stop_marker(store, c.id).c_str());
    auto [mine, theirs] = TRY(packet::socket_pair());
    // The start message waits in the socket for the monitor, with a descriptor of start's lock: it
    // shares the lock's open file, so the lock stays held until the monitor lets go of it.
    TRY(packet::send(mine.get(), kind(MonitorMessage::kStart),
                     encode_monitor_start({store, c.id, wait_attach, init_only, log::level(), runtime_flags()}), start_lock));
    unique_fd null = TRY(sys::open("/dev/null", O_RDWR));
    // CVE-2019-5736: the monitor, and the container's process it clones until that executes its
    // command, run from a view of skiff's binary (or the container's --runtime) that nobody can write.
    auto rt = TRY(resolve_runtime(config.runtime));
    unique_fd exe = TRY(rt.own ? runtime::sealed_self(sealed_exe_lower(store))
                               : runtime::sealed_binary(rt.path, sealed_exe_lower(store)));
    // Everything the child needs is made before the fork: between fork and exec it only moves
    // descriptors. argv[0] is the starting command's name (comm), as a fork would keep it.
    char name[17] = "skiff";
    (void)::prctl(PR_GET_NAME, name, 0, 0, 0);
    std::string command(kMonitorCommand);
    char* argv[] = {name, command.data(), nullptr};
    // The loader binds every symbol at the monitor's start: binding them lazily later, while it
    // watches its container, would fault the loader's code and symbol tables back in.
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
        if (!std::string_view(*e).starts_with(kBindNow)) envp.push_back(*e);
    std::string bind_now = std::string(kBindNow) + "1";
    envp.push_back(bind_now.data());
    envp.push_back(nullptr);
    // What the child says if it cannot execute skiff: the failure's header, made now.
    std::string failed = packet::Writer().i32(kExitFailure).take() + "monitor: execute skiff's sealed binary: ";
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork the container's monitor");
    if (pid == 0) {
        ::setsid();
        for (int std_fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null.get(), std_fd);
        int ex = exe.get(), chan = theirs.get();
        if (ex == kMonitorChannelFd) ex = ::fcntl(ex, F_DUPFD_CLOEXEC, kMonitorChannelFd + 1);
        if (chan == kMonitorChannelFd) ::fcntl(chan, F_SETFD, 0);
        else ::dup2(chan, kMonitorChannelFd);
        close_all_except({kMonitorChannelFd, ex});
        ::syscall(SYS_execveat, ex, "", argv, envp.data(), AT_EMPTY_PATH);
        char buf[512];
        const char* why = std::strerror(errno);
        size_t n = std::min(failed.size(), sizeof buf);
        std::memcpy(buf, failed.data(), n);
        size_t w = std::min(std::strlen(why), sizeof buf - n);
        std::memcpy(buf + n, why, w);
        (void)packet::send(kMonitorChannelFd, kind(MonitorMessage::kFailed), std::string_view(buf, n + w));
        ::_exit(1);
    }
    theirs.reset();
    auto report = read_monitor_report(mine.get(), wait_attach);
    if (!report.ok() && report.error().message.starts_with("the container's monitor exited")) {
        int st = 0;
        (void)::waitpid(pid, &st, WNOHANG);
    }
    return report;
}

}  // namespace skiff::engine
