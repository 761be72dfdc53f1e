// StreamQueue: the hand-off between an HTTP body callback thread and the layer unpacker.
#include <cstring>

#include "skiff/engine/pull.hpp"

namespace skiff::engine {

bool StreamQueue::push(std::string_view data) {
    if (data.empty()) return true;
    std::unique_lock lk(mu_);
    // A chunk larger than the capacity is still taken whole once the queue is empty.
    cv_.wait(lk, [&] { return reader_closed_ || queued_ == 0 || queued_ + data.size() <= capacity_; });
    if (reader_closed_) return false;
    chunks_.emplace_back(data);
    queued_ += data.size();
    cv_.notify_all();
    return true;
}

void StreamQueue::finish(Result<void> status) {
    std::lock_guard lk(mu_);
    if (finished_) return;
    finished_ = true;
    status_ = std::move(status);
    cv_.notify_all();
}

void StreamQueue::close_read() {
    std::lock_guard lk(mu_);
    reader_closed_ = true;
    chunks_.clear();
    queued_ = 0;
    front_off_ = 0;
    cv_.notify_all();
}

Result<size_t> StreamQueue::read(char* buf, size_t len) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return queued_ > 0 || finished_; });
    if (queued_ == 0) {
        if (!status_.ok()) return Error(status_.error());
        return size_t{0};
    }
    size_t done = 0;
    while (done < len && !chunks_.empty()) {
        std::string& front = chunks_.front();
        size_t n = std::min(len - done, front.size() - front_off_);
        std::memcpy(buf + done, front.data() + front_off_, n);
        done += n;
        front_off_ += n;
        if (front_off_ == front.size()) {
            chunks_.pop_front();
            front_off_ = 0;
        }
    }
    queued_ -= done;
    cv_.notify_all();
    return done;
}

}  // namespace skiff::engine
