#include "copy.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace skiff::runtime {

bool write_fully(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
            continue;
        }
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void InputCopy::on_input() {
    char buf[65536];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        open_ = false;
        pending_ += at_end_;
    } else {
        pending_.append(buf, static_cast<size_t>(n));
    }
    flush();
}

void InputCopy::flush() {
    while (!pending_.empty()) {
        ssize_t n = ::write(to_, pending_.data(), pending_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            pending_.clear();  // the container closed its side: nobody will read this
            open_ = false;
            return;
        }
        pending_.erase(0, static_cast<size_t>(n));
    }
}

void drain_now(int fd, const std::function<size_t(int fd)>& read_once) {
    int queued = 0;
    if (::ioctl(fd, FIONREAD, &queued) < 0 || queued <= 0) return;
    for (size_t left = static_cast<size_t>(queued); left > 0;) {
        size_t n = read_once(fd);
        if (n == 0) return;
        left -= n < left ? n : left;
    }
}

}  // namespace skiff::runtime
