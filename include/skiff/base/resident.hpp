// What a long-lived process gives back of its resident memory once the work that needed it is
// done (the container's monitor, after starting the container): the pages of its clean read-only
// file mappings (code and constants, which fault back in from the page cache if touched again)
// and the stack pages far below the stack pointer. Reads /proc/self/smaps into a fixed buffer, so
// that looking costs no heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace skiff::resident {

// One mapping of /proc/PID/smaps, as far as deciding what to drop needs it.
struct Mapping {
    uintptr_t start = 0, end = 0;
    bool readable = false, writable = false, shared = false;
    uint64_t inode = 0;
    bool pseudo = false;  // a kernel-named mapping: [stack], [heap], [vdso], [vvar], [vsyscall]…
    bool stack = false;   // [stack]
    bool anonymous_known = false;  // the kernel printed its Anonymous: line
    uint64_t rss_kb = 0;
    uint64_t anonymous_kb = 0;
};

// Dropping its pages loses nothing: private, not writable, backed by a file, and none of its pages
// were ever written (a relocated relro holds written pages, which would revert to the file's).
bool clean_file_mapping(const Mapping& m);

// Reads smaps text from `fd` one mapping at a time. A line longer than the buffer is cut, which
// only shortens a path it does not need.
class SmapsReader {
public:
    explicit SmapsReader(int fd) : fd_(fd) {}
    // The next complete mapping; false at the end (or on a read error).
    bool next(Mapping& out);

private:
    bool line(std::string_view& out);

    int fd_;
    char buf_[4096];
    size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    bool skipping_ = false;  // the rest of a line longer than the buffer
    bool have_pending_ = false;
    Mapping pending_;
};

// Parse one smaps header ("start-end perms offset dev inode [path]"); false if it is not one.
bool parse_header(std::string_view line, Mapping& m);

struct Shed {
    uint64_t file_kb = 0;   // resident kB of the file mappings whose pages were dropped
    uint64_t stack_kb = 0;  // bytes of stack below the margin, in kB (not all were resident)
};

// Drop the pages of every clean file mapping and the stack more than `stack_margin` bytes below
// the caller's frame. Best effort: a mapping madvise refuses is left as it is.
Shed shed(size_t stack_margin);

}  // namespace skiff::resident
