// The plain byte sources: a file descriptor, memory.
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

}  // namespace skiff::storage
