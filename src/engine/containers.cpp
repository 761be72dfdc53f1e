#include "skiff/engine/containers.hpp"
#include "skiff/engine/container_cgroup.hpp"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/engine/volumes.hpp"
#include "skiff/net/ports.hpp"
#include "skiff/storage/images.hpp"
#include "remains.hpp"
#include "run_internal.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::engine {

Result<std::vector<storage::Container>> list_containers(const storage::StoreConfig& store, bool all) {
    auto list = TRY(storage::list_containers(store));
    if (!all) std::erase_if(list, [](const storage::Container& c) { return c.state != storage::ContainerState::kRunning; });
    return list;
}

// SIGKILL the container's pid 1 (which takes its whole pid namespace with it) and wait until gone.
static Result<void> kill_and_wait(const storage::Container& c) {
    if (!alive(c)) return {};
    if (::kill(c.pid, SIGKILL) < 0 && errno != ESRCH) return sys_error("kill container " + c.id);
    // A frozen process dies of its SIGKILL once thawed.
    if (c.paused) TRY_CTX(thaw(c), "remove " + c.name);
    if (!wait_gone(c, 10000)) return make_error("container " + c.id + " did not exit after SIGKILL");
    return {};
}

static RemoveResult remove_one(const storage::StoreConfig& store, const std::string& input, bool force,
                               std::string* config = nullptr) {
    RemoveResult r;
    r.input = input;
    auto found = storage::find_container(store, input, true);
    if (!found.ok()) {
        r.error = found.take_error();
        r.not_found = r.error.missing;
        return r;
    }
    auto lock = storage::lock_container(store, found->id);
    if (!lock.ok()) {
        r.error = lock.take_error();
        return r;
    }
    // Re-read under the lock: the state may have changed since the lookup.
    auto c = storage::find_container(store, found->id, true);
    if (!c.ok()) {
        r.error = c.take_error();
        r.not_found = r.error.missing;
        return r;
    }
    r.id = c->id;
    if (c->name.empty()) c->name = found->name;  // a damaged definition: the name it was found by
    if (!c->damage.empty()) {
        // The record cannot say what runs: ask the kernel too.
        auto remains = find_remains(*c);
        if (remains.running() && !force) {
            r.running = true;
            r.error = make_error("cannot remove container " + c->id +
                                 " as it may be running (its record is damaged) - remove it with force: container state improper");
            return r;
        }
        auto ended = end_remains(c->id, remains);
        if (!ended.ok()) {
            r.error = ended.take_error();
            return r;
        }
    } else if (c->state == storage::ContainerState::kRunning || c->state == storage::ContainerState::kInitialized) {
        // An initialized one is removed as podman removes it, with or without force: its process,
        // held before executing its command, ends with it (its monitor then records that and exits).
        if (!force && c->state == storage::ContainerState::kRunning) {
            r.running = true;
            r.error = make_error("cannot remove container " + c->id +
                                 " as it is running - running or paused containers cannot be removed without force: container state improper");
            return r;
        }
        auto k = kill_and_wait(*c);
        if (!k.ok()) {
            r.error = k.take_error();
            return r;
        }
    }
    // A cgroup whose skiff was killed before it could remove it goes with the container: it is
    // empty now (its processes died with the container's pid 1).
    for (auto& [hierarchy, dir] : c->cgroups) (void)::rmdir(dir.c_str());
    auto rm = storage::remove_container(store, *c);
    if (!rm.ok()) r.error = rm.take_error();
    if (config) *config = c->config;
    // Its monitor, still recording the exit, takes the lock for that: let go of it, then wait until
    // the monitor is done, so that nothing of it outlives this rm.
    { FileLock unlocked = std::move(*lock); }
    if (rm.ok()) wait_monitor_gone(*c);
    return r;
}

namespace {

// What one rm works through: the containers that join others' namespaces (read once), and the
// ids removed so far.
struct Removal {
    const RemoveOptions& options;
    std::optional<Dependents> dependents;
    std::set<std::string> removed;
};

void remove_target(const storage::StoreConfig& store, const std::string& t, Removal& rm, std::vector<RemoveResult>& out);

// The containers that join `t`'s namespaces go first with --depend (and --all, which removes them
// anyway); otherwise `t` is refused, as podman refuses it. False: refused (the result is in `out`).
bool remove_dependents(const storage::StoreConfig& store, const std::string& t, Removal& rm,
                       std::vector<RemoveResult>& out) {
    auto found = storage::find_container(store, t);
    if (!found.ok()) return true;
    if (!rm.dependents) {
        auto all = namespace_dependents(store);
        rm.dependents = all.ok() ? all.take() : Dependents{};
    }
    auto it = rm.dependents->find(found->id);
    if (it == rm.dependents->end()) return true;
    const std::vector<std::string>* deps = &it->second;
    if (!rm.options.depend && !rm.options.all) {
        out.push_back({t, found->id,
                       make_error("container " + found->id + " has dependent containers which must be removed before it: " +
                                  str::join(*deps, ", ") + ": container already exists"),
                       false, false});
        return false;
    }
    for (const std::string& d : *deps)
        if (!rm.removed.count(d)) remove_target(store, d, rm, out);
    return true;
}

void remove_target(const storage::StoreConfig& store, const std::string& t, Removal& rm, std::vector<RemoveResult>& out) {
    const RemoveOptions& options = rm.options;
    if (!remove_dependents(store, t, rm, out)) return;
    std::string config_json;
    std::string stopped;  // the id of a container stopped first
    if (options.force && options.stop_timeout) {
        auto found = storage::find_container(store, t);
        // A failed stop (a paused container) leaves it to the kill in remove_one.
        if (found.ok()) (void)stop(store, stopped = found->id, options.stop_timeout);
    }
    auto r = remove_one(store, stopped.empty() ? t : stopped, options.force, &config_json);
    if (!stopped.empty()) {
        r.input = t;
        // A --rm container's monitor removes it once it has stopped: removed all the same.
        if (r.not_found) r = RemoveResult{t, stopped, {}, false, false};
    }
    if (r.not_found && options.ignore_missing) return;
    if (r.error.message.empty()) rm.removed.insert(r.id);
    // After the container's lock is let go of: removing a volume looks at every container.
    if (options.volumes && r.error.message.empty()) {
        auto config = parse_config(config_json.empty() ? "{}" : config_json);
        if (config.ok()) remove_anonymous_volumes(store, *config);
    }
    out.push_back(std::move(r));
}

}  // namespace

