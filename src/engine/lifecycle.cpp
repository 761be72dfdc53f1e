// start, stop, kill, wait, restart: detached containers, carried out through their records and
// their processes (signals go through pidfds, to the process the record names and no other).
#include <poll.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "run_internal.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "skiff/oci/image_change.hpp"
#include "skiff/base/packet.hpp"
#include "skiff/engine/attach_wire.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/lifecycle.hpp"
#include "skiff/engine/mount.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

namespace {

Result<void> send(const storage::Container& c, int sig) {
    auto pidfd = TRY(open_process(c));
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) < 0 && errno != ESRCH)
        return sys_error("send signal " + std::to_string(sig) + " to container " + c.id.substr(0, 12));
    return {};
}

// Until the record no longer says running: the monitor records the exit (a dead monitor's
// container shows exited by itself).
Result<storage::Container> wait_recorded(const storage::StoreConfig& store, const std::string& id, int ms) {
    for (int waited = 0;; waited += 10) {
        auto c = TRY(storage::find_container(store, id));
        if (c.state != storage::ContainerState::kRunning || (ms >= 0 && waited >= ms)) return c;
        sleep_ms(10);
    }
}

}  // namespace

bool alive(const storage::Container& c) {
    return storage::same_process(c.pid, c.pid_start);
}

namespace {

int64_t now_ms() {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Without pidfds (before Linux 5.3): look at /proc every few milliseconds.
bool poll_proc_until_gone(pid_t pid, unsigned long long start, int ms) {
    int64_t deadline = now_ms() + ms;
    while (storage::same_process(pid, start)) {
        if (ms >= 0 && now_ms() >= deadline) return false;
        sleep_ms(5);
    }
    return true;
}

// Until the process `pid` started at `start` has exited or `ms` have passed (negative: no limit).
// The pidfd is opened before the identity is checked: from then on it names that process or none.
bool wait_process_gone(pid_t pid, unsigned long long start, int ms) {
    if (pid <= 0) return true;
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return errno == ESRCH ? true : poll_proc_until_gone(pid, start, ms);
    unique_fd pidfd(fd);
    if (!storage::same_process(pid, start)) return true;  // the pid names another process now: ours is gone
    // The pidfd turns readable when the process exits.
    int64_t deadline = now_ms() + ms;
    for (;;) {
        int left = ms < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
        struct pollfd p = {pidfd.get(), POLLIN, 0};
        int n = ::poll(&p, 1, left);
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return poll_proc_until_gone(pid, start, left);
    }
}

// How long rm and stop wait for a monitor that has nothing left to do but record and clean up.
constexpr int kMonitorExitMs = 5000;

}  // namespace

bool wait_gone(const storage::Container& c, int ms) { return wait_process_gone(c.pid, c.pid_start, ms); }

void wait_monitor_gone(const storage::Container& c) {
    if (c.monitor_pid <= 0 || c.monitor_pid == ::getpid()) return;
    if (wait_process_gone(c.monitor_pid, c.monitor_start, kMonitorExitMs)) return;
    log::warn("the monitor of container {} (pid {}) has not exited after {} seconds: going on without it", c.id,
              c.monitor_pid, kMonitorExitMs / 1000);
}

Result<unique_fd> open_process(const storage::Container& c) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, c.pid, 0));
    if (fd < 0) return sys_error("open container " + c.id.substr(0, 12) + "'s process");
    unique_fd pidfd(fd);
    if (!alive(c)) return make_error("container " + c.id.substr(0, 12) + "'s process has exited", kExitFailure);
    return pidfd;
}

