// One run of a container from its record, as the foreground `run` and the monitor both carry it
// out: the spec finished, the process started with the record kept current (running, pid, cgroup,
// OOM), the exit recorded, the container removed when it was made with --rm. What differs between
// the two — where the output goes, the attach server, the port forwarder, restarts — is plugged in
// by the caller: the session keeps the record and forwards the published ports.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/engine/spec.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::net {
class Forwarder;
}

namespace skiff::engine {

// The image, the configuration and the spec for a container, every option checked.
struct Prepared {
    storage::ImageRecord image;
    ContainerConfig config;
    runtime::Spec spec;
    SpecInputs inputs;
};

// What the caller of a session adds to its hooks.
struct SessionIo {
    std::function<void(pid_t)> started;  // the record says running
    std::function<void(std::vector<struct pollfd>&)> poll_set;  // descriptors of its own to watch
    std::function<void(const struct pollfd&)> polled;
};

class ContainerSession {
public:
    // A container just made by this process (the foreground run): its image, configuration and spec
    // as create prepared them. finish() completes the spec.
    ContainerSession(const storage::StoreConfig& store, storage::Container c, Prepared p);
    ContainerSession(ContainerSession&&) noexcept;
    ~ContainerSession();
    // A container loaded from the store under its lock (the monitor's start): its configuration
    // read, volumes a killed create missed made, bind sources checked, the spec finished (its
    // shareable /dev/shm a tmpfs on the host, which finish() mounts and release_mounts unmounts).
    static Result<ContainerSession> load(const storage::StoreConfig& store, const std::string& id);

    // The container's /etc files written and its root file system prepared, into the spec.
    Result<void> finish();
    // Its published ports bound, once for every run: one in use is an error now.
    Result<void> listen_ports();
    // Hooks with the record kept: on start the record says running (saved, then io.started runs),
    // on a cgroup made the record names it at once (a killed skiff leaves it to the next rm), an
    // OOM kill is noted; published ports are forwarded into the container. The caller adds the
    // rest of its I/O to what this returns.
    runtime::Hooks hooks(SessionIo io);
    // The container's process run once, in the foreground of this process, until it exits.
    Result<int> run(const runtime::Hooks& hooks);
    // The exit recorded under the container's lock; false when the container was removed meanwhile.
    bool record_exit(const Result<int>& status);
    // The status saved under the container's lock; false when the container was removed meanwhile.
    bool save();
    // --rm: the container and its anonymous volumes removed (as podman's --rm); release_mounts first.
    void remove();
    // Once the container is done with (no further run): what finish() mounted on the host for it
    // (images of --mount type=image, volumes' devices, a shareable /dev/shm's tmpfs) given back.
    // Runs once however often called.
    void release_mounts();
    // The next run is a restart (the policy's): it counts in RestartCount once it has started, so that
    // no reader sees the count of a run whose process is not there yet (with the last run's exit).
    void restarting() { restart_pending_ = true; }
    // What `update` changed while the container ran (its restart policy and limits), for its next run.
    void reload_updates();

    storage::Container& container() { return c_; }
    const ContainerConfig& config() const { return p_.config; }
    runtime::Spec& spec() { return p_.spec; }

private:
    void arm_timeout(pid_t pid);
    void timeout_fired();
    Result<void> mount_shm();

    const storage::StoreConfig& store_;
    storage::Container c_;
    Prepared p_;
    std::unique_ptr<net::Forwarder> forwarder_;
    bool mounts_taken_ = false;  // finish() mounted images, volumes' devices or /dev/shm for it
    // --timeout: armed when the container starts; when it fires the container is killed, and its
    // run ends as podman's does (status 255, exit code -1 recorded).
    unique_fd timeout_;
    pid_t pid_ = 0;
    bool timed_out_ = false;
    bool restart_pending_ = false;
};

// The file a container's log is written to (k8s-file; empty without one), and the marker `stop`
// leaves so that the monitor does not restart what the user stopped.
std::string log_path(const storage::StoreConfig& store, const storage::Container& c, const ContainerConfig& config);
std::string stop_marker(const storage::StoreConfig& store, const std::string& id);
// The run-time file that says a session took counted mounts (images') not yet given back, and
// whether a configuration has any.
inline constexpr const char* kMountsHeld = "mounts-held";
bool holds_counted_mounts(const ContainerConfig& config);

}  // namespace skiff::engine
