// The recorder follows the tar framing block by block: a 512-byte header, then the entry's data and
// the padding to the next block. Meta records (PAX 'x'/'g', GNU 'L'/'K') are read to learn the next
// entry's name and size; everything but a regular file's content is passed to the record as it is.
#include "tar_record.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/strings.hpp"
#include "unpacker.hpp"

namespace skiff::storage {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kRawFlush = 1 << 20;
constexpr size_t kMaxMeta = 1 << 20;   // a PAX or long-name record larger than this is not recorded
constexpr size_t kMaxPath = 1 << 16;
constexpr std::string_view kMagic("skiff-tar-split\1", 16);

void put_number(std::string& out, uint64_t v) {
    do {
        unsigned char b = v & 0x7f;
        v >>= 7;
        out += static_cast<char>(v ? (b | 0x80) : b);
    } while (v);
}

uint64_t padding(uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

// A numeric header field: octal digits (leading spaces, ending at a space or NUL), or GNU's base-256
// (first byte's high bit set). Nothing when it is neither.
std::optional<uint64_t> parse_number(const char* field, size_t width) {
    auto first = static_cast<unsigned char>(field[0]);
    if (first & 0x80) {
        if (first & 0x40) return std::nullopt;  // negative
        uint64_t v = first & 0x3f;
        for (size_t i = 1; i < width; ++i) {
            if (v >> 56) return std::nullopt;
            v = (v << 8) | static_cast<unsigned char>(field[i]);
        }
        return v;
    }
    size_t i = 0;
    while (i < width && field[i] == ' ') ++i;
    uint64_t v = 0;
    bool any = false;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (v >> 60) return std::nullopt;
        v = v * 8 + static_cast<uint64_t>(field[i] - '0');
        any = true;
    }
    for (; i < width; ++i)
        if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
    if (!any) return 0;  // an empty field (all NULs or spaces) is 0, as tar readers take it
    return v;
}

// The checksum field against the block's sum (unsigned, or signed as some old tars computed it).
bool checksum_ok(const std::string& h) {
    auto want = parse_number(h.data() + 148, 8);
    if (!want) return false;
    uint64_t u = 0;
    int64_t s = 0;
    for (size_t i = 0; i < kBlock; ++i) {
        bool in_field = i >= 148 && i < 156;
        unsigned char c = in_field ? ' ' : static_cast<unsigned char>(h[i]);
        u += c;
        s += in_field ? ' ' : static_cast<signed char>(h[i]);
    }
    return *want == u || static_cast<int64_t>(*want) == s;
}

std::string field_text(const char* field, size_t width) { return std::string(field, strnlen(field, width)); }

// clean_entry_name's components joined with '/': the path of the entry under diff/.
std::optional<std::string> normal_path(std::string_view name) {
    auto comps = clean_entry_name(name);
    if (!comps.ok()) return std::nullopt;
    return str::join(*comps, "/");
}

bool header_only(char type) { return type >= '1' && type <= '6'; }

}  // namespace

void TarRecorder::fail(std::string why) {
    if (failed_) return;
    failed_ = true;
    why_not_ = std::move(why);
    pending_raw_.clear();
}

void TarRecorder::put(std::string_view bytes) {
    if (failed_) return;
    auto r = out_.write(bytes);
    if (!r.ok()) fail("write: " + r.error().message);
}

void TarRecorder::flush_raw() {
    if (failed_ || pending_raw_.empty()) return;
    std::string op = "R";
    put_number(op, pending_raw_.size());
    put(op);
    put(pending_raw_);
    pending_raw_.clear();
}

void TarRecorder::raw(std::string_view bytes) {
    if (failed_) return;
    pending_raw_.append(bytes);
    if (pending_raw_.size() >= kRawFlush) flush_raw();
}

