// The monitor's side of `skiff attach`: a unix socket in the container's run directory, its
// clients, and the container's stdin pipe (with -i) that outlives them. Everything runs on the
// monitor's one thread, from the runtime's poll loop (Hooks::poll_set / polled): no threads.
#pragma once

#include <poll.h>
#include <sys/ioctl.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/engine/attach_wire.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::monitor {

namespace wire = engine::wire;

class AttachServer {
public:
    // Listens at `path`. `stdin_pipe`: the write end of the container's stdin (-i), or none.
    // `terminal`: the container has a pty, so a client's end of input does not close its stdin.
    static Result<AttachServer> listen(const std::string& path, unique_fd stdin_pipe, bool terminal);
    AttachServer(AttachServer&&) = default;
    ~AttachServer();

    // Until the first client has connected (start -a) or `timeout_ms` passed; false then.
    bool wait_first_client(int timeout_ms);

    void poll_set(std::vector<struct pollfd>& add) const;
    void polled(const struct pollfd& p);

    // The container's output, to every client.
    void broadcast(wire::Kind stream, std::string_view data);
    // The container's pty master while it runs (-1 after): window sizes go there.
    void set_master(int master);
    // The last window size a client asked for.
    std::optional<struct winsize> window() const;
    // The container exited (or could not start): clients are told and let go.
    void finish(wire::Kind kind, const std::string& data);

private:
    struct Client {
        unique_fd fd;
        wire::Reader in;
        std::string out;  // frames the socket did not take yet
    };
    AttachServer() = default;

    void accept_client();
    void on_client(Client& c, short revents);
    void handle(Client& c, const wire::Frame& f);
    void flush(Client& c);
    void flush_stdin();
    void close_stdin();
    void apply_size();

    std::string path_;
    unique_fd listen_;
    unique_fd stdin_;
    std::string stdin_pending_;
    bool terminal_ = false;
    bool closing_stdin_ = false;
    int master_ = -1;
    std::optional<std::pair<unsigned short, unsigned short>> size_;
    std::vector<Client> clients_;
};

}  // namespace skiff::monitor
