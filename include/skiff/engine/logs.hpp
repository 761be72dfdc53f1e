// Container logs in podman's k8s-file format, one record a line:
//   2026-11-26T06:10:00.123456789+00:00 stdout F the text
// (F: the line ended; P: a partial line, continued by the next record).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// The log file of a detached container; empty when it keeps none (--log-driver none, foreground).
Result<std::string> log_file(const storage::StoreConfig& store, const storage::Container& c);

// --since/--until: an RFC 3339 time, a unix time in seconds, or a duration before `now_ns`
// ("10m", "1h30m", "45s").
Result<int64_t> parse_log_time(std::string_view s, int64_t now_ns);

}  // namespace skiff::engine
