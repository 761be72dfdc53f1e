// The plain byte sources: a file descriptor, memory, another source read ahead.
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "skiff/storage/layers.hpp"

namespace skiff::storage {

Result<size_t> FdSource::read(char* buf, size_t len) {
    for (;;) {
        ssize_t n = ::read(fd_, buf, len);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return sys_error("read");
    }
}

Result<size_t> MemorySource::read(char* buf, size_t len) {
    size_t n = std::min(len, data_.size());
    std::copy_n(data_.data(), n, buf);
    data_.remove_prefix(n);
    return n;
}

Result<std::string_view> PeekSource::peek(size_t n) {
    while (head_.size() < n) {
        char b[64];
        size_t got = TRY(src_.read(b, std::min(sizeof b, n - head_.size())));
        if (got == 0) break;
        head_.append(b, got);
    }
    return std::string_view(head_).substr(0, n);
}

Result<size_t> PeekSource::read(char* buf, size_t len) {
    if (head_off_ < head_.size()) {
        size_t n = std::min(len, head_.size() - head_off_);
        std::copy_n(head_.data() + head_off_, n, buf);
        head_off_ += n;
        return n;
    }
    return src_.read(buf, len);
}

}  // namespace skiff::storage
