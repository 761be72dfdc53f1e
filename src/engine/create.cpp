// Making a container: the options configured and checked against the image, the record written,
// its volumes made (create); and `run`, which is create plus a container session in this process.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/log.hpp"
#include "skiff/engine/logs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/attach.hpp"
#include "skiff/engine/lifecycle.hpp"
#include "skiff/engine/oci_runtime.hpp"
#include "skiff/engine/volumes.hpp"
#include "run_internal.hpp"
#include "systemd.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/secrets.hpp"
#include "skiff/engine/sealed_binary.hpp"
#include "skiff/net/forwarder.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/runtime/cgroup_host.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/runtime/rootless.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/rootfs.hpp"
#include "skiff/storage/volumes.hpp"
#include "skiff/engine/spec.hpp"

extern char** environ;

namespace skiff::engine {

std::map<std::string, std::string> host_environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return out;
}

namespace {

// A new container's published ports: -p, -P and --expose resolved (free host ports chosen). As
// podman, a network without its own namespace to forward into discards them with a warning (a plain
// line on stderr in podman, not a log message).
Result<std::vector<net::PortMapping>> published_ports(const oci::ImageConfig& image, const RunOptions& opts,
                                                      const ContainerConfig& config) {
    std::vector<net::ExposedPort> exposed = config.expose;
    if (opts.publish.empty() && !opts.publish_all) return std::vector<net::PortMapping>{};
    std::vector<net::PortMapping> ports;
    for (auto& s : opts.publish) {
        auto m = TRY_CTX(net::parse_publish(s), "--publish");
        ports.insert(ports.end(), m.begin(), m.end());
    }
    for (auto& e : image.config.exposed_ports) {
        auto m = net::parse_expose(e);  // a key the image's maker got wrong is not the user's error
        if (m.ok()) exposed.insert(exposed.end(), m->begin(), m->end());
    }
    if (config.network != NetworkMode::kPrivate) {
        if (!ports.empty() || (opts.publish_all && !exposed.empty()))
            if (opts.warn)
                opts.warn("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
        return std::vector<net::PortMapping>{};
    }
    return net::resolve_ports(std::move(ports), exposed, opts.publish_all);
}

// podman decides systemd mode once, at create, from the command the container will run; systemd
// then stops on SIGRTMIN+3 unless a stop signal was chosen.
Result<void> set_systemd_mode(const RunOptions& opts, const oci::ContainerConfig& image, ContainerConfig& config) {
    config.systemd = TRY(systemd_mode(opts.systemd, TRY(make_args(image, config))));
    if (config.systemd && opts.stop_signal.empty() && image.stop_signal.empty()) config.stop_signal = systemd_stop_signal();
    return {};
}

// --volumes-from CONTAINER[:OPTIONS]: the other container's bind mounts and volumes, ro or rw as
// OPTIONS say (else as they are there), beneath the container's own mounts: a destination it
// mounts itself is not taken. As podman's, a tmpfs cannot be shared, with a warning.
Result<void> add_volumes_from(const storage::StoreConfig& store, const RunOptions& opts, ContainerConfig& config) {
    for (const std::string& given : opts.volumes_from) {
        auto colon = given.find(':');
        std::string name = given.substr(0, colon);
        std::string mode;
        if (colon != std::string::npos) {
            for (const std::string& o : str::split(given.substr(colon + 1), ',')) {
                if (o == "ro" || o == "rw") mode = o;
                else if (o != "z")
                    return make_error("invalid option \"" + o + "\" specified - volumes from another container can only use z,ro,rw options");
            }
        }
        auto found = storage::find_container(store, name);
        if (!found.ok()) return found.take_error().context("looking up container \"" + name + "\" for volumes-from");
        auto theirs = TRY(config_of(*found));
        for (MountConfig m : theirs.mounts) {
            if (m.kind == MountConfig::Kind::kTmpfs || m.kind == MountConfig::Kind::kImage) {
                log::warn("Unable to match volume {} from container {} for volumes-from", m.destination, found->id);
                continue;
            }
            bool taken = std::any_of(config.mounts.begin(), config.mounts.end(),
                                     [&](const MountConfig& mine) { return mine.destination == m.destination; });
            if (taken) continue;
            m.anonymous = false;  // it belongs to the other container
            if (!mode.empty()) {
                std::erase_if(m.options, [](const std::string& o) { return o == "ro" || o == "rw"; });
                m.options.push_back(mode);
            }
            config.mounts.push_back(std::move(m));
        }
        config.volumes_from.push_back(given);
    }
    return {};
}

}  // namespace

Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& files) {
    std::vector<std::string> lines;
    for (auto& f : files) {
        auto text = fs::read_file(f);
        if (!text.ok()) return text.take_error().context("reading --env-file");
        for (auto& l : str::split(*text, '\n')) lines.push_back(l);
    }
    return lines;
}