std::vector<RemoveResult> remove_containers(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                            const RemoveOptions& options) {
    std::vector<RemoveResult> out;
    std::vector<std::string> targets = names;
    if (options.all) {
        targets.clear();
        auto list = storage::list_containers(store);
        if (!list.ok()) {
            RemoveResult r;
            r.error = list.take_error();
            out.push_back(std::move(r));
            return out;
        }
        for (auto& c : *list) targets.push_back(c.id);
    }
    Removal rm{options, std::nullopt, {}};  // dependents are removed before the container they name
    for (auto& t : targets)
        if (!rm.removed.count(t)) remove_target(store, t, rm, out);
    return out;
}

Result<void> rename_container(const storage::StoreConfig& store, const std::string& name_or_id, const std::string& new_name) {
    auto found = TRY(storage::find_container(store, name_or_id));
    auto lock = TRY(storage::lock_container(store, found.id));
    auto c = TRY(storage::find_container(store, found.id));  // re-read under the lock
    return storage::rename_container(store, c, new_name);
}

Result<uint64_t> tree_size(const std::string& dir) {
    namespace sfs = std::filesystem;
    std::error_code ec;
    uint64_t total = 0;
    if (!sys::exists(dir)) return total;
    sfs::recursive_directory_iterator it(dir, sfs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != sfs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec) && !it->is_symlink(size_ec)) {
            auto n = it->file_size(size_ec);
            if (!size_ec) total += n;
        }
    }
    if (ec) return make_error("measure " + dir + ": " + ec.message());
    return total;
}

Result<ContainerSize> container_size(const storage::StoreConfig& store, const storage::Container& c) {
    std::string dir = storage::container_dir(store, c.id);
    ContainerSize s;
    s.rw = TRY(tree_size(fs::join(dir, store.driver == storage::Driver::kVfs ? "rootfs" : "upper")));
    auto image = c.image_id.empty() ? Result<storage::ImageRecord>(make_error("no image")) : storage::find_image(store, c.image_id);
    s.root_fs = s.rw + (image.ok() ? image->size : 0);
    return s;
}

Result<std::vector<std::string>> prune_containers(const storage::StoreConfig& store) {
    std::vector<std::string> removed;
    for (auto& c : TRY(storage::list_containers(store))) {
        if (c.state == storage::ContainerState::kRunning) continue;
        auto r = remove_one(store, c.id, false);
        if (r.not_found || r.running) continue;  // gone meanwhile, or started meanwhile
        if (!r.error.message.empty()) return r.error;
        removed.push_back(c.id);
    }
    return removed;
}

Result<std::vector<ContainerPorts>> published_ports(const storage::StoreConfig& store, const std::string& name_or_id) {
    // Each container's state is checked against its processes as it is read (one that died shows
    // as exited); one named container is read alone.
    std::vector<storage::Container> list;
    if (!name_or_id.empty())
        list.push_back(TRY(storage::find_container(store, name_or_id)));
    else
        list = TRY(list_containers(store, true));
    std::vector<ContainerPorts> out;
    for (auto& c : list) {
        ContainerPorts cp{c.id, {}};
        auto config = config_of(c);
        if (c.state == storage::ContainerState::kRunning && config.ok())
            for (auto& m : config->ports) cp.ports.push_back({m.container_port, m.protocol, net::host_address(m)});
        out.push_back(std::move(cp));
    }
    return out;
}

std::vector<net::PortMapping> ports_of(const storage::Container& c) {
    if (c.config.find("\"ports\"") == std::string::npos) return {};
    auto config = config_of(c);
    return config.ok() ? config->ports : std::vector<net::PortMapping>{};
}

std::string ports_text(const std::vector<net::PortMapping>& ports) { return net::format_ports(ports); }

Result<PortQuery> parse_port_query(const std::string& spec) {
    auto ports = TRY(net::parse_expose(spec));
    if (ports.size() != 1) return make_error("invalid port \"" + spec + "\": want one PORT[/PROTOCOL]");
    return PortQuery{ports[0].port, spec.find('/') != std::string::npos ? ports[0].protocol : std::string()};
}

Result<storage::Container> find_container(const storage::StoreConfig& store, const std::string& name_or_id) {
    return storage::find_container(store, name_or_id);
}

std::string container_file(const storage::StoreConfig& store, const std::string& id, const std::string& name) {
    return storage::container_run_dir(store, id) + "/" + name;
}

Result<bool> container_exists(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto found = storage::find_container(store, name_or_id);
    if (found) return true;
    if (found.error().missing) return false;
    return found.take_error();
}

Result<std::vector<std::string>> containers_where(const storage::StoreConfig& store,
                                                  const std::function<bool(const storage::Container&)>& wanted) {
    std::vector<std::string> out;
    for (auto& c : TRY(list_containers(store, true)))
        if (wanted(c)) out.push_back(c.id);
    return out;
}

}  // namespace skiff::engine