void TarRecorder::feed(std::string_view bytes) {
    if (total_ == 0 && !bytes.empty()) put(kMagic);
    total_ += bytes.size();
    while (!bytes.empty() && !failed_) {
        size_t n = bytes.size();
        switch (state_) {
            case State::kHeader:
                n = std::min(n, kBlock - block_.size());
                block_.append(bytes.substr(0, n));
                if (block_.size() == kBlock) {
                    raw(block_);
                    header();
                    block_.clear();
                }
                break;
            case State::kTrailer:
                raw(bytes);
                break;
            case State::kMeta:
            case State::kContent:
            case State::kRaw: {
                bool in_data = left_ > 0;
                n = static_cast<size_t>(std::min<uint64_t>(n, in_data ? left_ : pad_));
                std::string_view part = bytes.substr(0, n);
                if (!in_data || state_ != State::kContent) raw(part);
                if (in_data && state_ == State::kMeta) meta_.append(part);
                (in_data ? left_ : pad_) -= n;
                if (in_data && left_ == 0 && state_ == State::kMeta) meta_done();
                if (left_ == 0 && pad_ == 0) state_ = State::kHeader;
                break;
            }
        }
        bytes.remove_prefix(n);
    }
}

void TarRecorder::start_data(State s, uint64_t size) {
    state_ = size == 0 ? State::kHeader : s;
    left_ = size;
    pad_ = padding(size);
}

void TarRecorder::header() {
    if (std::all_of(block_.begin(), block_.end(), [](char c) { return c == '\0'; })) {
        // The end-of-archive blocks: whatever follows is kept as it is.
        state_ = State::kTrailer;
        return;
    }
    if (!checksum_ok(block_)) return fail("a header's checksum does not match");
    char type = block_[156];
    auto own_size = parse_number(block_.data() + 124, 12);
    if (!own_size) return fail("a header's size cannot be read");

    // GNU's old sparse entries put extension blocks between header and data that no size counts.
    if (type == 'S') return fail("a GNU sparse entry");
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
        if (*own_size > kMaxMeta) return fail("a meta record is too large");
        meta_type_ = type;
        meta_.clear();
        start_data(State::kMeta, *own_size);
        if (*own_size == 0) meta_done();
        return;
    }

    std::string name;
    if (has_next_name_) {
        name = next_name_;
    } else {
        name = field_text(block_.data(), 100);
        std::string prefix = field_text(block_.data() + 345, 155);
        if (std::memcmp(block_.data() + 257, "ustar\0", 6) == 0 && !prefix.empty()) name = prefix + "/" + name;
    }
    uint64_t size = has_next_size_ ? next_size_ : *own_size;
    entry(type, std::move(name), size);
    has_next_name_ = has_next_size_ = next_sparse_ = false;
    next_name_.clear();
}

// A complete meta record: what it says about the next entry.
void TarRecorder::meta_done() {
    if (meta_type_ == 'L') {
        next_name_ = meta_.substr(0, strnlen(meta_.data(), meta_.size()));
        has_next_name_ = true;
        return;
    }
    if (meta_type_ == 'K') return;  // a long link target: the header is raw anyway
    // PAX records: "LEN key=value\n", LEN counting the whole record.
    std::string_view rest(meta_);
    while (!rest.empty()) {
        size_t space = rest.find(' ');
        if (space == std::string_view::npos || space == 0) return fail("a PAX record cannot be read");
        size_t len = 0;
        for (char c : rest.substr(0, space)) {
            if (c < '0' || c > '9' || len > kMaxMeta) return fail("a PAX record cannot be read");
            len = len * 10 + static_cast<size_t>(c - '0');
        }
        if (len <= space + 1 || len > rest.size() || rest[len - 1] != '\n')
            return fail("a PAX record cannot be read");
        std::string_view kv = rest.substr(space + 1, len - space - 2);
        rest.remove_prefix(len);
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) return fail("a PAX record cannot be read");
        std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
        bool names_entry = key == "path" || key == "size" || str::starts_with(key, "GNU.sparse.");
        if (meta_type_ == 'g') {
            if (names_entry) return fail("a global PAX header sets " + std::string(key));
            continue;
        }
        if (key == "path") {
            next_name_ = std::string(value);
            has_next_name_ = true;
        } else if (key == "size") {
            if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string_view::npos)
                return fail("a PAX size cannot be read");
            next_size_ = std::stoull(std::string(value));
            has_next_size_ = true;
        } else if (str::starts_with(key, "GNU.sparse.")) {
            next_sparse_ = true;
        }
    }
}

