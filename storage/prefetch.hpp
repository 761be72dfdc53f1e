// The layer pipeline's read-ahead: a thread that reads a source into a ByteQueue, so that what
// reading costs runs beside what the reader does with the bytes. Private to storage.
#pragma once

#include <string_view>
#include <thread>

#include "skiff/base/result.hpp"
#include "skiff/storage/byte_queue.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

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
        queue_.close_read();
        if (thread_.joinable()) thread_.join();
    }

    // The next bytes read ahead, lent until the next call (no copy); empty at the end.
    Result<std::string_view> next() { return queue_.next(); }

private:
    void run() {
        for (;;) {
            auto buf = queue_.acquire();
            if (buf.empty()) return;  // stopped
            auto n = src_.read(buf.data(), buf.size());
            if (!n.ok()) {
                queue_.commit(0);
                queue_.finish(n.take_error());
                return;
            }
            queue_.commit(*n);
            if (*n == 0) {
                queue_.finish({});
                return;
            }
        }
    }

    ByteSource& src_;
    ByteQueue queue_;  // before thread_: it exists when the thread starts
    std::thread thread_;
};

}  // namespace skiff::storage
