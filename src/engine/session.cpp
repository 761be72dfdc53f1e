// A container's run from its record, shared by the foreground run and the monitor (session.hpp).
#include "skiff/engine/session.hpp"
#include "skiff/engine/secrets.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>

#include "engine_version.hpp"
#include "container_root.hpp"
#include "run_internal.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/engine/mount.hpp"
#include "skiff/net/forwarder.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

namespace {

// /etc/hostname, /etc/hosts and /etc/resolv.conf for the container, as podman writes them: readable
// by every user in the container (a process that drops root must still resolve names), the hostname
// without a newline.
Result<void> write_etc_files(const storage::StoreConfig& store, const std::string& id, const runtime::Spec& spec,
                             const std::string& name) {
    constexpr unsigned kReadable = 0644;
    TRY(storage::write_run_file(store, id, "hostname", spec.hostname, kReadable));
    std::string hosts;
    if (spec.namespaces.net.kind == runtime::Namespace::Kind::kHost) {
        auto host = fs::read_file("/etc/hosts");
        if (host.ok()) hosts = *host;
        if (!hosts.empty() && hosts.back() != '\n') hosts += '\n';
    } else {
        hosts = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
    }
    hosts += "127.0.1.1\t" + spec.hostname + (name != spec.hostname ? " " + name : "") + "\n";
    TRY(storage::write_run_file(store, id, "hosts", hosts, kReadable));
    auto resolv = fs::read_file("/etc/resolv.conf");
    TRY(storage::write_run_file(store, id, "resolv.conf", resolv.ok() ? *resolv : std::string(), kReadable));
    return {};
}

// Go's %q for the plain strings a name, id or image name is.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "\"";
}

// /run/.containerenv, as podman writes it: empty, except in a privileged container, which is told
// the engine, its name, id and image, and whether it runs rootless; "graphRootMounted=1" when a
// mount's source holds the store.
Result<void> write_containerenv(const storage::StoreConfig& store, const storage::Container& c, const runtime::Spec& spec) {
    if (std::none_of(spec.mounts.begin(), spec.mounts.end(), [](const runtime::Mount& m) { return m.destination == "/run/.containerenv"; }))
        return {};
    std::string graph_root;
    for (const runtime::Mount& m : spec.mounts)
        if (m.type == "bind" && !m.source.empty() && store.root.starts_with(m.source)) graph_root = "graphRootMounted=1\n";
    std::string text = graph_root;
    if (spec.privileged)
        text = "engine=\"podman-skiff-" SKIFF_ENGINE_VERSION "\"\nname=" + quoted(c.name) + "\nid=" + quoted(c.id) +
               "\nimage=" + quoted(c.image_name) + "\nimageid=" + quoted(c.image_id) +
               "\nrootless=" + (rootless_process() ? "1" : "0") + "\n" + graph_root;
    return storage::write_run_file(store, c.id, ".containerenv", text, 0644);
}

// --secret at each start: the empty /run/secrets the files are mounted in, and the variables,
// read now (so they are in no record).
Result<void> give_secrets(const storage::StoreConfig& store, const std::string& id, const ContainerConfig& config,
                          runtime::Spec& spec) {
    if (std::any_of(config.secrets.begin(), config.secrets.end(), [](const SecretUse& s) { return !s.env; }))
        TRY(fs::mkdir_p(fs::join(storage::container_run_dir(store, id), "secrets"), 0755));
    spec.env = merge_env(spec.env, TRY(secret_env(store, config)));
    return {};
}

}  // namespace

ContainerSession::ContainerSession(const storage::StoreConfig& store, storage::Container c, Prepared p)
    : store_(store), c_(std::move(c)), p_(std::move(p)) {}

ContainerSession::ContainerSession(ContainerSession&&) noexcept = default;
ContainerSession::~ContainerSession() = default;

Result<ContainerSession> ContainerSession::load(const storage::StoreConfig& store, const std::string& id) {
    // Under the container's lock, as start held it for this before (removed meanwhile: nothing of
    // it is made again).
    auto lock = TRY(storage::lock_existing_container(store, id));
    auto c = TRY(storage::find_container(store, id));
    auto config = TRY(config_of(c));
    // A create killed between writing the record and making its volumes left them missing.
    TRY(make_volumes(store, config));
    auto p = TRY(prepare(store, TRY(image_of(store, c)), std::move(config), c.id, true));
    TRY(check_bind_sources(p.config));
    c.restarts = 0;
    ContainerSession s(store, std::move(c), std::move(p));
    TRY(s.finish());
    return s;
}