// Whether the entry at `path` would remove or replace a file whose content the record refers to.
void TarRecorder::check_replaces(const std::string& path, char type, bool hardlink) {
    auto slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string target = path;
    if (str::starts_with(base, ".wh.")) {
        if (str::starts_with(base, ".wh..wh.")) return;  // opaque marker or aufs bookkeeping: nothing removed
        target = path.substr(0, path.size() - base.size()) + base.substr(4);
    } else if (files_.contains(path)) {
        return fail("\"" + path + "\" appears twice");
    }
    if (files_.contains(target)) return fail("a whiteout removes \"" + target + "\"");
    bool plain_dir = type == '5' && !hardlink && target == path;
    auto below = files_.lower_bound(target + "/");
    if (!plain_dir && below != files_.end() && str::starts_with(*below, target + "/"))
        return fail("\"" + path + "\" replaces the directory of \"" + *below + "\"");
}

void TarRecorder::entry(char type, std::string name, uint64_t size) {
    auto path = normal_path(name);
    if (!path) return fail("entry \"" + name + "\" escapes the layer");
    if (header_only(type) && size != 0) return fail("entry \"" + name + "\" has data but is a link or special file");
    bool dir_name = !name.empty() && name.back() == '/';
    if ((type == '0' || type == '\0') && dir_name) type = '5';  // how tar readers take it
    check_replaces(*path, type, type == '1');
    if (failed_) return;
    auto slash = path->rfind('/');
    bool whiteout = str::starts_with(slash == std::string::npos ? *path : path->substr(slash + 1), ".wh.");
    bool content = (type == '0' || type == '\0' || type == '7') && size > 0 && !next_sparse_ && !path->empty() &&
                   !whiteout;
    if (content) {
        if (path->size() > kMaxPath) return fail("entry \"" + name + "\" has too long a name");
        files_.insert(*path);
        flush_raw();
        std::string op = "F";
        put_number(op, path->size());
        op += *path;
        put_number(op, size);
        put(op);
        start_data(State::kContent, size);
    } else {
        start_data(State::kRaw, size);
    }
    unconfirmed_.push_back(Seen{*path, content, size});
}

void TarRecorder::confirm(std::string_view name, bool regular, uint64_t size) {
    if (failed_) return;
    if (unconfirmed_.empty()) return fail("the unpacker read an entry the record did not see");
    Seen seen = std::move(unconfirmed_.front());
    unconfirmed_.pop_front();
    auto path = normal_path(name);
    if (!path || *path != seen.path)
        return fail("the unpacker read \"" + std::string(name) + "\" where the record saw \"" + seen.path + "\"");
    if (seen.content && (!regular || size != seen.size))
        return fail("the unpacker read \"" + seen.path + "\" as something else than a file of " +
                    std::to_string(seen.size) + " bytes");
}

bool TarRecorder::finish() {
    if (!block_.empty()) raw(block_);
    block_.clear();
    if (state_ != State::kHeader && state_ != State::kTrailer) fail("the stream ends inside an entry");
    if (!unconfirmed_.empty()) fail("the unpacker did not read every entry the record saw");
    if (total_ == 0) put(kMagic);
    flush_raw();
    std::string op = "E";
    put_number(op, total_);
    put(op);
    return !failed_;
}

namespace {

// Reads a record: bytes and LEB128 numbers from a buffered source; errors name the record.
class RecordReader {
public:
    RecordReader(ByteSource& in, const std::string& shown) : in_(in), shown_(shown), buf_(1 << 16) {}

    Error corrupt(std::string_view why) const {
        return make_error("layer " + shown_ + ": tar-split record: corrupt (" + std::string(why) + ")");
    }

