// Typed packets over a SOCK_SEQPACKET socket: one message per packet, a kind byte then its body,
// and at most one file descriptor alongside (SCM_RIGHTS). The end of the stream (the peer closed
// its end, or exited) is a value, not an error. The runtime's sync channel with the container's
// init and the monitor's channel with the command that launched it both speak this framing.
//
// Bodies are built and read with Writer and Reader: fixed-width integers in the host's byte order
// (both ends are the same binary on the same machine) and length-prefixed strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::packet {

inline constexpr size_t kMaxPacket = 8192;

struct Packet {
    uint8_t kind = 0;
    std::string body;
    unique_fd fd;  // the descriptor sent with it, if any (close-on-exec here)
};

// A connected pair, both ends close-on-exec.
Result<std::pair<unique_fd, unique_fd>> socket_pair();
// One packet: `kind`, then `body` (at most kMaxPacket - 1 bytes), with `fd` when not -1.
Result<void> send(int sock, uint8_t kind, std::string_view body = {}, int fd = -1);
// The next packet, or nothing at the end of the stream. `what` names the channel in errors.
Result<std::optional<Packet>> receive(int sock, std::string_view what);

class Writer {
public:
    Writer& u32(uint32_t v);
    Writer& i32(int32_t v);
    Writer& str(std::string_view s);  // a u32 length, then the bytes
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view body) : in_(body) {}
    Result<uint32_t> u32();
    Result<int32_t> i32();
    Result<std::string> str();
    std::string_view rest() const { return in_; }

private:
    std::string_view in_;
};

}  // namespace skiff::packet
