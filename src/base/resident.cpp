#include "skiff/base/resident.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace skiff::resident {

namespace {

// The leading number of `s` in `base` (consumed); false when there is none.
bool take_number(std::string_view& s, uint64_t& out, int base) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    if (ec != std::errc()) return false;
    s.remove_prefix(static_cast<size_t>(end - s.data()));
    return true;
}
bool take_hex(std::string_view& s, uint64_t& out) { return take_number(s, out, 16); }
bool take_dec(std::string_view& s, uint64_t& out) { return take_number(s, out, 10); }

void skip_spaces(std::string_view& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

// The next space-separated word of `s` (consumed).
std::string_view take_word(std::string_view& s) {
    skip_spaces(s);
    size_t n = 0;
    while (n < s.size() && s[n] != ' ' && s[n] != '\t') ++n;
    std::string_view w = s.substr(0, n);
    s.remove_prefix(n);
    return w;
}

// "Rss:   12 kB" → 12 in `kb` when the line's key is `key`.
bool field_kb(std::string_view line, std::string_view key, uint64_t& kb) {
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') return false;
    line.remove_prefix(key.size() + 1);
    skip_spaces(line);
    return take_dec(line, kb);
}

}  // namespace

bool parse_header(std::string_view line, Mapping& m) {
    m = Mapping{};
    uint64_t start = 0, end = 0, offset = 0;
    if (!take_hex(line, start) || line.empty() || line.front() != '-') return false;
    line.remove_prefix(1);
    if (!take_hex(line, end) || end < start) return false;
    std::string_view perms = take_word(line);
    if (perms.size() != 4) return false;
    skip_spaces(line);
    if (!take_hex(line, offset)) return false;
    if (take_word(line).find(':') == std::string_view::npos) return false;  // the device, "fd:01"
    skip_spaces(line);
    if (!take_dec(line, m.inode)) return false;
    skip_spaces(line);
    m.start = static_cast<uintptr_t>(start);
    m.end = static_cast<uintptr_t>(end);
    m.readable = perms[0] == 'r';
    m.writable = perms[1] == 'w';
    m.shared = perms[3] == 's';
    m.pseudo = line.starts_with("[");
    m.stack = line.starts_with("[stack]");
    return true;
}

bool clean_file_mapping(const Mapping& m) {
    return m.inode != 0 && !m.pseudo && !m.writable && !m.shared && m.anonymous_known && m.anonymous_kb == 0;
}

bool SmapsReader::line(std::string_view& out) {
    for (;;) {
        const char* start = buf_ + begin_;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        if (nl) {
            size_t n = static_cast<size_t>(nl - start);
            begin_ += n + 1;
            if (skipping_) {
                skipping_ = false;
                continue;
            }
            out = std::string_view(start, n);
            return true;
        }
        if (skipping_) {
            begin_ = end_;  // more of a line that was cut
        } else if (begin_ == 0 && end_ == sizeof buf_) {
            // A line longer than the buffer: its start now, the rest skipped.
            out = std::string_view(buf_, end_);
            begin_ = end_;
            skipping_ = true;
            return true;
        }
        if (eof_) {
            if (begin_ == end_) return false;
            out = std::string_view(start, end_ - begin_);
            begin_ = end_;
            return true;
        }
        std::memmove(buf_, buf_ + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        ssize_t got;
        do got = ::read(fd_, buf_ + end_, sizeof buf_ - end_);
        while (got < 0 && errno == EINTR);
        if (got <= 0) eof_ = true;
        else end_ += static_cast<size_t>(got);
    }
}

bool SmapsReader::next(Mapping& out) {
    std::string_view l;
    while (line(l)) {
        Mapping header;
        if (parse_header(l, header)) {
            bool had = have_pending_;
            Mapping done = pending_;
            pending_ = header;
            have_pending_ = true;
            if (had) {
                out = done;
                return true;
            }
            continue;
        }
        if (!have_pending_) continue;
        uint64_t kb;
        if (field_kb(l, "Rss", kb)) pending_.rss_kb = kb;
        else if (field_kb(l, "Anonymous", kb)) {
            pending_.anonymous_kb = kb;
            pending_.anonymous_known = true;
        }
    }
    if (!have_pending_) return false;
    out = pending_;
    have_pending_ = false;
    return true;
}

Shed shed(size_t stack_margin) {
    Shed s;
    int fd = ::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return s;
    const long page = ::sysconf(_SC_PAGESIZE);
    volatile char here = 0;
    uintptr_t sp = reinterpret_cast<uintptr_t>(&here);
    SmapsReader reader(fd);
    Mapping m;
    while (reader.next(m)) {
        if (m.rss_kb > 0 && clean_file_mapping(m)) {
            if (::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) == 0) s.file_kb += m.rss_kb;
        } else if (m.stack && sp > m.start + stack_margin && sp <= m.end) {
            uintptr_t below = (sp - stack_margin) & ~static_cast<uintptr_t>(page - 1);
            if (below > m.start && ::madvise(reinterpret_cast<void*>(m.start), below - m.start, MADV_DONTNEED) == 0)
                s.stack_kb += (below - m.start) / 1024;
        }
    }
    ::close(fd);
    return s;
}

}  // namespace skiff::resident
