// skiff run [options] IMAGE [COMMAND [ARG...]]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "registry_flags.hpp"
#include "skiff/base/log.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/images.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::cli {

namespace {

// What run needs to find or pull its image (--pull and the registry flags).
struct RunPullFlags {
    std::string policy = "missing";
    std::string platform, arch, os, variant;
    bool quiet = false;
    RegistryFlags registry;
};

// The image's id, pulled first as --pull says; pull progress goes to stderr as podman's does.
Result<std::string> find_or_pull(Context& ctx, const std::string& image, const RunPullFlags& f) {
    auto policy = TRY(engine::parse_pull_policy(f.policy));
    engine::PullOptions opts;
    if (!f.platform.empty()) opts.platform = TRY(engine::parse_platform(f.platform));
    if (!f.os.empty()) opts.platform.os = f.os;
    if (!f.arch.empty()) opts.platform.architecture = f.arch;
    if (!f.variant.empty()) opts.platform.variant = f.variant;
    auto access = TRY(registry_access(f.registry));
    PullDisplay display(stderr, progress_mode_for(stderr, f.quiet));
    auto record = TRY(engine::ensure_image(ctx.store, image, policy, opts, access, display));
    return record.id;
}

// --preserve-fds N, as podman checks it: each of 3 … 3+N-1 must be open, passed to skiff.
Result<void> check_preserved_fds(int n) {
    if (n < 0) return make_error("--preserve-fds must not be negative");
    for (int fd = 3; fd < 3 + n; ++fd)
        if (::fcntl(fd, F_GETFD) < 0)
            return make_error("file descriptor " + std::to_string(fd) +
                              " is not available - the preserve-fds option requires that file descriptors must be passed");
    return {};
}

// --rmi: after the run, the image as it was named goes unless another container uses it; as podman,
// nothing is printed but the errors.
void remove_run_image(Context& ctx, const std::string& image) {
    for (auto& r : engine::remove_images(ctx.store, {image}, {}))
        if (!r.error.message.empty()) log::write(log::Level::kError, r.error.message);
}

// The flags run and create share, and what their callback needs.
struct RunCli {
    std::shared_ptr<engine::RunOptions> opts = std::make_shared<engine::RunOptions>();
    std::shared_ptr<std::string> entrypoint = std::make_shared<std::string>();
    std::shared_ptr<std::vector<std::string>> labels = std::make_shared<std::vector<std::string>>();
    std::shared_ptr<RunPullFlags> pull = std::make_shared<RunPullFlags>();
    CLI::Option* entrypoint_option = nullptr;
    std::shared_ptr<int64_t> pids_limit = std::make_shared<int64_t>(0);
    CLI::Option* pids_option = nullptr;
    std::shared_ptr<int> oom_score_adj = std::make_shared<int>(0);
    CLI::Option* oom_option = nullptr;
    std::shared_ptr<std::string> kernel_memory = std::make_shared<std::string>();
    CLI::Option* kernel_memory_option = nullptr;
};

RunCli add_run_flags(CLI::App* sub, bool is_run) {
    RunCli r;
    auto& o = r.opts;
    auto& pull = r.pull;
    sub->set_help_flag("--help", "Print usage");
    sub->prefix_command();  // marks it: cli::run() hands IMAGE and what follows over in ctx.trailing
    if (is_run)
        sub->add_option("-a,--attach", o->attach, "Attach to STDIN, STDOUT or STDERR (the others are not relayed; without stdout and stderr the container ID is printed)")
            ->allow_extra_args(false);
    sub->add_option("--annotation", o->annotations, "Add annotations to container (key=value)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--arch", pull->arch, "use ARCH instead of the architecture of the machine for choosing images");
    add_registry_flags(sub, pull->registry);
    sub->add_option("--cap-add", o->cap_add, "Add capabilities to the container")->allow_extra_args(false);
    sub->add_option("--cap-drop", o->cap_drop, "Drop capabilities from the container")->allow_extra_args(false);
    sub->add_option("--cgroup-parent", o->cgroup_parent, "Optional parent cgroup for the container");
    sub->add_option("--cidfile", o->cidfile, "Write the container ID to the file");
    sub->add_option("--conmon-pidfile", o->conmon_pidfile, "Path to the file that will receive the PID of the container's monitor (skiff's conmon)");
    sub->add_option("--cgroupns", o->cgroupns, "cgroup namespace to use (host, private, container:NAME|ID, ns:PATH; default: host on a cgroup v1 host, private on v2)");
    sub->add_option("--cgroups", o->cgroups, "control container cgroup configuration (\"enabled\"|\"disabled\")");
    sub->add_option("-c,--cpu-shares", o->cpu_shares, "CPU shares (relative weight)");
    sub->add_option("--cpus", o->cpus, "Number of CPUs. The default is 0.000 which means no limit");
    sub->add_option("--cpuset-cpus", o->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
    if (is_run) sub->add_flag("-d,--detach", o->detach, "Run container in background and print container ID");
    sub->add_option("--device", o->devices, "Add a host device to the container (HOST[:CONTAINER][:PERMISSIONS], permissions of r, w, m)")->allow_extra_args(false);
    sub->add_option("--device-read-bps", o->device_read_bps, "Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--device-read-iops", o->device_read_iops, "Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--device-write-bps", o->device_write_bps, "Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--device-write-iops", o->device_write_iops, "Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--device-cgroup-rule", o->device_cgroup_rules, "Add a rule to the cgroup allowed devices list (\"TYPE MAJOR:MINOR ACCESS\", such as \"c 7:* rwm\")")->allow_extra_args(false);
    r.entrypoint_option = sub->add_option("--entrypoint", *r.entrypoint, "Overwrite the default ENTRYPOINT of the image");
    sub->add_option("--expose", o->expose, "Expose a port or a range of ports")->allow_extra_args(false);
    sub->add_option("-e,--env", o->env, "Set environment variables in container")->allow_extra_args(false);
    sub->add_option("--env-file", o->env_files, "Read in a file of environment variables")->allow_extra_args(false);
    sub->add_flag("--env-host", o->env_host, "Use all current host environment variables in container");
    sub->add_flag("--http-proxy", o->http_proxy, "Set proxy environment variables in the container based on the host proxy vars");
    sub->add_option("--group-add", o->group_add, "Add additional groups to the primary container process. 'keep-groups' allows container processes to use supplementary groups.")->allow_extra_args(false);
    sub->add_option("-h,--hostname", o->hostname, "Set container hostname");
    sub->add_flag("-i,--interactive", o->interactive, "Make STDIN available to the contained process");
    sub->add_flag("--init", o->init, "Run an init binary inside the container that forwards signals and reaps processes");
    sub->add_option("--init-path", o->init_path, "Path to the container-init binary (default: skiff's own)");
    sub->add_option("--ipc", o->ipc, "IPC namespace to use (host, none, private, shareable, container:NAME|ID)");
    r.kernel_memory_option = sub->add_option("--kernel-memory", *r.kernel_memory, "DEPRECATED: accepted for compatibility with Docker; has no effect");
    sub->add_option("--mount", o->mounts, "Attach a filesystem mount to the container (type=bind,source=PATH,target=PATH[,readonly] or type=tmpfs,target=PATH[,tmpfs-size=N,tmpfs-mode=M])")->allow_extra_args(false);
    sub->add_option("-l,--label", *r.labels, "Set metadata on container")->allow_extra_args(false);
    sub->add_option("--label-file", o->label_files, "Read in a line delimited file of labels")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--log-driver", o->log_driver, "Logging driver for the container (k8s-file, json-file, none, passthrough; journald is refused)");
    sub->add_option("--log-opt", o->log_opts, "Logging driver options (max-size=SIZE, path=FILE)")->allow_extra_args(false);
    sub->add_option("-m,--memory", o->memory, "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))");
    sub->add_option("--memory-swap", o->memory_swap, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    sub->add_option("--name", o->name, "Assign a name to the container");
    r.oom_option = sub->add_option("--oom-score-adj", *r.oom_score_adj, "Tune the host's OOM preferences (-1000 to 1000)");
    sub->add_option("--os", pull->os, "use OS instead of the running OS for choosing images");
    if (is_run)
        sub->add_option("--preserve-fds", o->preserve_fds, "Pass a number of additional file descriptors into the container");
    sub->add_option("--pid", o->pid, "PID namespace to use (host, private, container:NAME|ID)");
    sub->add_option("--pidfile", o->pidfile, "Write the container process ID to the file");
    r.pids_option = sub->add_option("--pids-limit", *r.pids_limit, "Tune container pids limit (set -1 for unlimited)");
    sub->add_option("--platform", pull->platform, "Specify the platform for selecting the image");
    sub->add_option("--pull", pull->policy, "Pull image policy (missing, always, never, newer)");
    sub->add_flag("-q,--quiet", pull->quiet, "Suppress output information when pulling images");
    sub->add_option("--network,--net", o->network, "Connect a container to a network (private, none, host, container:NAME|ID)");
    sub->add_option("-p,--publish", o->publish, "Publish a container's port, or a range of ports, to the host")->allow_extra_args(false);
    sub->add_flag("-P,--publish-all", o->publish_all, "Publish all exposed ports to random ports on the host interfaces");
    sub->add_flag("--privileged", o->privileged, "Give extended privileges to container");
    sub->add_flag("--read-only", o->read_only, "Make containers root filesystem read-only");
    sub->add_flag("--replace", o->replace, "If a container with the same name exists, replace it");
    sub->add_option("--restart", o->restart, "Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)");
    sub->add_flag("--rootfs", o->rootfs, "The first argument is not an image but the rootfs to the exploded container (PATH, or PATH:O for an overlay on it)");
    sub->add_flag("--rm", o->remove, "Remove container (and pod if created) after exit");
    if (is_run) sub->add_flag("--rmi", o->rmi, "Remove container image unless used by other containers");
    sub->add_option("--security-opt", o->security_opt,
                    "Security options (seccomp=unconfined|PROFILE.json, no-new-privileges, mask=PATHS, unmask=PATHS|ALL)")
        ->allow_extra_args(false);
    sub->add_option("--secret", o->secrets, "Add secret to container (NAME[,type=mount|env][,target=PATH|VAR][,uid=,gid=,mode=])")
        ->allow_extra_args(false);
    sub->add_option("--shm-size", o->shm_size, "Size of /dev/shm (format: <number>[<unit>], where unit = b, k, m or g; 0: no limit)");
    sub->add_option("--stop-signal", o->stop_signal, "Signal to stop a container. Default is SIGTERM");
    sub->add_option("--stop-timeout", o->stop_timeout, "Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL");
    sub->add_flag("-t,--tty", o->tty, "Allocate a pseudo-TTY for container");
    sub->add_option("--sysctl", o->sysctls, "Sysctl options (NAME=VALUE: the IPC namespace's kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, and net.*)")->allow_extra_args(false)->delimiter(',');
    sub->add_option("--systemd", o->systemd, "Run container in systemd mode (\"true\"|\"false\"|\"always\")");
    sub->add_option("--timeout", o->timeout, "Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.");
    sub->add_option("--tmpfs", o->tmpfs, "Mount a temporary filesystem (tmpfs) into a container (PATH[:OPTIONS])")->allow_extra_args(false);
    sub->add_option("--ulimit", o->ulimits, "Ulimit options (TYPE=SOFT[:HARD], or host)")->allow_extra_args(false);
    sub->add_option("--unsetenv", o->unsetenv, "Unset environment default variables in container")->allow_extra_args(false);
    sub->add_flag("--unsetenv-all", o->unsetenv_all, "Unset all default environment variables in container");
    sub->add_option("-u,--user", o->user, "Username or UID (format: <name|uid>[:<group|gid>])");
    sub->add_option("--tz", o->tz, "Set timezone in container (local: the host's; else a name beneath /usr/share/zoneinfo)");
    sub->add_option("--umask", o->umask, "Set umask in container (octal, default 0022)");
    sub->add_option("--userns", o->userns, "User namespace to use (host; keep-id and nomap are for rootless use only)");
    sub->add_option("--uts", o->uts, "UTS namespace to use (host, private, container:NAME|ID)");
    sub->add_option("-v,--volume", o->volumes, "Bind mount a host directory or file (HOST-PATH:CONTAINER-PATH[:ro|rw,z|Z,PROPAGATION,[r]bind,[no]suid,[no]dev,[no]exec])")->allow_extra_args(false);
    sub->add_option("--volumes-from", o->volumes_from, "Mount volumes from the specified container(s) (CONTAINER[:ro|rw])")->allow_extra_args(false);
    sub->add_option("--variant", pull->variant, "Use VARIANT instead of the running architecture variant for choosing images");
    sub->add_option("-w,--workdir", o->workdir, "Working directory inside the container");
    return r;
}

// IMAGE and the command from what followed the flags, the entrypoint and labels, the image pulled
// as --pull says. Errors are printed; false then.
bool complete(Context& ctx, const RunCli& r, const char* cmd) {
    auto& o = r.opts;
    auto rest = ctx.trailing;
    if (rest.empty()) {
        ctx.exit_code = fail(make_error(std::string("`skiff ") + cmd + "` requires at least 1 arg: an image"));
        return false;
    }
    o->image = rest.front();
    o->command.assign(rest.begin() + 1, rest.end());
    o->runtime = ctx.runtime;
    // A relative runtime path is recorded absolute: every later start, from anywhere, uses it.
    if (o->runtime.find('/') != std::string::npos && !o->runtime.starts_with('/'))
        o->runtime = std::filesystem::absolute(o->runtime).lexically_normal().string();
    if (r.entrypoint_option->count() > 0) o->entrypoint = *r.entrypoint;
    if (r.pids_option->count() > 0) o->pids_limit = *r.pids_limit;
    if (r.oom_option->count() > 0) o->oom_score_adj = *r.oom_score_adj;
    // As podman: the kernel no longer has a separate kernel memory limit to set.
    if (r.kernel_memory_option->count() > 0) log::warn("The --kernel-memory flag is no longer supported. This flag is a noop.");
    o->warn = [](const std::string& line) { std::cerr << line << std::endl; };
    if (!o->volumes.empty() || !o->mounts.empty() || o->rootfs) {
        std::error_code ec;
        auto cwd = std::filesystem::current_path(ec);
        if (ec) {
            ctx.exit_code = fail(make_error("read the working directory: " + ec.message()));
            return false;
        }
        engine::absolute_mount_sources(*o, cwd.string());
        if (o->rootfs && !o->image.starts_with('/')) o->image = (cwd / o->image).lexically_normal().string();
    }
    for (auto& [k, v] : parse_labels(*r.labels)) o->labels[k] = v;
    if (o->rootfs) return true;  // no image to find
    auto id = find_or_pull(ctx, o->image, *r.pull);
    if (!id) {
        ctx.exit_code = fail(id.error());
        return false;
    }
    o->image_name = o->image;
    o->image = *id;
    return true;
}

}  // namespace

void add_run(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("run", "Run a command in a new container");
    set_usage(sub, "skiff run [options] IMAGE [COMMAND [ARG...]]");
    RunCli r = add_run_flags(sub, true);
    sub->callback([r, &ctx] {
        if (auto fds = check_preserved_fds(r.opts->preserve_fds); !fds.ok()) return (void)(ctx.exit_code = fail(fds.error()));
        if (r.opts->preserve_fds > 0 && r.opts->detach)
            return (void)(ctx.exit_code = fail(make_error("--preserve-fds passes descriptors to a container in the foreground only")));
        // podman's warning (a run, not a create): -t with -i reads from a stdin that is no terminal.
        if (r.opts->tty && r.opts->interactive && !::isatty(STDIN_FILENO))
            log::warn("The input device is not a TTY. The --tty and --interactive flags might not work properly");
        if (!complete(ctx, r, "run")) return;
        if (r.opts->detach) {
            auto c = engine::create(ctx.store, *r.opts);
            if (!c) {
                ctx.exit_code = fail(c.error());
                return;
            }
            auto started = engine::start(ctx.store, c->id);
            if (!started) {
                // As podman: a --rm container that could not start leaves nothing behind.
                if (r.opts->remove) (void)engine::remove_containers(ctx.store, {c->id}, engine::forced_removal());
                ctx.exit_code = fail(started.error());
                return;
            }
            std::cout << c->id << std::endl;
            return;
        }
        auto attach = r.opts->attach;
        if (!attach.empty() && std::find(attach.begin(), attach.end(), "stdout") == attach.end() &&
            std::find(attach.begin(), attach.end(), "stderr") == attach.end())
            r.opts->started = [](const std::string& id) { std::cout << id << std::endl; };  // as podman
        auto status = engine::run(ctx.store, *r.opts);
        ctx.exit_code = status.ok() ? *status : fail(status.error());
        if (r.opts->rmi) remove_run_image(ctx, r.opts->image_name);
    });
}

void add_create(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("create", "Create but do not start a container");
    set_usage(sub, "skiff create [options] IMAGE [COMMAND [ARG...]]");
    RunCli r = add_run_flags(sub, false);
    sub->callback([r, &ctx] {
        if (!complete(ctx, r, "create")) return;
        auto c = engine::create(ctx.store, *r.opts);
        if (!c) {
            ctx.exit_code = fail(c.error());
            return;
        }
        std::cout << c->id << std::endl;
    });
}

}  // namespace skiff::cli