    // Up to `max` bytes, at least one; an error at the end.
    Result<std::string_view> some(size_t max) {
        if (pos_ == end_) {
            TRY(fill());
            if (end_ == 0) return corrupt("truncated");
        }
        size_t n = std::min(max, end_ - pos_);
        std::string_view out(buf_.data() + pos_, n);
        pos_ += n;
        return out;
    }

    Result<std::string> exact(size_t n) {
        std::string out;
        while (out.size() < n) out += TRY(some(n - out.size()));
        return out;
    }

    Result<uint64_t> number() {
        uint64_t v = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (shift > 63) return corrupt("a number is too long");
            auto b = static_cast<unsigned char>(TRY(some(1))[0]);
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
    }

    Result<bool> at_end() {
        if (pos_ < end_) return false;
        TRY(fill());
        return end_ == 0;
    }

private:
    Result<void> fill() {
        pos_ = 0;
        end_ = TRY_CTX(in_.read(buf_.data(), buf_.size()), "layer " + shown_ + ": tar-split record");
        return {};
    }

    ByteSource& in_;
    const std::string& shown_;
    std::vector<char> buf_;
    size_t pos_ = 0, end_ = 0;
};

// openat2 under `dirfd`, refusing every symbolic link and any escape.
int open_beneath(int dirfd, const std::string& path) {
    struct open_how how {};
    how.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    long fd;
    do fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return static_cast<int>(fd);
}

Result<void> copy_file(int diff_fd, const std::string& path, uint64_t size, const std::string& shown,
                       std::vector<char>& buf, ByteSink& out) {
    auto changed = [&](const std::string& why) {
        return make_error("layer " + shown + " changed on disk: " + path + " " + why);
    };
    unique_fd fd(open_beneath(diff_fd, path));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return changed("is missing");
        if (errno == ELOOP) return changed("is not a regular file");
        return sys_error("layer " + shown + ": open " + path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("layer " + shown + ": stat " + path);
    if (!S_ISREG(st.st_mode)) return changed("is not a regular file");
    if (static_cast<uint64_t>(st.st_size) != size)
        return changed("has " + std::to_string(st.st_size) + " bytes, not " + std::to_string(size));
    uint64_t left = size;
    for (;;) {
        // One read past the recorded size: a file that grew since the stat is caught too.
        size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
        ssize_t n = ::read(fd.get(), buf.data(), left ? want : 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("layer " + shown + ": read " + path);
        if (left == 0) {
            if (n > 0) return changed("grew while it was read");
            return {};
        }
        if (n == 0) return changed("shrank while it was read");
        TRY(out.write(std::string_view(buf.data(), static_cast<size_t>(n))));
        left -= static_cast<uint64_t>(n);
    }
}

}  // namespace

Result<void> reassemble(ByteSource& record, int diff_fd, const std::string& shown, ByteSink& out) {
    RecordReader in(record, shown);
    if (TRY(in.exact(kMagic.size())) != kMagic) return in.corrupt("not a skiff tar-split record");
    std::vector<char> buf(1 << 20);
    uint64_t written = 0;
    for (;;) {
        char tag = TRY(in.some(1))[0];
        if (tag == 'R') {
            uint64_t left = TRY(in.number());
            written += left;
            while (left > 0) {
                auto part = TRY(in.some(static_cast<size_t>(std::min<uint64_t>(left, 1 << 20))));
                TRY(out.write(part));
                left -= part.size();
            }
        } else if (tag == 'F') {
            uint64_t len = TRY(in.number());
            if (len == 0 || len > kMaxPath) return in.corrupt("a file name has a bad length");
            std::string path = TRY(in.exact(static_cast<size_t>(len)));
            if (!normal_path(path) || *normal_path(path) != path) return in.corrupt("a file name is not normalised");
            uint64_t size = TRY(in.number());
            TRY(copy_file(diff_fd, path, size, shown, buf, out));
            written += size;
        } else if (tag == 'E') {
            uint64_t total = TRY(in.number());
            if (total != written) return in.corrupt("the stream's length does not add up");
            if (!TRY(in.at_end())) return in.corrupt("bytes after the end");
            return {};
        } else {
            return in.corrupt("unknown op");
        }
    }
}

}  // namespace skiff::storage
