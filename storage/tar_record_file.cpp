// Tells the tar-split recorder what libarchive made of each entry.
#include "tar_record_file.hpp"

namespace skiff::storage {

void confirm_entry(const ArchiveLib& lib, struct archive_entry* e, TarRecorder& recorder) {
    const char* name = lib.archive_entry_pathname(e);
    if (!name) name = lib.archive_entry_pathname_utf8(e);
    bool hardlink = lib.archive_entry_hardlink(e) || lib.archive_entry_hardlink_utf8(e);
    la_int64_t size = lib.archive_entry_size(e);
    recorder.confirm(name ? name : "", lib.archive_entry_filetype(e) == AE_IFREG && !hardlink,
                     size < 0 ? 0 : static_cast<uint64_t>(size));
}

}  // namespace skiff::storage