namespace {

// An initialized container's monitor holds its process before the exec: asked over the init
// socket, it lets it run and reports the exec's outcome there.
Result<void> run_initialized(const storage::StoreConfig& store, const storage::Container& c) {
    auto sock = TRY_CTX(wire::connect_to(init_socket(store, c.id)), "start initialized container " + c.id.substr(0, 12));
    TRY(packet::send(sock.get(), static_cast<uint8_t>(MonitorMessage::kStart)));
    return read_monitor_report(sock.get(), false);
}

// Under start's lock: a container already running is left so; an initialized one runs; any other
// gets a monitor (`init_only`: one that holds its process before the exec).
Result<void> launch(const storage::StoreConfig& store, const std::string& name_or_id, bool wait_attach, bool init_only) {
    auto found = TRY(storage::find_container(store, name_or_id));
    // Two starts at once: the second waits here until the first's monitor has started the container,
    // then finds it running. The container's own lock cannot serve: the monitor takes it to record
    // the start, so it is let go of before the monitor is launched.
    std::string run_dir = storage::container_run_dir(store, found.id);
    TRY(fs::mkdir_p(run_dir, 0700));
    auto starting = TRY(FileLock::acquire(fs::join(run_dir, "start.lock")));
    std::optional<FileLock> lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));
    bool has_process = c.state == storage::ContainerState::kRunning || c.state == storage::ContainerState::kInitialized;
    if (init_only && has_process)
        return make_error("container " + c.id + " has already been created in runtime: container state improper");
    if (c.state == storage::ContainerState::kRunning) return {};  // as podman: already running is fine
    if (c.state == storage::ContainerState::kInitialized) {
        lock.reset();  // the monitor records the start
        return run_initialized(store, c);
    }
    auto config = TRY(config_of(c));
    // The monitor takes the lock to record the start: let go of it first. It prepares the
    // container's root and spec itself, from the stored record.
    lock.reset();
    return launch_monitor(store, c, config, wait_attach, starting.fd(), init_only);
}

}  // namespace

Result<void> start(const storage::StoreConfig& store, const std::string& name_or_id, bool wait_attach) {
    return launch(store, name_or_id, wait_attach, false);
}

Result<void> init(const storage::StoreConfig& store, const std::string& name_or_id) {
    return launch(store, name_or_id, false, true);
}

Result<void> cleanup(const storage::StoreConfig& store, const std::string& name_or_id, bool remove) {
    auto found = TRY(storage::find_container(store, name_or_id));
    if (remove) {
        for (auto& r : remove_containers(store, {found.id}, RemoveOptions{}))
            if (!r.error.message.empty())
                return std::move(r.error).context("failed to clean up and remove container " + found.id);
        return {};
    }
    auto lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));
    bool has_process = c.state == storage::ContainerState::kRunning || c.state == storage::ContainerState::kInitialized;
    if (has_process && (alive(c) || storage::same_process(c.monitor_pid, c.monitor_start)))
        return make_error("failed to clean up container " + c.id + ": container " + c.id +
                          " is running or paused, refusing to clean up: container state improper");
    auto config = TRY(config_of(c));
    release_volumes(store, config);
    // Its /dev/shm's tmpfs, left mounted by a monitor killed before the container's end.
    if (std::string shm = storage::container_shm_dir(store, c.id); storage::mounted_at(shm))
        TRY(sys::umount(shm, MNT_DETACH));
    // What a monitor killed before its container's end left counted (images' mounts).
    std::string held = fs::join(storage::container_run_dir(store, c.id), kMountsHeld);
    if (sys::exists(held)) {
        release_container_images(store, config);
        (void)::unlink(held.c_str());
    }
    return {};
}

