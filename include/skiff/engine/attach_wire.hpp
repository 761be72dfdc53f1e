// The attach socket's framing, shared by the monitor (server) and `skiff attach` (client): each
// frame is a 1-byte kind, a 4-byte big-endian length, then that many bytes. Stream identity of
// the container's output survives (stdout and stderr are separate kinds), and the client can say
// "end of input" and "window size" beside its stdin bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::engine::wire {

enum class Kind : uint8_t {
    // monitor → client
    kStdout = 1,
    kStderr = 2,
    kExit = 3,   // the container exited: its exit code, decimal
    kError = 4,  // it could not start: "EXITCODE message"
    // client → monitor
    kStdin = 10,
    kStdinEnd = 11,  // the client's input ended
    kResize = 12,    // "ROWS COLS"
};

struct Frame {
    Kind kind;
    std::string data;
};

constexpr size_t kHeader = 5;
constexpr uint32_t kMaxFrame = 1u << 20;

std::string encode(Kind kind, std::string_view data);

// Collects bytes as they arrive and hands back whole frames.
class Reader {
public:
    void feed(std::string_view bytes) { buf_.append(bytes); }
    // The next whole frame; nothing while one is incomplete; an error for a malformed stream.
    Result<std::optional<Frame>> next();
    bool empty() const { return buf_.empty(); }

private:
    std::string buf_;
};

// "ROWS COLS" both ways.
std::string encode_size(unsigned short rows, unsigned short cols);
std::optional<std::pair<unsigned short, unsigned short>> decode_size(std::string_view s);

}  // namespace skiff::engine::wire

namespace skiff::engine::wire {

// A unix stream socket bound at, or connected to, `path`. The path is reached through an O_PATH
// descriptor of its directory (/proc/self/fd/N/NAME), so a long store path still fits sun_path.
Result<unique_fd> listen_at(const std::string& path);
Result<unique_fd> connect_to(const std::string& path);

}  // namespace skiff::engine::wire
