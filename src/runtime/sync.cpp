#include "sync.hpp"

#include <string>

#include "skiff/base/packet.hpp"

#include "command.hpp"

namespace skiff::runtime::sync {

Result<std::pair<unique_fd, unique_fd>> socket_pair() { return packet::socket_pair(); }

Result<void> send_release(int sock) { return packet::send(sock, static_cast<uint8_t>(Kind::kRelease)); }

Result<void> wait_for_release(int sock) {
    auto m = TRY(receive(sock));
    if (!m) return make_error("skiff exited before starting the container");
    if (m->kind != Kind::kRelease) return make_error("sync socket: expected the release");
    return {};
}

Result<void> send_terminal(int sock, int master_fd) {
    return packet::send(sock, static_cast<uint8_t>(Kind::kTerminal), {}, master_fd);
}

Result<void> send_ready(int sock) { return packet::send(sock, static_cast<uint8_t>(Kind::kReady)); }

void send_error(int sock, const Error& e) {
    std::string body = packet::Writer().i32(e.code).i32(e.exit_code).take();
    body += e.message.substr(0, packet::kMaxPacket - 1 - body.size());
    (void)packet::send(sock, static_cast<uint8_t>(Kind::kError), body);
}

Result<std::optional<Message>> receive(int sock) {
    auto p = TRY(packet::receive(sock, "the sync socket"));
    if (!p) return std::optional<Message>();
    Message m;
    m.fd = std::move(p->fd);
    m.kind = static_cast<Kind>(p->kind);
    packet::Reader body(p->body);
    switch (m.kind) {
        case Kind::kRelease:
        case Kind::kReady:
            break;
        case Kind::kTerminal:
            if (!m.fd) return make_error("sync socket: terminal message without a file descriptor");
            break;
        case Kind::kError: {
            auto code = body.i32();
            auto exit_code = body.i32();
            if (!code.ok() || !exit_code.ok()) return make_error("sync socket: short error message");
            m.error = Error{*code, std::string(body.rest()), *exit_code};
            break;
        }
        case Kind::kExecError: {
            // The exec stub's: {int32 errno, path}.
            auto err = body.i32();
            if (!err.ok()) return make_error("sync socket: short exec error");
            m.kind = Kind::kError;
            m.error = exec_failure("exec `" + std::string(body.rest()) + "`", *err);
            break;
        }
        default:
            return make_error("sync socket: unknown message " + std::to_string(static_cast<int>(p->kind)));
    }
    return std::optional<Message>(std::move(m));
}

}  // namespace skiff::runtime::sync