Result<void> ContainerSession::finish() {
    runtime::Spec& spec = p_.spec;
    TRY(check_donors_running(p_.config, p_.inputs.donors));
    TRY(write_etc_files(store_, c_.id, spec, c_.name));
    TRY(write_containerenv(store_, c_, spec));
    TRY(give_secrets(store_, c_.id, p_.config, spec));
    std::string dir = storage::container_dir(store_, c_.id);
    const ContainerConfig& config = p_.config;
    auto root = config.rootfs.empty() ? TRY(storage::prepare_rootfs(store_, p_.image, dir, c_.auto_remove))
                                      : TRY(storage::directory_rootfs(config.rootfs, config.rootfs_overlay, dir, true));
    spec.root = runtime::Mount{"/", root.type, root.source, root.options};
    // Mounted on the host (`skiff mount`): the container sees that mount, not a second overlay of
    // the same directories.
    if (std::string host = container_host_root(store_, c_.id); !host.empty()) spec.root = {"/", "bind", host, {"rbind"}};
    spec.rootfs = root.target;
    mounts_taken_ = true;  // from here on, whatever of them was taken is given back by release_mounts
    // Counted mounts (images') are given back once: a monitor killed before it did leaves the
    // marker to `container cleanup`.
    if (holds_counted_mounts(p_.config)) TRY(storage::write_run_file(store_, c_.id, kMountsHeld, ""));
    TRY(mount_container_images(store_, c_.id, spec));
    TRY(populate_volumes(store_, spec));
    return mount_shm();  // last: a finish failing before it leaves no tmpfs to unmount
}

Result<void> ContainerSession::listen_ports() {
    auto forwarder = net::Forwarder::listen(p_.config.ports);
    // As podman: a port that cannot be bound fails the start as the runtime's failures do (126).
    if (!forwarder.ok()) return forwarder.take_error().with_exit(kExitCannotInvoke);
    forwarder_ = std::make_unique<net::Forwarder>(forwarder.take());
    return {};
}

runtime::Hooks ContainerSession::hooks(SessionIo io) {
    runtime::Hooks h;
    h.started = [this, started = std::move(io.started)](pid_t pid) {
        c_.oom_killed = false;
        c_.state = storage::ContainerState::kRunning;
        c_.pid = pid;
        c_.pid_start = storage::process_start_time(pid);
        c_.started_ns = now_ns();
        if (restart_pending_) c_.restarts++;
        restart_pending_ = false;
        (void)save();
        // --pidfile: best effort, the container runs anyway.
        if (!p_.config.pidfile.empty())
            (void)fs::write_file_atomic(p_.config.pidfile, std::to_string(pid), fs::Durability::kNoSync);
        if (forwarder_) (void)forwarder_->set_container(pid);
        // --conmon-pidfile: the process that plays conmon's part, this one (the monitor, or a
        // foreground run).
        if (!p_.config.conmon_pidfile.empty())
            (void)fs::write_file_atomic(p_.config.conmon_pidfile, std::to_string(::getpid()), fs::Durability::kNoSync);
        arm_timeout(pid);
        if (started) started(pid);
    };
    if ((forwarder_ && !p_.config.ports.empty()) || io.poll_set || p_.config.timeout) {
        h.poll_set = [this, poll_set = std::move(io.poll_set)](std::vector<struct pollfd>& add) {
            if (forwarder_) forwarder_->poll_set(add);
            if (timeout_) add.push_back({timeout_.get(), POLLIN, 0});
            if (poll_set) poll_set(add);
        };
        h.polled = [this, polled = std::move(io.polled)](const struct pollfd& p) {
            if (timeout_ && p.fd == timeout_.get()) return timeout_fired();
            if (forwarder_) forwarder_->polled(p);
            if (polled) polled(p);
        };
    }
    h.oom_killed = [this] { c_.oom_killed = true; };
    h.cgroup_made = [this](const runtime::CgroupPaths& paths) {
        record_cgroup(c_, paths);
        (void)save();
    };
    return h;
}

void ContainerSession::arm_timeout(pid_t pid) {
    pid_ = pid;
    timed_out_ = false;
    if (!p_.config.timeout) return;
    timeout_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    struct itimerspec at {};
    at.it_value.tv_sec = static_cast<time_t>(p_.config.timeout);
    if (timeout_ && ::timerfd_settime(timeout_.get(), 0, &at, nullptr) < 0) timeout_.reset();
}

