// The one bounded byte queue between a producer thread and a reader: a registry's HTTP body on its
// way to the layer pipeline, and the pipeline's inflated stream on its way to the tar reader.
//
// A registry pull runs two of them in series, three threads: TLS and HTTP │ both digests and
// inflating │ tar and the file system. Measured with perf on a 350 MB layer (store on tmpfs, 2 cores):
// 0.97 s, 2.58 s and 1.79 s of CPU, 3.5 s wall. One queue would put inflating on the HTTP thread
// (at least 3.55 s for that thread alone) or on the tar thread (at least 4.37 s): both slower than
// the 2.67 s floor that three threads on two cores give.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

// Buffers of a fixed size, made as they are needed up to a limit and reused: the producer blocks
// while every buffer is full, the reader while none is. Bytes are written into a buffer once (in
// place, or copied in by push) and read from it where they lie (next) or copied out (read).
class ByteQueue : public ByteSource {
public:
    static constexpr size_t kBufferSize = 1 << 17;
    static constexpr size_t kMaxBuffers = 64;  // 8 MB ahead at most

    explicit ByteQueue(size_t buffer_size = kBufferSize, size_t max_buffers = kMaxBuffers)
        : buffer_size_(buffer_size), max_buffers_(max_buffers) {}
    ByteQueue(const ByteQueue&) = delete;
    ByteQueue& operator=(const ByteQueue&) = delete;

    // Producer side. `data` copied in; false once the reader has closed (stop producing).
    bool push(std::string_view data);
    // A free buffer to write the next bytes into, then commit(n) (n may be 0). Empty once the reader
    // has closed.
    std::span<char> acquire();
    void commit(size_t n);
    // No more bytes; an error makes the reader's next read fail with it, once what is queued is read.
    void finish(Result<void> status);

    // Reader side. The next bytes, lent until the next call of next, read or close_read; empty at the
    // end.
    Result<std::string_view> next();
    Result<size_t> read(char* buf, size_t len) override;
    // Stop reading: what is queued is dropped, and the producer's push, acquire fail from now on.
    void close_read();

private:
    // Under mu_: a free buffer's index, waiting for one; -1 when the reader has closed.
    int take_free(std::unique_lock<std::mutex>& lk);
    void release_lent();

    const size_t buffer_size_, max_buffers_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<char[]>> buffers_;
    std::vector<int> free_;
    std::deque<std::pair<int, size_t>> full_;  // (buffer, bytes) in stream order
    int acquired_ = -1;                        // the buffer the producer is writing in place
    int lent_ = -1;                            // the buffer the reader is reading
    const char* lent_data_ = nullptr;          // its bytes: read without the lock
    size_t lent_off_ = 0, lent_size_ = 0;
    bool finished_ = false, reader_closed_ = false;
    Result<void> status_ = Result<void>();
};

}  // namespace skiff::storage
