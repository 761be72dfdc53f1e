// Published ports (-p, -P, --expose): their grammar as podman writes it, and the host ports a
// container is given. Forwarding them is forwarder.hpp's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::net {

// One host port forwarded to one port of the container, for one protocol.
struct PortMapping {
    std::string host_ip;          // "" = every IPv4 address of the host (podman's default)
    uint16_t host_port = 0;       // 0 until a free one is chosen (assign_host_ports)
    uint16_t container_port = 0;
    std::string protocol = "tcp";  // tcp | udp

    bool operator==(const PortMapping&) const = default;
};

// A container port with its protocol ("80/tcp"), as --expose and an image's ExposedPorts name it.
struct ExposedPort {
    uint16_t port = 0;
    std::string protocol = "tcp";
    bool operator==(const ExposedPort&) const = default;
};

// -p/--publish: "[[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]". Either port may be a range
// ("8080-8082:80-82", or a host range for one container port is refused as podman does unless the
// lengths match); IP may be an IPv6 address in brackets ("[::1]:8080:80"); PROTOCOL is tcp, udp
// or both ("tcp,udp"). One mapping per port and protocol.
Result<std::vector<PortMapping>> parse_publish(std::string_view spec);

// --expose and ExposedPorts keys: "80", "80/udp", "8000-8010/tcp".
Result<std::vector<ExposedPort>> parse_expose(std::string_view spec);

// The container's mappings, checked and completed: -P adds one mapping with a free host port for
// every exposed port not already published; host ports left 0 get a free one (bound and released
// at once, as podman chooses them when it creates a container); a host port claimed twice for the
// same protocol and address is an error.
Result<std::vector<PortMapping>> resolve_ports(std::vector<PortMapping> published, const std::vector<ExposedPort>& exposed,
                                               bool publish_all);

// "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->9000-9001/udp": podman's PORTS column, consecutive
// ports folded into ranges.
std::string format_ports(const std::vector<PortMapping>& ports);

// A non-blocking socket of `m`'s protocol bound to its host address and port (0: a free one);
// TCP sockets may rebind a port in TIME_WAIT, IPv6 ones take IPv6 only. An error is "`what`: …".
Result<unique_fd> bind_host_socket(const PortMapping& m, const std::string& what);

// "IP:PORT" as `port` prints it (0.0.0.0 for the default address, brackets around IPv6).
std::string host_address(const PortMapping& m);

}  // namespace skiff::net
