// Write-behind for a layer being unpacked: syncfs on a thread of its own as the unpack goes on.
// Private to storage.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "skiff/base/fd.hpp"

namespace skiff::storage {

// Writes the unpacked files back to disk while the unpack goes on (a syncfs on a thread of its own
// each time another kStep bytes of the stream have been unpacked), so that the syncfs that makes the
// layer durable before it is published finds little left to write.
class WriteBehind {
public:
    explicit WriteBehind(const std::string& dir)
        : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), thread_([this] { run(); }) {}
    WriteBehind(const WriteBehind&) = delete;
    WriteBehind& operator=(const WriteBehind&) = delete;
    ~WriteBehind() {
        {
            std::lock_guard lk(mu_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    // The stream has been unpacked up to `offset`.
    void progress(uint64_t offset) {
        if (offset < next_) return;
        next_ = offset + kStep;
        {
            std::lock_guard lk(mu_);
            ++asked_;
        }
        cv_.notify_all();
    }

private:
    static constexpr uint64_t kStep = 32 << 20;
    void run() {
        std::unique_lock lk(mu_);
        for (;;) {
            cv_.wait(lk, [&] { return done_ || asked_ > served_; });
            if (done_) return;
            served_ = asked_;
            lk.unlock();
            if (fd_) (void)::syncfs(fd_.get());
            lk.lock();
        }
    }
    unique_fd fd_;
    uint64_t next_ = kStep;
    std::mutex mu_;
    std::condition_variable cv_;
    uint64_t asked_ = 0, served_ = 0;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace skiff::storage