void ContainerSession::timeout_fired() {
    timeout_.reset();
    timed_out_ = true;
    // Still this process's unreaped child: the pid cannot name another process.
    ::kill(pid_, SIGKILL);
}

Result<int> ContainerSession::run(const runtime::Hooks& hooks) {
    const runtime::Spec& s = p_.spec;
    if (log::level() <= log::Level::kDebug)  // the words joined only for a line that is written
        log::debug("container {}: running {} as user \"{}\" in {} (root {}, cgroup {})", c_.id, str::join(s.args, " "),
                   s.user, s.cwd, s.rootfs, s.cgroup ? s.cgroup_name : "none");
    auto status = runtime::run_foreground(p_.spec, hooks);
    if (status.ok()) log::debug("container {}: exited with status {}", c_.id, *status);
    else log::debug("container {}: failed: {}", c_.id, status.error().message);
    timeout_.reset();
    if (forwarder_) forwarder_->clear_container();
    // As podman: a container killed for its --timeout ends the run with 255.
    if (timed_out_ && status.ok()) return 255;
    return status;
}

void ContainerSession::reload_updates() {
    auto now = storage::find_container(store_, c_.id);
    if (!now.ok()) return;
    auto config = config_of(*now);
    if (!config.ok()) return;
    p_.config.restart = config->restart;
    p_.config.resources = config->resources;
    p_.spec.resources = config->resources;
}

bool ContainerSession::save() {
    // Under the lock, a container whose run directory is there has not been removed (rm renames it
    // aside under the same lock). A damaged state is written whole again. A removed container's
    // lock is not made again (this may run after rm, in its monitor).
    auto lock = storage::lock_existing_container(store_, c_.id);
    if (!lock.ok() && lock.error().missing) return false;
    if (!sys::exists(storage::container_run_dir(store_, c_.id))) return false;
    (void)storage::save_status(store_, c_);
    return true;
}

bool ContainerSession::record_exit(const Result<int>& status) {
    c_.state = storage::ContainerState::kExited;
    c_.exit_code = timed_out_ ? -1 : status.ok() ? *status : status.error().exit_code;
    c_.finished_ns = now_ns();
    return save();
}

// A shareable container's /dev/shm: its tmpfs on the host, made at its start (kept over its
// restarts), unmounted when it stops or is removed.
Result<void> ContainerSession::mount_shm() {
    const std::string& dir = p_.inputs.shm_dir;
    auto binds_it = [&](const runtime::Mount& m) { return m.destination == "/dev/shm" && m.source == dir; };
    if (dir.empty() || std::none_of(p_.spec.mounts.begin(), p_.spec.mounts.end(), binds_it)) return {};
    if (storage::mounted_at(dir)) return {};  // left by a monitor killed before it could unmount it
    TRY(sys::mkdir(dir, 0700));
    TRY_CTX(sys::mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_tmpfs_data(p_.config)),
            "mount the container's /dev/shm");
    return {};
}

void ContainerSession::release_mounts() {
    if (!mounts_taken_) return;
    mounts_taken_ = false;
    if (!p_.inputs.shm_dir.empty() && storage::mounted_at(p_.inputs.shm_dir)) (void)sys::umount(p_.inputs.shm_dir, MNT_DETACH);
    release_volumes(store_, p_.config);
    release_container_images(store_, p_.config);
    (void)::unlink(fs::join(storage::container_run_dir(store_, c_.id), kMountsHeld).c_str());
}

bool holds_counted_mounts(const ContainerConfig& config) {
    return std::any_of(config.mounts.begin(), config.mounts.end(), [](const MountConfig& m) { return m.kind == MountConfig::Kind::kImage; });
}

void ContainerSession::remove() {
    {
        auto lock = storage::lock_existing_container(store_, c_.id);
        bool removed = !lock.ok() && lock.error().missing;  // by rm meanwhile: its lock is not made again
        auto now = storage::find_container(store_, c_.id, true);
        if (!removed && now.ok()) (void)storage::remove_container(store_, *now);
    }
    release_mounts();
    remove_anonymous_volumes(store_, p_.config);
}

std::string log_path(const storage::StoreConfig& store, const storage::Container& c, const ContainerConfig& config) {
    if (config.log.driver == "none" || config.log.driver == "passthrough") return {};
    if (!config.log.path.empty()) return config.log.path;
    return fs::join(storage::container_dir(store, c.id), "ctr.log");
}

std::string stop_marker(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_run_dir(store, id), "stopped");
}

}  // namespace skiff::engine
