#include "skiff/base/packet.hpp"

#include <sys/socket.h>

#include <cstring>

namespace skiff::packet {

Result<std::pair<unique_fd, unique_fd>> socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return sys_error("socketpair");
    return std::pair<unique_fd, unique_fd>{unique_fd(fds[0]), unique_fd(fds[1])};
}

Result<void> send(int sock, uint8_t kind, std::string_view body, int fd) {
    if (body.size() + 1 > kMaxPacket) return make_error("packet of " + std::to_string(body.size()) + " bytes: too long");
    struct iovec iov[2] = {{&kind, 1}, {const_cast<char*>(body.data()), body.size()}};
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = body.empty() ? 1 : 2;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n;
    do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("send a packet");
    return {};
}

Result<std::optional<Packet>> receive(int sock, std::string_view what) {
    char buf[kMaxPacket];
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
        if (errno == ECONNRESET) return std::optional<Packet>();
        return sys_error("receive from " + std::string(what));
    }
    Packet p;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            p.fd.reset(fd);
        }
    }
    if (n == 0) return std::optional<Packet>();
    if (msg.msg_flags & MSG_TRUNC) return make_error(std::string(what) + ": a packet longer than " + std::to_string(kMaxPacket) + " bytes");
    p.kind = static_cast<uint8_t>(buf[0]);
    p.body.assign(buf + 1, static_cast<size_t>(n) - 1);
    return std::optional<Packet>(std::move(p));
}

Writer& Writer::u32(uint32_t v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
}

Writer& Writer::i32(int32_t v) { return u32(static_cast<uint32_t>(v)); }

Writer& Writer::str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
    return *this;
}

Result<uint32_t> Reader::u32() {
    uint32_t v;
    if (in_.size() < sizeof v) return make_error("packet: short body");
    std::memcpy(&v, in_.data(), sizeof v);
    in_.remove_prefix(sizeof v);
    return v;
}

Result<int32_t> Reader::i32() { return static_cast<int32_t>(TRY(u32())); }

Result<std::string> Reader::str() {
    uint32_t len = TRY(u32());
    if (in_.size() < len) return make_error("packet: short body");
    std::string s(in_.substr(0, len));
    in_.remove_prefix(len);
    return s;
}

}  // namespace skiff::packet
