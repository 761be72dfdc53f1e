#include "skiff/engine/attach_wire.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>

#include "skiff/base/fs.hpp"

namespace skiff::engine::wire {

namespace {

bool known(uint8_t k) {
    return (k >= static_cast<uint8_t>(Kind::kStdout) && k <= static_cast<uint8_t>(Kind::kError)) ||
           (k >= static_cast<uint8_t>(Kind::kStdin) && k <= static_cast<uint8_t>(Kind::kResize));
}

// `path` as a sockaddr through its directory's descriptor, which `dir` keeps open meanwhile.
Result<struct sockaddr_un> address_of(const std::string& path, unique_fd& dir) {
    std::string parent = fs::dirname(path);
    int fd = ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + parent);
    dir.reset(fd);
    std::string via = "/proc/self/fd/" + std::to_string(fd) + "/" + path.substr(parent.size() + 1);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (via.size() >= sizeof addr.sun_path) return make_error("socket path too long: " + path);
    std::memcpy(addr.sun_path, via.c_str(), via.size() + 1);
    return addr;
}

Result<unique_fd> stream_socket() {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return sys_error("socket");
    return unique_fd(fd);
}

}  // namespace

Result<unique_fd> listen_at(const std::string& path) {
    unique_fd dir;
    auto addr = TRY(address_of(path, dir));
    unique_fd sock = TRY(stream_socket());
    (void)::unlink(path.c_str());  // a socket left by an earlier monitor
    if (::bind(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) return sys_error("bind " + path);
    ::chmod(path.c_str(), 0600);
    if (::listen(sock.get(), 16) < 0) return sys_error("listen on " + path);
    return sock;
}

Result<unique_fd> connect_to(const std::string& path) {
    unique_fd dir;
    auto addr = TRY(address_of(path, dir));
    unique_fd sock = TRY(stream_socket());
    for (;;) {
        if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0) return sock;
        if (errno != EINTR) return sys_error("connect to " + path);
    }
}

std::string encode(Kind kind, std::string_view data) {
    std::string out;
    out.reserve(kHeader + data.size());
    auto len = static_cast<uint32_t>(data.size());
    out += static_cast<char>(kind);
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((len >> shift) & 0xff);
    out.append(data);
    return out;
}

Result<std::optional<Frame>> Reader::next() {
    if (buf_.size() < kHeader) return std::optional<Frame>{};
    auto kind = static_cast<uint8_t>(buf_[0]);
    uint32_t len = 0;
    for (size_t i = 1; i < kHeader; i++) len = (len << 8) | static_cast<uint8_t>(buf_[i]);
    if (!known(kind)) return make_error("attach: unknown frame kind " + std::to_string(kind));
    if (len > kMaxFrame) return make_error("attach: frame of " + std::to_string(len) + " bytes is too long");
    if (buf_.size() < kHeader + len) return std::optional<Frame>{};
    Frame f{static_cast<Kind>(kind), buf_.substr(kHeader, len)};
    buf_.erase(0, kHeader + len);
    return std::optional<Frame>(std::move(f));
}

std::string encode_size(unsigned short rows, unsigned short cols) {
    return std::to_string(rows) + " " + std::to_string(cols);
}

std::optional<std::pair<unsigned short, unsigned short>> decode_size(std::string_view s) {
    size_t space = s.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    unsigned short rows = 0, cols = 0;
    auto a = std::from_chars(s.data(), s.data() + space, rows);
    auto b = std::from_chars(s.data() + space + 1, s.data() + s.size(), cols);
    if (a.ec != std::errc{} || a.ptr != s.data() + space || b.ec != std::errc{} || b.ptr != s.data() + s.size())
        return std::nullopt;
    return std::make_pair(rows, cols);
}

}  // namespace skiff::engine::wire
