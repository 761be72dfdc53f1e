// Container operations that need no runtime: list, and remove (with force, stopping first).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/net/ports.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

// Running containers only, unless `all`.
Result<std::vector<storage::Container>> list_containers(const storage::StoreConfig& store, bool all);

struct RemoveResult {
    std::string input;  // what the user named
    std::string id;
    Error error;        // error.message empty on success
    bool not_found = false;
    bool running = false;
};

struct RemoveOptions {
    bool force = false;           // running containers are stopped first (else refused, exit 2)
    bool all = false;             // every container (names then ignored)
    bool ignore_missing = false;  // a name that is not there is no error
    bool volumes = false;         // the anonymous volumes of each removed container too
    bool depend = false;          // the containers that join its namespaces removed first (else refused)
    // With force: stop as `stop -t N` does (the stop signal, SIGKILL after N seconds, never if
    // negative); unset: SIGKILL at once, as docker's rm -f.
    std::optional<int> stop_timeout;
};

// What --replace, rmi -f and volume rm -f remove with: force, a missing container skipped.
inline RemoveOptions forced_removal() {
    RemoveOptions o;
    o.force = o.ignore_missing = true;
    return o;
}

// `rm`: each name or id, one result per container, in order.
std::vector<RemoveResult> remove_containers(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                            const RemoveOptions& options);

// `rename`: the container named by `name_or_id` gets `new_name`, under its lock.
Result<void> rename_container(const storage::StoreConfig& store, const std::string& name_or_id, const std::string& new_name);

// `ps --size`: the bytes the container wrote (its overlay upper directory; its whole copy with
// vfs) and that plus its image's size, as podman's SizeRw and SizeRootFs.
struct ContainerSize {
    uint64_t rw = 0;
    uint64_t root_fs = 0;
};
Result<ContainerSize> container_size(const storage::StoreConfig& store, const storage::Container& c);
// The apparent size of every file beneath `dir` (links not followed); 0 when it does not exist.
Result<uint64_t> tree_size(const std::string& dir);

// `port`: a running container's published ports, as they are reached from the host.
struct PublishedPort {
    uint16_t container_port = 0;
    std::string protocol;  // tcp or udp
    std::string host;      // HOST-IP:HOST-PORT
};
struct ContainerPorts {
    std::string id;
    std::vector<PublishedPort> ports;
};
// The container `name_or_id`, or every container (newest first) when it is empty; those that do not
// run have no ports; one whose options cannot be read is left out.
Result<std::vector<ContainerPorts>> published_ports(const storage::StoreConfig& store, const std::string& name_or_id);
// The ports a container publishes, from its configuration (read only when its record names some:
// ps stays fast at 1,000 containers); and as podman's PORTS column writes them.
std::vector<net::PortMapping> ports_of(const storage::Container& c);
std::string ports_text(const std::vector<net::PortMapping>& ports);

// A PORT[/PROTOCOL] asked of `port`; `protocol` is empty when none was given.
struct PortQuery {
    uint16_t port = 0;
    std::string protocol;
};
Result<PortQuery> parse_port_query(const std::string& spec);

// The container `name_or_id` names, its state checked against its processes.
Result<storage::Container> find_container(const storage::StoreConfig& store, const std::string& name_or_id);
// The path of one of a container's run-time files (hosts, hostname, resolv.conf).
std::string container_file(const storage::StoreConfig& store, const std::string& id, const std::string& name);

// `container exists`: whether `name_or_id` names a container; an error other than its absence is
// an error.
Result<bool> container_exists(const storage::StoreConfig& store, const std::string& name_or_id);

// Every container `wanted` accepts (`stop --all`, `pause --all`…), newest first, their states
// checked against their processes.
Result<std::vector<std::string>> containers_where(const storage::StoreConfig& store,
                                                  const std::function<bool(const storage::Container&)>& wanted);

// `container prune`: every container that is not running, removed. Returns their ids.
Result<std::vector<std::string>> prune_containers(const storage::StoreConfig& store);

}  // namespace skiff::engine