namespace {

// "SIGTERM", as podman's warnings name a signal.
std::string signal_text(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

// Under the container's lock: the stop marker (the monitor must not restart what the user
// stopped) and the "stopping" state, which other commands see while this one waits without the
// lock. Nothing to stop (not running, or gone already): nullopt.
Result<std::optional<storage::Container>> begin_stop(const storage::StoreConfig& store, const std::string& id) {
    auto lock = TRY(storage::lock_container(store, id));
    auto found = storage::find_container(store, id);
    if (!found.ok()) {
        if (found.error().missing) return std::optional<storage::Container>();  // a --rm container, removed
        return found.take_error();
    }
    storage::Container c = found.take();
    if (c.state != storage::ContainerState::kRunning) return std::optional<storage::Container>();
    // As podman: a paused container is not stopped (it stays paused; unpause it, or rm -f / kill it).
    if (c.paused && alive(c))
        return make_error("container " + c.id + " is running or paused, refusing to clean up: container state improper");
    (void)storage::write_run_file(store, c.id, "stopped", "");
    c.stopping = true;
    TRY(storage::save_status(store, c));
    return std::optional<storage::Container>(std::move(c));
}

// A stop that failed leaves the container running, not "stopping".
void abandon_stop(const storage::StoreConfig& store, const std::string& id) {
    auto lock = storage::lock_container(store, id);
    if (!lock.ok()) return;
    auto c = storage::find_container(store, id);
    if (!c.ok() || !c->stopping) return;
    c->stopping = false;
    (void)storage::save_status(store, *c);
}

// The stop signal, then SIGKILL once `seconds` have passed (never if negative; at once if 0).
Result<void> signal_until_gone(const storage::Container& c, int sig, int seconds) {
    if (!alive(c)) return {};
    // As podman: with no time to wait, SIGKILL alone (no stop signal a trap could start on).
    auto sent = seconds == 0 ? Result<void>() : send(c, sig);
    if (!sent.ok() && alive(c)) return sent;
    if (seconds != 0 && wait_gone(c, seconds < 0 || seconds > INT_MAX / 1000 ? -1 : seconds * 1000)) return {};
    if (seconds != 0)
        log::warn("StopSignal {} failed to stop container {} in {} seconds, resorting to SIGKILL", signal_text(sig), c.name,
                  seconds);
    auto killed = send(c, SIGKILL);
    if (!killed.ok() && alive(c)) return killed;
    if (!wait_gone(c, 10000)) return make_error("container " + c.id.substr(0, 12) + " did not exit after SIGKILL");
    return {};
}

}  // namespace

namespace {

// An initialized container's process has not executed its command: as podman's, stopping it ends
// it at once (its monitor records the exit).
Result<void> stop_initialized(const storage::StoreConfig& store, const storage::Container& c) {
    (void)storage::write_run_file(store, c.id, "stopped", "");
    auto killed = send(c, SIGKILL);
    if (!killed.ok() && alive(c)) return killed;
    for (int waited = 0; waited < 10000; waited += 10) {
        auto now = storage::find_container(store, c.id);
        if (!now.ok()) return now.error().missing ? Result<void>() : Result<void>(now.take_error());
        if (now->state != storage::ContainerState::kInitialized) return {};
        sleep_ms(10);
    }
    return make_error("container " + c.id.substr(0, 12) + " did not exit after SIGKILL");
}

}  // namespace

Result<void> stop(const storage::StoreConfig& store, const std::string& name_or_id, std::optional<int> timeout) {
    auto found = TRY(storage::find_container(store, name_or_id));
    if (found.state == storage::ContainerState::kInitialized) return stop_initialized(store, found);
    if (found.state != storage::ContainerState::kRunning) return {};
    auto begun = TRY(begin_stop(store, found.id));
    if (!begun) return {};
    const storage::Container& c = *begun;
    auto config = config_of(c);
    int sig = config.ok() ? config->stop_signal : SIGTERM;
    int seconds = timeout ? *timeout : config.ok() ? config->stop_timeout : 10;
    // The wait is made without the container's lock: other commands (ps, inspect, kill) go on.
    auto stopped = signal_until_gone(c, sig, seconds);
    if (!stopped.ok()) {
        abandon_stop(store, c.id);
        return stopped;
    }
    auto recorded = wait_recorded(store, c.id, 10000);
    // A --rm container's monitor removes it once its exit is recorded.
    if (!recorded.ok() && !recorded.error().missing) return recorded.take_error();
    // Stopped by the user, it is not restarted: its monitor cleans up and exits. A start (restart)
    // or rm after this one must not race it.
    wait_monitor_gone(c);
    return {};
}

Result<void> kill(const storage::StoreConfig& store, const std::string& name_or_id, int signal) {
    auto c = TRY(storage::find_container(store, name_or_id));
    if (c.state != storage::ContainerState::kRunning || !alive(c))
        return make_error("can only kill running containers. " + c.id + " is in state " +
                          storage::state_name(c.state) + ": container state improper");
    if (signal == SIGKILL || signal == SIGTERM || signal == SIGINT)
        (void)storage::write_run_file(store, c.id, "stopped", "");
    TRY(send(c, signal));
    // As podman (whose runtime only sends the signal): the container stays paused and any other
    // signal stays pending until unpause. SIGKILL must end it now, and a v1 freezer holds even
    // that: thaw it.
    if (c.paused && signal == SIGKILL) TRY_CTX(thaw(c), "kill " + c.name);
    return {};
}

Result<void> restart(const storage::StoreConfig& store, const std::string& name_or_id, std::optional<int> timeout) {
    TRY(stop(store, name_or_id, timeout));
    return start(store, name_or_id);
}

Result<WaitCondition> parse_wait_condition(std::string_view s) {
    if (s == "configured" || s == "created") return WaitCondition::kCreated;
    if (s == "running") return WaitCondition::kRunning;
    if (s == "paused") return WaitCondition::kPaused;
    if (s == "exited" || s == "stopped") return WaitCondition::kExited;
    return make_error("invalid --condition \"" + std::string(s) +
                      "\": skiff waits for configured, created, running, paused, exited or stopped");
}

Result<int> wait_for(const storage::StoreConfig& store, const std::string& name_or_id,
                     const std::vector<WaitCondition>& conditions, int interval_ms) {
    auto only_exit = std::all_of(conditions.begin(), conditions.end(),
                                 [](WaitCondition w) { return w == WaitCondition::kExited; });
    if (only_exit) return wait(store, name_or_id);
    auto first = TRY(storage::find_container(store, name_or_id));
    for (;;) {
        auto c = TRY(storage::find_container(store, first.id));
        bool running = c.state == storage::ContainerState::kRunning;
        for (WaitCondition w : conditions) {
            bool met = (w == WaitCondition::kCreated && c.state == storage::ContainerState::kCreated) ||
                       (w == WaitCondition::kRunning && running && !c.paused) ||
                       (w == WaitCondition::kPaused && running && c.paused) ||
                       (w == WaitCondition::kExited && c.state == storage::ContainerState::kExited);
            // As podman: an exit code only for an exit, -1 for any other state.
            if (met) return w == WaitCondition::kExited ? c.exit_code : -1;
        }
        sleep_ms(interval_ms > 0 ? interval_ms : 1);
    }
}

Result<int> wait(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto c = TRY(storage::find_container(store, name_or_id));
    for (;;) {
        if (c.state == storage::ContainerState::kExited) return c.exit_code;
        // As podman: a container that never ran has nothing to wait for (its exit code is 0).
        if (c.state == storage::ContainerState::kCreated) return c.exit_code;
        if (c.state == storage::ContainerState::kRunning) (void)wait_gone(c, 1000);
        else sleep_ms(50);
        auto next = storage::find_container(store, c.id);
        // Removed while waited for (--rm): its last known exit is all there is.
        if (!next.ok()) {
            if (next.error().missing) return c.exit_code;
            return next.take_error();
        }
        if (next->state == storage::ContainerState::kRunning && !alive(*next)) {
            sleep_ms(10);  // the monitor is recording the exit
            continue;
        }
        c = next.take();
    }
}

Result<int> parse_signal(std::string_view name) {
    // podman's: one leading dash is dropped ("-1", "-HUP"); a number is taken as it is, 0 is no
    // signal and one past SIGRTMAX (64) is out of range; a name as docker reads it.
    std::string_view base = name.starts_with('-') ? name.substr(1) : name;
    std::string_view digits = base.starts_with('+') || base.starts_with('-') ? base.substr(1) : base;
    if (!digits.empty() && digits.size() <= 18 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        long long n = std::stoll(std::string(base));
        if (n == 0) return make_error("invalid signal: " + std::string(base));
        if (n < 1 || n > 64) return make_error("valid signals are 1 through 64");
        return static_cast<int>(n);
    }
    if (base.empty()) return make_error("invalid signal: ");
    return oci::parse_signal(base);
}

}  // namespace skiff::engine
