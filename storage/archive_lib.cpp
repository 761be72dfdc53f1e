#include "archive_lib.hpp"

#include <dlfcn.h>

#include <mutex>

namespace skiff::storage {

namespace {

constexpr const char* kLibrary = "libarchive.so.13";

struct Loaded {
    ArchiveLib lib;
    std::string error;  // empty when every symbol was found
};

Loaded load() {
    Loaded out;
    void* h = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = ::dlerror();
        out.error = std::string("load ") + kLibrary + ": " + (e ? e : "not found") +
                    " (install Debian's libarchive13 to read layers and archives)";
        return out;
    }
#define SKIFF_ARCHIVE_LOAD(name)                                                       \
    out.lib.name = reinterpret_cast<decltype(out.lib.name)>(::dlsym(h, #name));        \
    if (!out.lib.name && out.error.empty()) out.error = std::string("load ") + kLibrary + ": no symbol " #name;
    SKIFF_ARCHIVE_FUNCTIONS(SKIFF_ARCHIVE_LOAD)
#undef SKIFF_ARCHIVE_LOAD
    return out;  // the handle stays open for the life of the process
}

}  // namespace

Result<const ArchiveLib*> archive_lib() {
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = load(); });
    if (!loaded.error.empty()) return make_error(loaded.error);
    return &loaded.lib;
}

void support_compressed_tar(const ArchiveLib& lib, struct archive* a) {
    lib.archive_read_support_filter_gzip(a);
    lib.archive_read_support_filter_zstd(a);
    lib.archive_read_support_filter_xz(a);
    lib.archive_read_support_filter_bzip2(a);
    lib.archive_read_support_format_tar(a);
}

Result<ArchiveReader> ArchiveReader::create() {
    const ArchiveLib* lib = TRY(archive_lib());
    struct archive* a = lib->archive_read_new();
    if (!a) return make_error("archive_read_new: out of memory");
    return ArchiveReader(lib, a);
}

ArchiveReader::ArchiveReader(ArchiveReader&& o) noexcept : lib_(o.lib_), a_(o.a_) { o.a_ = nullptr; }

ArchiveReader::~ArchiveReader() {
    if (a_) lib_->archive_read_free(a_);
}

std::string ArchiveReader::error() const {
    const char* e = lib_->archive_error_string(a_);
    return e ? e : "unknown error";
}

la_ssize_t ArchiveInput::read(struct archive*, void* self, const void** out) {
    auto* in = static_cast<ArchiveInput*>(self);
    auto n = in->src.read(in->buf.data(), in->buf.size());
    if (!n.ok()) {
        in->error = n.take_error();
        return -1;
    }
    *out = in->buf.data();
    return static_cast<la_ssize_t>(*n);
}

}  // namespace skiff::storage
