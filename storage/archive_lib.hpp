// libarchive, opened with dlopen the first time a layer or an archive is read: the commands that run
// and manage containers never load it (it pulls libxml2 and ICU, ~5 ms at start-up). Private header.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

// X-macro of every libarchive function skiff calls; each table slot is typed with decltype of the
// real prototype, so a signature mismatch is a compile error, not a crash.
#define SKIFF_ARCHIVE_FUNCTIONS(X)         \
    X(archive_read_new)                    \
    X(archive_read_free)                   \
    X(archive_read_support_filter_gzip)    \
    X(archive_read_support_filter_zstd)    \
    X(archive_read_support_filter_xz)      \
    X(archive_read_support_filter_bzip2)   \
    X(archive_read_support_format_raw)     \
    X(archive_read_support_format_tar)     \
    X(archive_read_support_format_empty)   \
    X(archive_read_open)                   \
    X(archive_read_next_header)            \
    X(archive_read_data)                   \
    X(archive_read_data_block)             \
    X(archive_error_string)                \
    X(archive_errno)                       \
    X(archive_entry_pathname)              \
    X(archive_entry_pathname_utf8)         \
    X(archive_entry_hardlink)              \
    X(archive_entry_hardlink_utf8)         \
    X(archive_entry_symlink)               \
    X(archive_entry_symlink_utf8)          \
    X(archive_entry_filetype)              \
    X(archive_entry_mode)                  \
    X(archive_entry_uid)                   \
    X(archive_entry_gid)                   \
    X(archive_entry_size)                  \
    X(archive_entry_mtime)                 \
    X(archive_entry_mtime_nsec)            \
    X(archive_entry_atime)                 \
    X(archive_entry_atime_nsec)            \
    X(archive_entry_atime_is_set)          \
    X(archive_entry_rdevmajor)             \
    X(archive_entry_rdevminor)             \
    X(archive_entry_xattr_reset)           \
    X(archive_entry_xattr_next)

struct ArchiveLib {
#define SKIFF_ARCHIVE_SLOT(name) decltype(&::name) name = nullptr;
    SKIFF_ARCHIVE_FUNCTIONS(SKIFF_ARCHIVE_SLOT)
#undef SKIFF_ARCHIVE_SLOT
};

// The table, loaded once per process. Fails with a clear message when libarchive13 is missing.
Result<const ArchiveLib*> archive_lib();

// Let `a` read tar, plain or compressed with gzip, zstd, xz or bzip2.
void support_compressed_tar(const ArchiveLib& lib, struct archive* a);

// An archive reader handle, freed on scope exit.
class ArchiveReader {
public:
    static Result<ArchiveReader> create();
    ArchiveReader(ArchiveReader&&) noexcept;
    ArchiveReader& operator=(ArchiveReader&&) = delete;
    ~ArchiveReader();
    struct archive* get() const { return a_; }
    const ArchiveLib& lib() const { return *lib_; }
    // libarchive's last error for this handle: "message" (or "unknown error").
    std::string error() const;

private:
    ArchiveReader(const ArchiveLib* lib, struct archive* a) : lib_(lib), a_(a) {}
    const ArchiveLib* lib_;
    struct archive* a_;
};

// A ByteSource as libarchive's input (archive_read_open's client, with `read` its callback); the
// source's own error is kept, since libarchive's message only echoes it.
struct ArchiveInput {
    ArchiveInput(ByteSource& s, size_t buffer) : src(s), buf(buffer) {}
    static la_ssize_t read(struct archive*, void* self, const void** out);
    ByteSource& src;
    std::vector<char> buf;
    std::optional<Error> error;
};

}  // namespace skiff::storage
