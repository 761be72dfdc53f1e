// The containers whose namespaces another joins (--ipc/--pid/--uts/--cgroupns/--network
// container:ID): named at create, found running at each start, and kept from being removed before
// their dependents.
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <linux/magic.h>

#include "run_internal.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/engine/spec.hpp"
#include "skiff/storage/rootfs.hpp"

namespace skiff::engine {

namespace {

// As podman names the namespace in its errors.
const char* kind_word(const NamespaceMode* m, const ContainerConfig& c) {
    return m == &c.ipc ? "ipc" : m == &c.pid ? "pid" : m == &c.uts ? "uts" : "cgroup";
}

Result<std::string> donor_id(const storage::StoreConfig& store, const std::string& name, const std::string& what) {
    auto found = storage::find_container(store, name);
    if (!found.ok())
        return Error(found.error()).context("looking up container to share " + what + " namespace with");
    return found->id;
}

}  // namespace

Result<void> resolve_namespace_donors(const storage::StoreConfig& store, ContainerConfig& config) {
    // As podman, a namespace file is looked for at create (and joined at each start).
    struct stat st;
    if (config.cgroupns.kind == NamespaceMode::Kind::kPath && ::stat(config.cgroupns.container.c_str(), &st) < 0) {
        std::string why = std::strerror(errno);
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));  // in Go's words
        return make_error("cannot find specified cgroup namespace path: stat " + config.cgroupns.container + ": " + why);
    }
    for (NamespaceMode* m : {&config.ipc, &config.pid, &config.uts, &config.cgroupns}) {
        if (m->kind != NamespaceMode::Kind::kContainer) continue;
        const char* what = kind_word(m, config);
        m->container = TRY(donor_id(store, m->container, what));
        if (m != &config.ipc) continue;
        // As podman: only a shareable ipc namespace (the default) may be joined.
        auto donor = TRY(storage::find_container(store, m->container));
        auto donor_config = TRY(config_of(donor));
        if (donor_config.ipc.kind != NamespaceMode::Kind::kShareable)
            return make_error("joining IPC of container " + donor.id +
                              " is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
    }
    if (config.network == NetworkMode::kContainer)
        config.network_container = TRY(donor_id(store, config.network_container, "net"));
    return {};
}

Result<std::map<std::string, NamespaceDonor>> running_donors(const storage::StoreConfig& store,
                                                             const ContainerConfig& config) {
    std::map<std::string, NamespaceDonor> out;
    for (const std::string& id : namespace_donors(config)) {
        auto c = storage::find_container(store, id);
        if (!c.ok()) return Error(c.error()).context("the container whose namespaces it joins");
        if (c->state != storage::ContainerState::kRunning || !alive(*c)) continue;
        std::string shm = storage::container_shm_dir(store, id);
        out[id] = NamespaceDonor{c->pid, c->hostname, storage::mounted_at(shm) ? shm : std::string()};
    }
    return out;
}

Result<void> check_donors_running(const ContainerConfig& config, const std::map<std::string, NamespaceDonor>& donors) {
    for (const std::string& id : namespace_donors(config))
        if (!donors.count(id))
            return make_error("container " + id + ", whose namespaces this one joins, is not running: start it first");
    return {};
}

Result<Dependents> namespace_dependents(const storage::StoreConfig& store) {
    Dependents out;
    for (const storage::Container& c : TRY(storage::list_containers(store))) {
        // Only a record naming another container is configured: rm reads every record once.
        if (c.config.find("container:") == std::string::npos) continue;
        auto config = config_of(c);
        if (!config.ok()) continue;
        for (const std::string& donor : namespace_donors(*config)) out[donor].push_back(c.id);
    }
    return out;
}

// podman's test of a cgroup2 host: /sys/fs/cgroup is cgroup2 (a hybrid host's tmpfs is not).
NamespaceMode::Kind cgroupns_default() {
    struct statfs st;
    bool unified = ::statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
    return unified ? NamespaceMode::Kind::kPrivate : NamespaceMode::Kind::kHost;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) < 0) return {};
    return buf;
}

}  // namespace skiff::engine