// --label-file's lines, in order; a file that cannot be read is podman's error.
Result<std::vector<std::string>> read_label_files(const std::vector<std::string>& files) {
    std::vector<std::string> lines;
    for (auto& f : files) {
        auto text = fs::read_file(f);
        if (!text.ok()) {
            std::string why = std::strerror(text.error().code);
            if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
            return make_error("unable to process labels: open " + f + ": " + why);
        }
        for (auto& l : str::split(*text, '\n')) lines.push_back(l);
    }
    return lines;
}

Result<void> check_bind_sources(const ContainerConfig& config) {
    for (const MountConfig& m : config.mounts) {
        struct stat st;
        if (m.kind == MountConfig::Kind::kBind && ::stat(m.source.c_str(), &st) < 0) return sys_error("statfs " + m.source);
    }
    return {};
}

Result<bool> own_cgroup_possible(const ContainerConfig& config) {
    if (!rootless_process()) return true;
    static const bool writable = [] {
        auto self = fs::read_file("/proc/self/cgroup");
        runtime::CgroupHost host = runtime::probe_cgroups_from(self.ok() ? *self : "");
        return host.pure_v2() && ::access(fs::join(host.unified, host.unified_own).c_str(), W_OK) == 0;
    }();
    if (writable) return true;
    const runtime::Resources& r = config.resources;
    bool limited = r.memory || r.memory_swap || r.cpus || r.cpu_shares || r.cpuset_cpus || r.pids_limit || r.io_weight ||
                   !r.read_bps.empty() || !r.write_bps.empty() || !r.read_iops.empty() || !r.write_iops.empty();
    if (limited)
        return make_error("invalid configuration, cannot specify resource limits without cgroups v2 and --cgroup-manager=systemd");
    return false;
}

Result<Prepared> prepare(const storage::StoreConfig& store, storage::ImageRecord image, ContainerConfig config,
                         const std::string& id, bool shm_on_host) {
    Prepared p{std::move(image), std::move(config), {}, {}};
    p.inputs.container_id = id;
    p.inputs.run_dir = storage::container_run_dir(store, id);
    p.inputs.cache_dir = fs::join(store.runroot, "cache");
    p.inputs.volumes_dir = storage::volumes_dir(store);
    p.inputs.devices = TRY(find_devices(p.config.devices));
    p.inputs.donors = TRY(running_donors(store, p.config));
    p.inputs.host_name = host_name();
    p.inputs.localtime = TRY(find_zone_file(p.config.timezone));
    p.inputs.secrets_dir = secret_files_dir(store, id);
    p.inputs.init_binary = TRY(init_binary(p.config, store));
    p.inputs.own_cgroup = TRY(own_cgroup_possible(p.config));
    // Rootless, the tmpfs is mounted in the user's mount namespace, which every command shares.
    if (shm_on_host) p.inputs.shm_dir = storage::container_shm_dir(store, id);
    p.spec = TRY(make_spec(p.image.config, p.config, p.inputs));
    TRY(fs::mkdir_p(p.inputs.cache_dir, 0700));
    return p;
}

