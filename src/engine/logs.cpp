#include "skiff/engine/logs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "run_internal.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/time.hpp"

namespace skiff::engine {

std::vector<LogRecord> parse_log(std::string_view data, size_t* used) {
    std::vector<LogRecord> out;
    size_t pos = 0;
    for (;;) {
        size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) break;
        std::string_view line = data.substr(pos, nl - pos);
        pos = nl + 1;
        size_t a = line.find(' ');
        if (a == std::string_view::npos) continue;
        size_t b = line.find(' ', a + 1);
        if (b == std::string_view::npos || b + 2 > line.size()) continue;
        LogRecord r;
        r.timestamp = std::string(line.substr(0, a));
        auto ns = parse_rfc3339(r.timestamp);
        if (!ns.ok()) continue;
        r.ns = *ns;
        std::string_view stream = line.substr(a + 1, b - a - 1);
        if (stream != "stdout" && stream != "stderr") continue;
        r.is_stderr = stream == "stderr";
        r.partial = line[b + 1] == 'P';
        r.text = b + 3 <= line.size() ? std::string(line.substr(b + 3)) : std::string();
        out.push_back(std::move(r));
    }
    *used = pos;
    return out;
}

Result<std::string> log_file(const storage::StoreConfig& store, const storage::Container& c) {
    if (c.config.empty()) return std::string();
    return log_path(store, c, TRY(config_of(c)));
}

Result<int64_t> parse_log_time(std::string_view s, int64_t now_ns) {
    if (auto t = parse_rfc3339(s); t.ok()) return *t;
    std::string text(s);
    char* end = nullptr;
    long long secs = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0') return static_cast<int64_t>(secs) * 1000000000;
    // A duration: numbers each followed by h, m, s or ms.
    int64_t total = 0;
    const char* p = text.c_str();
    if (!*p) return make_error("invalid time \"" + text + "\"");
    while (*p) {
        double n = std::strtod(p, &end);
        if (end == p) return make_error("invalid time \"" + text + "\": want RFC 3339, unix seconds or a duration like 10m");
        p = end;
        int64_t unit = 0;
        if (p[0] == 'm' && p[1] == 's') unit = 1000000, p += 2;
        else if (*p == 'h') unit = 3600000000000LL, p++;
        else if (*p == 'm') unit = 60000000000LL, p++;
        else if (*p == 's') unit = 1000000000LL, p++;
        else return make_error("invalid time \"" + text + "\": want RFC 3339, unix seconds or a duration like 10m");
        total += static_cast<int64_t>(n * static_cast<double>(unit));
    }
    return now_ns - total;
}

Result<int64_t> parse_log_time(std::string_view s) { return parse_log_time(s, now_ns()); }

std::string log_timestamp(int64_t ns) {
    time_t secs = static_cast<time_t>(ns / 1000000000);
    struct tm tm;
    ::localtime_r(&secs, &tm);
    char date[40], zone[8];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    std::strftime(zone, sizeof zone, "%z", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%09lld%.3s:%.2s", date, static_cast<long long>(ns % 1000000000), zone, zone + 3);
    return out;
}

Result<LogWriter> LogWriter::open(const std::string& path, int64_t max_size) {
    LogWriter w;
    w.fd_ = TRY(sys::open(path, O_WRONLY | O_CREAT | O_APPEND, 0600));
    w.max_ = max_size;
    struct stat st;
    if (::fstat(w.fd_.get(), &st) == 0) w.size_ = st.st_size;
    return w;
}

void LogWriter::write(bool is_stderr, std::string_view data) {
    if (!fd_) return;
    std::string out;
    std::string stamp = log_timestamp(now_ns());
    const char* stream = is_stderr ? " stderr" : " stdout";
    while (!data.empty()) {
        size_t nl = data.find('\n');
        bool full = nl != std::string_view::npos;
        std::string_view line = data.substr(0, full ? nl : data.size());
        out += stamp + stream + (full ? " F " : " P ") + std::string(line) + "\n";
        data.remove_prefix(full ? nl + 1 : data.size());
    }
    // As conmon: a log over its maximum size starts again empty.
    if (max_ > 0 && size_ + static_cast<int64_t>(out.size()) > max_ && ::ftruncate(fd_.get(), 0) == 0) size_ = 0;
    if (sys::write_all(fd_.get(), out).ok()) size_ += static_cast<int64_t>(out.size());
}

Result<LogReader> LogReader::open(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto c = TRY(storage::find_container(store, name_or_id));
    LogReader r;
    r.store_ = store;
    r.id_ = c.id;
    r.name_ = c.name;
    auto config = TRY(config_of(c));
    r.path_ = log_path(store, c, config);
    if (r.path_.empty())
        return make_error("this container is using the '" + config.log.driver +
                          "' log driver, cannot read logs: this container is not logging output");
    return r;
}

Result<std::vector<LogRecord>> LogReader::read_more() {
    if (!fd_) {
        auto fd = sys::open(path_, O_RDONLY);
        if (!fd.ok()) return std::vector<LogRecord>{};
        fd_ = fd.take();
    }
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0) return sys_error("read " + path_);
        if (n == 0) break;
        pending_.append(buf, static_cast<size_t>(n));
    }
    size_t used = 0;
    auto records = parse_log(pending_, &used);
    pending_.erase(0, used);
    return records;
}

bool LogReader::container_running() const {
    auto c = storage::find_container(store_, id_);
    return c.ok() && c->state == storage::ContainerState::kRunning;
}

}  // namespace skiff::engine
