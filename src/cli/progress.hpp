// Pull progress as podman shows it: on a terminal one bar per layer (size, speed), redrawn in place;
// otherwise plain lines ("Copying blob sha256:…"); nothing when quiet. Written to stderr.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "skiff/engine/pull.hpp"
#include "skiff/engine/push.hpp"

namespace skiff::cli {

enum class ProgressMode { kQuiet, kLines, kBars };

// kBars when `out` is a terminal, else kLines; kQuiet when `quiet`.
ProgressMode progress_mode_for(FILE* out, bool quiet);

class PullDisplay : public engine::PullProgress {
public:
    PullDisplay(FILE* out, ProgressMode mode) : out_(out), mode_(mode) {}
    void resolved(const std::string& reference) override;
    void blob_start(const oci::Descriptor& layer, bool already_stored) override;
    void blob_bytes(const std::string& digest, uint64_t n) override;
    void blob_done(const std::string& digest) override;
    void config(const std::string& digest) override;
    void writing_manifest() override;
    void storing_signatures() override;

private:
    using Clock = std::chrono::steady_clock;
    struct Bar {
        std::string digest;
        uint64_t total = 0;
        uint64_t done = 0;
        Clock::time_point started;
        bool finished = false;
        bool skipped = false;
    };
    Bar* find(const std::string& digest);
    void line(const std::string& s);
    void redraw(bool force);  // callers hold mu_
    std::string render(const Bar& b) const;

    FILE* out_;
    ProgressMode mode_;
    std::mutex mu_;
    std::vector<Bar> bars_;
    size_t drawn_ = 0;  // lines of bars currently on the screen
    Clock::time_point last_draw_{};
    bool started_blobs_ = false;
};

// Push and save progress as podman prints it, one line per step, to `out`; nothing when quiet.
class PushDisplay : public engine::PushProgress {
public:
    PushDisplay(FILE* out, bool quiet) : out_(out), quiet_(quiet) {}
    void blob_skipped(const std::string& digest) override;
    void blob_written(const std::string& digest) override;
    void config(const std::string& digest) override;
    void writing_manifest() override;

private:
    void line(const std::string& s);
    FILE* out_;
    bool quiet_;
    std::mutex mu_;
    bool started_ = false;
};

// "12.3MB", "1.05GB" as podman (decimal units, three significant digits).
std::string human_size(uint64_t bytes);

}  // namespace skiff::cli
