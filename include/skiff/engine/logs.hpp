// Container logs in podman's k8s-file format, one record a line:
//   2026-11-26T06:10:00.123456789+00:00 stdout F the text
// (F: the line ended; P: a partial line, continued by the next record).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

struct LogRecord {
    std::string timestamp;  // as written
    int64_t ns = 0;         // parsed
    bool is_stderr = false;
    bool partial = false;
    std::string text;
};

// The complete lines of `data` as records (malformed lines skipped); *used is how many bytes they
// took (an unfinished last line is left for the next read).
std::vector<LogRecord> parse_log(std::string_view data, size_t* used);

// The log file of a container; empty when it keeps none (--log-driver none or passthrough).
Result<std::string> log_file(const storage::StoreConfig& store, const storage::Container& c);

// --since/--until: an RFC 3339 time, a unix time in seconds, or a duration before `now_ns`
// ("10m", "1h30m", "45s"); without `now_ns`, before now.
Result<int64_t> parse_log_time(std::string_view s, int64_t now_ns);
Result<int64_t> parse_log_time(std::string_view s);

// Writes a container's output into its k8s-file log: the monitor's for a detached container, the
// foreground run's beside the copy to its caller.
class LogWriter {
public:
    // The log at `path`, opened for appending. `max_size` > 0: a log that would grow beyond it
    // starts again empty (as conmon's).
    static Result<LogWriter> open(const std::string& path, int64_t max_size);
    // `data` as records of the stream, stamped now: one per line, a last unfinished one partial.
    void write(bool is_stderr, std::string_view data);

private:
    unique_fd fd_;
    int64_t max_ = -1, size_ = 0;
};

// "2026-11-26T06:10:00.123456789+00:00": the local time as conmon stamps k8s-file records.
std::string log_timestamp(int64_t ns);

// A container's log, read as it grows (`logs`, `logs -f`).
class LogReader {
public:
    // Refused for a container that keeps no log (--log-driver none or passthrough), in podman's words.
    static Result<LogReader> open(const storage::StoreConfig& store, const std::string& name_or_id);
    const std::string& container_id() const { return id_; }
    const std::string& container_name() const { return name_; }
    // The records written since the last call (none while the file does not exist yet).
    Result<std::vector<LogRecord>> read_more();
    // Whether the container still runs: `logs -f` reads until it does not.
    bool container_running() const;

private:
    storage::StoreConfig store_;
    std::string id_, name_, path_;
    unique_fd fd_;
    std::string pending_;  // an unfinished last line
};

}  // namespace skiff::engine