Result<Prepared> prepare_new(const storage::StoreConfig& store, const RunOptions& opts, const std::string& id) {
    // A --rootfs container has no image: the defaults stand for its configuration.
    auto image = opts.rootfs ? storage::ImageRecord{} : TRY(storage::find_image(store, opts.image));
    ConfigInputs in{TRY(read_env_files(opts.env_files)), host_environment(), image.config.config.stop_signal,
                    sys::exists(kJournalSocket), TRY(read_label_files(opts.label_files)), cgroupns_default()};
    // Every option is checked before anything is created.
    ContainerConfig config = TRY(configure(opts, in));
    if (!config.rootfs.empty() && !sys::exists(config.rootfs))
        return make_error("running container create option: stat " + config.rootfs + ": no such file or directory");
    TRY(resolve_throttle_devices(config.resources));
    TRY(resolve_namespace_donors(store, config));
    TRY(add_volumes_from(store, opts, config));
    TRY(resolve_secrets(store, config));
    config.ports = TRY(published_ports(image.config, opts, config));
    TRY(set_systemd_mode(opts, image.config.config, config));
    (void)TRY(resolve_runtime(config.runtime));
    return prepare(store, std::move(image), std::move(config), id);
}

namespace {

// The image's name the container was created with, as podman's .ImageName: the name `given`
// resolved to among the image's names ("demo" → "localhost/demo:latest"), else its first name,
// else its id.
std::string image_name_for(const storage::ImageRecord& image, const std::string& given) {
    auto has = [&](const std::string& n) { return std::find(image.names.begin(), image.names.end(), n) != image.names.end(); };
    if (has(given)) return given;
    if (auto local = oci::normalize_local_name(given); local.ok() && has(*local)) return *local;
    if (auto want = oci::parse_reference(given); want.ok() && want->registry.empty() && want->digest.empty()) {
        std::string tag = want->tag.empty() ? "latest" : want->tag;
        for (const std::string& n : image.names) {  // a short name: any registry's image of that path
            auto ref = oci::parse_reference(n);
            if (ref.ok() && ref->tag == tag &&
                (ref->repository == want->repository || ref->repository == "library/" + want->repository))
                return n;
        }
    }
    return image.names.empty() ? image.id : image.names.front();
}

}  // namespace

storage::ContainerDefinition definition_of(const Prepared& p) {
    const ContainerConfig& config = p.config;
    storage::ContainerDefinition def;
    def.id = p.inputs.container_id;
    def.name = config.name;
    def.image_id = p.image.id;
    def.image_name = image_name_for(p.image, p.config.image);
    def.command = p.spec.args;
    def.env = p.spec.env;
    def.user = p.spec.user;
    def.working_dir = p.spec.cwd;
    def.hostname = p.spec.hostname;
    def.tty = config.tty;
    def.interactive = config.interactive;
    def.auto_remove = config.remove;
    def.labels = config.labels;
    def.config = serialize_config(config);
    return def;
}

Result<storage::Container> make_container(const storage::StoreConfig& store, const Prepared& p, const RunOptions& opts) {
    if (!opts.cidfile.empty() && sys::exists(opts.cidfile))
        return make_error("container id file exists. Ensure another container is not using it or delete " + opts.cidfile);
    if (opts.replace) {
        if (opts.name.empty()) return make_error("cannot replace container without --name being set");
        auto old = storage::find_container(store, opts.name);
        if (old.ok() && old->name == opts.name)
            for (auto& r : remove_containers(store, {old->id}, forced_removal()))
                if (!r.error.message.empty()) return std::move(r.error).context("--replace");
    }
    auto c = TRY(storage::create_container(store, definition_of(p)));
    if (auto copied = write_secret_files(store, c.id, p.config); !copied.ok()) {
        auto lock = storage::lock_container(store, c.id);
        (void)storage::remove_container(store, c);
        return copied.take_error();
    }
    if (!opts.cidfile.empty()) {
        auto written = fs::write_file_atomic(opts.cidfile, c.id);
        if (!written.ok()) {
            auto lock = storage::lock_container(store, c.id);
            (void)storage::remove_container(store, c);
            return written.take_error().context("--cidfile");
        }
    }
    return c;
}

// The volumes a new container mounts, made once its record exists (so a prune that lists users
// under the volumes' lock sees it); if that fails, the container goes again.
Result<void> make_container_volumes(const storage::StoreConfig& store, const storage::Container& c,
                                    const ContainerConfig& config) {
    auto made = make_volumes(store, config);
    if (made.ok()) return {};
    (void)remove_containers(store, {c.id}, forced_removal());
    remove_anonymous_volumes(store, config);
    return made;
}

std::string sealed_exe_lower(const storage::StoreConfig& store) { return fs::join(store.runroot, "sealed-exe"); }

