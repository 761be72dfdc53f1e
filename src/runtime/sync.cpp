#include "sync.hpp"

#include <sys/socket.h>

#include <cstring>
#include <string>

#include "exec.hpp"

namespace skiff::runtime::sync {

namespace {

constexpr size_t kMaxMessage = 8192;

struct ErrorHeader {
    int32_t code;
    int32_t exit_code;
};

Result<void> send_packet(int sock, const void* data, size_t len, int pass_fd = -1) {
    struct iovec iov {const_cast<void*>(data), len};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (pass_fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    ssize_t n;
    do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("send to the sync socket");
    return {};
}

}  // namespace

Result<std::pair<unique_fd, unique_fd>> socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return sys_error("socketpair");
    return std::pair<unique_fd, unique_fd>{unique_fd(fds[0]), unique_fd(fds[1])};
}

Result<void> send_release(int sock) {
    auto k = Kind::kRelease;
    return send_packet(sock, &k, 1);
}

Result<void> wait_for_release(int sock) {
    auto m = TRY(receive(sock));
    if (!m) return make_error("skiff exited before starting the container");
    if (m->kind != Kind::kRelease) return make_error("sync socket: expected the release");
    return {};
}

Result<void> send_terminal(int sock, int master_fd) {
    auto k = Kind::kTerminal;
    return send_packet(sock, &k, 1, master_fd);
}

void send_error(int sock, const Error& e) {
    std::string buf(1 + sizeof(ErrorHeader), '\0');
    buf[0] = static_cast<char>(Kind::kError);
    ErrorHeader h{e.code, e.exit_code};
    std::memcpy(buf.data() + 1, &h, sizeof h);
    buf += e.message.substr(0, kMaxMessage - buf.size());
    (void)send_packet(sock, buf.data(), buf.size());
}

Result<std::optional<Message>> receive(int sock) {
    char buf[kMaxMessage];
    struct iovec iov {buf, sizeof buf};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        // The peer exited with the packet unread on its side: the same as the end of the stream.
        if (errno == ECONNRESET) return std::optional<Message>();
        return sys_error("receive from the sync socket");
    }
    Message m;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            m.fd.reset(fd);
        }
    }
    if (n == 0) return std::optional<Message>();
    m.kind = static_cast<Kind>(buf[0]);
    switch (m.kind) {
        case Kind::kRelease:
            break;
        case Kind::kTerminal:
            if (!m.fd) return make_error("sync socket: terminal message without a file descriptor");
            break;
        case Kind::kError: {
            ErrorHeader h{};
            if (static_cast<size_t>(n) < 1 + sizeof h) return make_error("sync socket: short error message");
            std::memcpy(&h, buf + 1, sizeof h);
            m.error = Error{h.code, std::string(buf + 1 + sizeof h, static_cast<size_t>(n) - 1 - sizeof h),
                            h.exit_code};
            break;
        }
        case Kind::kExecError: {
            int32_t err = 0;
            if (static_cast<size_t>(n) < 1 + sizeof err) return make_error("sync socket: short exec error");
            std::memcpy(&err, buf + 1, sizeof err);
            std::string path(buf + 1 + sizeof err, static_cast<size_t>(n) - 1 - sizeof err);
            m.kind = Kind::kError;
            m.error = exec_failure("exec `" + path + "`", err);
            break;
        }
        default:
            return make_error("sync socket: unknown message " + std::to_string(static_cast<int>(buf[0])));
    }
    return std::optional<Message>(std::move(m));
}

}  // namespace skiff::runtime::sync
