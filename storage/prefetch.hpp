// The layer pipeline's read-ahead: a thread that reads a source into a bounded queue of buffers, so
// that what reading costs runs beside what the reader does with the bytes. Private to storage.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

// The size of one buffer of the layer pipeline.
inline constexpr size_t kBufferSize = 1 << 17;

// `src` read ahead on a thread of its own into a bounded queue, so that what reading it costs (the
// network queue, both digests, inflating) runs beside what the reader does with the bytes. `src` is
// the producer's alone until stop() returns.
class PrefetchSource {
public:
    explicit PrefetchSource(ByteSource& src) : src_(src), thread_([this] { run(); }) {}
    PrefetchSource(const PrefetchSource&) = delete;
    PrefetchSource& operator=(const PrefetchSource&) = delete;
    ~PrefetchSource() { stop(); }

    // The producer is gone when this returns: `src` may be read directly again.
    void stop() {
        {
            std::lock_guard lk(mu_);
            closed_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

    // The next bytes read ahead, lent until the next call (no copy); empty at the end.
    Result<std::string_view> next() {
        std::unique_lock lk(mu_);
        if (lent_ >= 0) {
            free_.push_back(lent_);
            lent_ = -1;
            cv_.notify_all();
        }
        cv_.wait(lk, [&] { return !full_.empty() || done_; });
        if (full_.empty()) {
            if (!status_.ok()) return status_.error();
            return std::string_view();
        }
        auto [index, size] = full_.front();
        full_.pop_front();
        lent_ = index;
        return std::string_view(buffers_[static_cast<size_t>(index)].get(), size);
    }

private:
    static constexpr size_t kMaxBuffers = 64;  // 8 MB ahead at most

    void run() {
        std::unique_lock lk(mu_);
        for (;;) {
            // A free buffer, or a new one while fewer than kMaxBuffers exist (a small layer needs few).
            cv_.wait(lk, [&] { return closed_ || !free_.empty() || buffers_.size() < kMaxBuffers; });
            if (closed_) return;
            int index;
            if (!free_.empty()) {
                index = free_.back();
                free_.pop_back();
            } else {
                index = static_cast<int>(buffers_.size());
                buffers_.push_back(std::make_unique<char[]>(kBufferSize));
            }
            char* buf = buffers_[static_cast<size_t>(index)].get();
            lk.unlock();
            auto n = src_.read(buf, kBufferSize);
            lk.lock();
            if (!n.ok() || *n == 0) {
                if (!n.ok()) status_ = n.take_error();
                done_ = true;
                cv_.notify_all();
                return;
            }
            full_.emplace_back(index, *n);
            cv_.notify_all();
        }
    }

    ByteSource& src_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<char[]>> buffers_;
    std::deque<std::pair<int, size_t>> full_;  // (buffer, bytes) in stream order
    std::vector<int> free_;
    int lent_ = -1;
    bool done_ = false, closed_ = false;
    Result<void> status_ = Result<void>();
    std::thread thread_;
};

}  // namespace skiff::storage
