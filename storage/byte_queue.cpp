// The bounded byte queue (byte_queue.hpp).
#include "skiff/storage/byte_queue.hpp"

#include <algorithm>
#include <cstring>

namespace skiff::storage {

int ByteQueue::take_free(std::unique_lock<std::mutex>& lk) {
    // A free buffer, or a new one while fewer than max_buffers_ exist (a small stream needs few).
    cv_.wait(lk, [&] { return reader_closed_ || !free_.empty() || buffers_.size() < max_buffers_; });
    if (reader_closed_) return -1;
    if (!free_.empty()) {
        int index = free_.back();
        free_.pop_back();
        return index;
    }
    buffers_.push_back(std::make_unique<char[]>(buffer_size_));
    return static_cast<int>(buffers_.size() - 1);
}

bool ByteQueue::push(std::string_view data) {
    std::unique_lock lk(mu_);
    while (!data.empty()) {
        if (reader_closed_) return false;
        // The last queued buffer, not yet read, takes what it has room for: small chunks share one.
        if (!full_.empty() && full_.back().second < buffer_size_) {
            auto& [index, size] = full_.back();
            size_t n = std::min(data.size(), buffer_size_ - size);
            std::memcpy(buffers_[static_cast<size_t>(index)].get() + size, data.data(), n);
            size += n;
            data.remove_prefix(n);
            cv_.notify_all();
            continue;
        }
        int index = take_free(lk);
        if (index < 0) return false;
        size_t n = std::min(data.size(), buffer_size_);
        char* buf = buffers_[static_cast<size_t>(index)].get();
        lk.unlock();  // the buffer is the producer's alone until it is queued
        std::memcpy(buf, data.data(), n);
        lk.lock();
        full_.emplace_back(index, n);
        data.remove_prefix(n);
        cv_.notify_all();
    }
    return true;
}

std::span<char> ByteQueue::acquire() {
    std::unique_lock lk(mu_);
    acquired_ = take_free(lk);
    if (acquired_ < 0) return {};
    return {buffers_[static_cast<size_t>(acquired_)].get(), buffer_size_};
}

void ByteQueue::commit(size_t n) {
    std::lock_guard lk(mu_);
    if (acquired_ < 0) return;
    if (n == 0 || reader_closed_)
        free_.push_back(acquired_);
    else
        full_.emplace_back(acquired_, n);
    acquired_ = -1;
    cv_.notify_all();
}

void ByteQueue::finish(Result<void> status) {
    std::lock_guard lk(mu_);
    if (finished_) return;
    finished_ = true;
    status_ = std::move(status);
    cv_.notify_all();
}

void ByteQueue::release_lent() {
    if (lent_ < 0) return;
    free_.push_back(lent_);
    lent_ = -1;
    lent_data_ = nullptr;
    lent_off_ = lent_size_ = 0;
    cv_.notify_all();
}

Result<std::string_view> ByteQueue::next() {
    std::unique_lock lk(mu_);
    release_lent();
    cv_.wait(lk, [&] { return !full_.empty() || finished_ || reader_closed_; });
    if (full_.empty()) {
        if (!reader_closed_ && !status_.ok()) return status_.error();
        return std::string_view();
    }
    auto [index, size] = full_.front();
    full_.pop_front();
    lent_ = index;
    lent_data_ = buffers_[static_cast<size_t>(index)].get();
    lent_off_ = lent_size_ = size;  // all of it lent: read() starts it again from 0
    return std::string_view(lent_data_, size);
}

Result<size_t> ByteQueue::read(char* buf, size_t len) {
    if (lent_off_ == lent_size_) {
        auto chunk = TRY(next());
        if (chunk.empty()) return size_t{0};
        lent_off_ = 0;
    }
    // The lent buffer is the reader's alone: no lock needed to copy from it.
    size_t n = std::min(len, lent_size_ - lent_off_);
    std::memcpy(buf, lent_data_ + lent_off_, n);
    lent_off_ += n;
    return n;
}

void ByteQueue::close_read() {
    std::lock_guard lk(mu_);
    reader_closed_ = true;
    release_lent();
    for (auto& [index, size] : full_) free_.push_back(index);
    full_.clear();
    cv_.notify_all();
}

}  // namespace skiff::storage
