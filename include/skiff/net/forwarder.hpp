// Published ports carried into a container's network namespace by the process that watches the
// container (the monitor, or `skiff run` in the foreground), on its one thread from the runtime's
// poll loop: no proxy process of its own.
//
// The host sockets are bound before the container starts, so a port in use fails the start with
// a clear error. A TCP connection accepted on the host is met by a socket made inside the
// container's namespace (setns there and straight back) and connected to 127.0.0.1:PORT, the
// container's own loopback; bytes are copied both ways, and each half is closed when its sender is
// done. UDP: each client address gets its own socket in the container, dropped after a minute idle.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/net/ports.hpp"

namespace skiff::net {

class Forwarder {
public:
    // Bind a socket for every mapping; an error names the first that cannot be had.
    static Result<Forwarder> listen(const std::vector<PortMapping>& ports);
    Forwarder(Forwarder&&) noexcept;
    Forwarder& operator=(Forwarder&&) noexcept;
    ~Forwarder();

    // The container runs as `pid`: connections go into its network namespace from now on.
    Result<void> set_container(pid_t pid);
    // It has exited: open connections are closed; new ones are refused until set_container.
    void clear_container();

    void poll_set(std::vector<struct pollfd>& add) const;
    void polled(const struct pollfd& p);

private:
    struct Listener;
    struct Stream;
    struct Flow;
    Forwarder() = default;

    void accept_streams(Listener& l);
    void receive_datagrams(Listener& l);
    void service(Stream& s);
    void close_stream(Stream& s);
    void flow_readable(Flow& f);
    void expire_flows();
    Result<unique_fd> container_socket(int type);

    unique_fd host_ns_;
    unique_fd container_ns_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<std::unique_ptr<Stream>> streams_;
    std::vector<std::unique_ptr<Flow>> flows_;
};

}  // namespace skiff::net
