#include "skiff/storage/tar_extract.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "archive_lib.hpp"
#include "skiff/base/sys.hpp"
#include "unpacker.hpp"

namespace skiff::storage {

namespace {

struct FdInput {
    explicit FdInput(int f) : fd(f) {}
    int fd;
    std::vector<char> buf = std::vector<char>(1 << 17);
    std::optional<Error> error;
};

la_ssize_t read_fd(struct archive*, void* client, const void** out) {
    auto* in = static_cast<FdInput*>(client);
    for (;;) {
        ssize_t n = ::read(in->fd, in->buf.data(), in->buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            in->error = sys_error("read the archive");
            return -1;
        }
        *out = in->buf.data();
        return static_cast<la_ssize_t>(n);
    }
}

}  // namespace

Result<void> extract_tar(int in_fd, int dirfd, const std::string& shown, const ExtractOptions& opts) {
    auto reader = TRY(ArchiveReader::create());
    const ArchiveLib& lib = reader.lib();
    struct archive* a = reader.get();
    support_compressed_tar(lib, a);
    lib.archive_read_support_format_empty(a);
    FdInput in(in_fd);
    auto stream_error = [&](const std::string& what) -> Error {
        if (in.error) return std::move(*in.error);
        return make_error(what + ": " + reader.error());
    };
    if (lib.archive_read_open(a, &in, nullptr, read_fd, nullptr) != ARCHIVE_OK) {
        Error e = stream_error("not a tar archive");
        if (!in.error) e.code = EILSEQ;  // the stream was read but is no archive: callers may say so
        return e;
    }

    // The Unpacker resolves beneath an O_PATH descriptor of its root.
    auto root = TRY(sys::openat(dirfd, ".", O_PATH | O_DIRECTORY));
    Unpacker unpacker(lib, root.get(), opts.ids, shown);
    unpacker.copy_mode(opts.overwrite, opts.owner.has_value(), opts.owner ? opts.owner->first : 0, opts.owner ? opts.owner->second : 0);
    for (;;) {
        struct archive_entry* e;
        int r = lib.archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return stream_error("not a valid tar archive");
        auto written = unpacker.entry(a, e);
        if (!written.ok()) {
            if (in.error) return std::move(*in.error);
            return written.take_error();
        }
    }
    return unpacker.finish();
}

}  // namespace skiff::storage