Result<void> ensure_sealed_binary(const storage::StoreConfig& store) {
    return runtime::ensure_sealed_binary(sealed_exe_lower(store));
}

Result<storage::Container> create(const storage::StoreConfig& store, RunOptions opts) {
    if (opts.log_driver == "passthrough") return make_error("the passthrough log driver needs a container in the foreground");
    name_anonymous_volumes(opts, [] { return str::random_hex(32); });
    auto p = TRY(prepare_new(store, opts, str::random_hex(32)));
    TRY(check_bind_sources(p.config));
    auto c = TRY(make_container(store, p, opts));
    TRY(make_container_volumes(store, c, p.config));
    return c;
}

namespace {

// -a: which of stdout and stderr a foreground run relays (neither given: both).
Result<std::array<bool, 2>> attached_outputs(const std::vector<std::string>& attach) {
    if (attach.empty()) return std::array<bool, 2>{true, true};
    std::array<bool, 2> out{false, false};
    for (const std::string& s : attach) {
        std::string lower = s;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "stdout") out[0] = true;
        else if (lower == "stderr") out[1] = true;
        else if (lower != "stdin")
            return make_error("invalid stream \"" + s + "\" for --attach - must be one of stdin, stdout, or stderr: invalid argument");
    }
    return out;
}

// A runtime other than this binary runs the container in a monitor executed from it, as a
// detached one; the foreground run attaches to it, as podman's does to conmon.
Result<void> check_attachable(const RunOptions& opts, const std::array<bool, 2>& relay) {
    if (opts.preserve_fds > 0) return make_error("--preserve-fds passes descriptors to a container of skiff's own runtime only");
    if (!relay[0] || !relay[1]) return make_error("--attach of some of the streams needs a container of skiff's own runtime");
    return {};
}

Result<int> run_attached(const storage::StoreConfig& store, const std::string& id, const RunOptions& opts) {
    AttachOptions a;
    a.stdin = opts.interactive;
    a.starting = true;
    auto started = start(store, id, true);
    if (!started.ok()) {
        // As podman: a --rm container that could not start leaves nothing behind.
        if (opts.remove) (void)remove_containers(store, {id}, forced_removal());
        return started.error();
    }
    if (opts.started) opts.started(id);
    return attach(store, id, a);
}

}  // namespace

Result<int> run(const storage::StoreConfig& store, const RunOptions& given) {
    RunOptions opts = given;
    auto relay = TRY(attached_outputs(opts.attach));
    name_anonymous_volumes(opts, [] { return str::random_hex(32); });
    auto p = TRY(prepare_new(store, opts, str::random_hex(32)));
    TRY(check_bind_sources(p.config));
    auto runtime = TRY(resolve_runtime(p.config.runtime));
    if (!runtime.own) TRY(check_attachable(opts, relay));
    auto c = TRY(make_container(store, p, opts));
    TRY(make_container_volumes(store, c, p.config));
    if (!runtime.own) return run_attached(store, c.id, opts);
    // `run` is create plus a session in this process, its I/O the caller's own; as podman's, its
    // output is kept in its log too.
    ContainerSession session(store, std::move(c), std::move(p));
    auto status = [&]() -> Result<int> {
        TRY(apply_runtime_flags(runtime_flags()));
        TRY(session.finish());
        session.spec().preserve_fds = opts.preserve_fds;
        TRY(session.listen_ports());
        std::optional<LogWriter> log;
        std::string path = log_path(store, session.container(), session.config());
        if (!path.empty()) log = TRY_CTX(LogWriter::open(path, session.config().log.max_size.value_or(-1)), "open the container's log");
        SessionIo io;
        if (opts.started) io.started = [&](pid_t) { opts.started(session.container().id); };
        runtime::Hooks hooks = session.hooks(std::move(io));
        hooks.relay_stdout = relay[0];
        hooks.relay_stderr = relay[1];
        if (log) hooks.copied = [&log](bool is_stderr, std::string_view data) { log->write(is_stderr, data); };
        return session.run(hooks);
    }();
    if (session.config().remove) {
        session.remove();
    } else {
        session.record_exit(status);
        session.release_mounts();
    }
    return status;
}

}  // namespace skiff::engine
