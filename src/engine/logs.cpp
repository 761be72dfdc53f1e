#include "skiff/engine/logs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

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

Result<LogReader> LogReader::open(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto c = TRY(storage::find_container(store, name_or_id));
    LogReader r;
    r.store_ = store;
    r.id_ = c.id;
    r.path_ = TRY(log_file(store, c));
    if (r.path_.empty())
        return make_error("container " + c.id.substr(0, 12) + " keeps no log (it ran in the foreground or with --log-driver none)");
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
