#include "progress.hpp"

#include <unistd.h>

#include <cinttypes>

namespace skiff::cli {

namespace {
std::string short_digest(const std::string& digest) {
    auto colon = digest.find(':');
    std::string hex = colon == std::string::npos ? digest : digest.substr(colon + 1);
    return hex.substr(0, 12);
}
}  // namespace

ProgressMode progress_mode_for(FILE* out, bool quiet) {
    if (quiet) return ProgressMode::kQuiet;
    return ::isatty(::fileno(out)) ? ProgressMode::kBars : ProgressMode::kLines;
}

std::string human_size(uint64_t bytes) {
    static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof kUnits / sizeof kUnits[0]) {
        v /= 1000;
        u++;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%" PRIu64 "B", bytes);
    else
        std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, kUnits[u]);
    return buf;
}

void PullDisplay::line(const std::string& s) {
    std::fputs(s.c_str(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

PullDisplay::Bar* PullDisplay::find(const std::string& digest) {
    for (auto& b : bars_)
        if (b.digest == digest) return &b;
    return nullptr;
}

void PullDisplay::resolved(const std::string& reference) {
    if (mode_ == ProgressMode::kQuiet) return;
    std::lock_guard lk(mu_);
    line("Trying to pull " + reference + "...");
}

void PullDisplay::blob_start(const oci::Descriptor& layer, bool already_stored) {
    if (mode_ == ProgressMode::kQuiet) return;
    std::lock_guard lk(mu_);
    if (!started_blobs_) {
        started_blobs_ = true;
        line("Getting image source signatures");
    }
    if (mode_ == ProgressMode::kLines) {
        line(already_stored ? "Copying blob " + layer.digest + " skipped: already exists"
                            : "Copying blob " + layer.digest);
        return;
    }
    Bar b;
    b.digest = layer.digest;
    b.total = layer.size > 0 ? static_cast<uint64_t>(layer.size) : 0;
    b.started = Clock::now();
    b.finished = already_stored;
    b.skipped = already_stored;
    bars_.push_back(b);
    redraw(true);
}

void PullDisplay::blob_bytes(const std::string& digest, uint64_t n) {
    if (mode_ != ProgressMode::kBars) return;
    std::lock_guard lk(mu_);
    if (Bar* b = find(digest)) b->done += n;
    redraw(false);
}

void PullDisplay::blob_done(const std::string& digest) {
    if (mode_ != ProgressMode::kBars) return;
    std::lock_guard lk(mu_);
    if (Bar* b = find(digest)) b->finished = true;
    redraw(true);
}

void PullDisplay::config(const std::string& digest) {
    if (mode_ == ProgressMode::kQuiet) return;
    std::lock_guard lk(mu_);
    if (!started_blobs_) {
        started_blobs_ = true;
        line("Getting image source signatures");
    }
    drawn_ = 0;  // the bars stay above what follows
    line(mode_ == ProgressMode::kBars ? "Copying config " + short_digest(digest) + " done"
                                      : "Copying config " + digest);
}

void PullDisplay::writing_manifest() {
    if (mode_ == ProgressMode::kQuiet) return;
    std::lock_guard lk(mu_);
    line("Writing manifest to image destination");
}

void PullDisplay::storing_signatures() {
    if (mode_ == ProgressMode::kQuiet) return;
    std::lock_guard lk(mu_);
    line("Storing signatures");
    started_blobs_ = false;  // the next image copied (a load of several) starts over, as podman's
}

std::string PullDisplay::render(const Bar& b) const {
    std::string s = "Copying blob " + short_digest(b.digest);
    if (b.skipped) return s + " skipped: already exists";
    if (b.finished) return s + " done";
    constexpr int kWidth = 30;
    int filled = b.total > 0 ? static_cast<int>(std::min<uint64_t>(b.done, b.total) * kWidth / b.total) : 0;
    s += " [";
    for (int i = 0; i < kWidth; i++) s += i < filled ? '=' : i == filled ? '>' : '-';
    s += "] " + human_size(b.done) + " / " + (b.total > 0 ? human_size(b.total) : std::string("?"));
    double secs = std::chrono::duration<double>(Clock::now() - b.started).count();
    if (secs > 0.2) s += " | " + human_size(static_cast<uint64_t>(static_cast<double>(b.done) / secs)) + "/s";
    return s;
}

void PullDisplay::redraw(bool force) {
    auto now = Clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::string buf;
    if (drawn_ > 0) buf += "\x1b[" + std::to_string(drawn_) + "A";
    for (auto& b : bars_) buf += "\r\x1b[2K" + render(b) + "\n";
    drawn_ = bars_.size();
    std::fputs(buf.c_str(), out_);
    std::fflush(out_);
}

void PushDisplay::line(const std::string& s) {
    if (quiet_) return;
    std::lock_guard lk(mu_);
    if (!started_) {
        started_ = true;
        std::fputs("Getting image source signatures\n", out_);
    }
    std::fputs(s.c_str(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

void PushDisplay::blob_skipped(const std::string& digest) { line("Copying blob " + digest + " skipped: already exists"); }
void PushDisplay::blob_written(const std::string& digest) { line("Copying blob " + digest + " done"); }
void PushDisplay::config(const std::string& digest) { line("Copying config " + digest + " done"); }
void PushDisplay::writing_manifest() { line("Writing manifest to image destination"); }

}  // namespace skiff::cli
