// Compressing sinks. zlib and libzstd are opened with dlopen the first time a layer is compressed,
// as libarchive is, so the commands that never compress never load them.
#include <dlfcn.h>
#include <zlib.h>
#include <zstd.h>

#include <mutex>
#include <vector>

#include "compress.hpp"
#include "skiff/storage/layer_export.hpp"

namespace skiff::storage {

namespace {

constexpr size_t kOutSize = 1 << 18;

template <class F>
bool load_symbol(void* h, const char* name, F*& slot) {
    slot = reinterpret_cast<F*>(::dlsym(h, name));
    return slot != nullptr;
}

struct Zlib {
    decltype(&::deflateInit2_) init = nullptr;
    decltype(&::deflate) deflate = nullptr;
    decltype(&::deflateEnd) end = nullptr;
    std::string error;
};

const Zlib& zlib() {
    static const Zlib lib = [] {
        Zlib z;
        void* h = ::dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h || !load_symbol(h, "deflateInit2_", z.init) || !load_symbol(h, "deflate", z.deflate) ||
            !load_symbol(h, "deflateEnd", z.end))
            z.error = "load libz.so.1: not found (install Debian's zlib1g to compress layers with gzip)";
        return z;
    }();
    return lib;
}

struct Zstd {
    decltype(&::ZSTD_createCCtx) create = nullptr;
    decltype(&::ZSTD_freeCCtx) free = nullptr;
    decltype(&::ZSTD_CCtx_setParameter) set = nullptr;
    decltype(&::ZSTD_compressStream2) compress = nullptr;
    decltype(&::ZSTD_isError) is_error = nullptr;
    decltype(&::ZSTD_getErrorName) error_name = nullptr;
    decltype(&::ZSTD_createDCtx) create_d = nullptr;
    decltype(&::ZSTD_freeDCtx) free_d = nullptr;
    decltype(&::ZSTD_decompressStream) decompress = nullptr;
    std::string error;
};

const Zstd& zstd() {
    static const Zstd lib = [] {
        Zstd z;
        void* h = ::dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h || !load_symbol(h, "ZSTD_createCCtx", z.create) || !load_symbol(h, "ZSTD_freeCCtx", z.free) ||
            !load_symbol(h, "ZSTD_CCtx_setParameter", z.set) || !load_symbol(h, "ZSTD_compressStream2", z.compress) ||
            !load_symbol(h, "ZSTD_isError", z.is_error) || !load_symbol(h, "ZSTD_getErrorName", z.error_name) ||
            !load_symbol(h, "ZSTD_createDCtx", z.create_d) || !load_symbol(h, "ZSTD_freeDCtx", z.free_d) ||
            !load_symbol(h, "ZSTD_decompressStream", z.decompress))
            z.error = "load libzstd.so.1: not found (install Debian's libzstd1 to use zstd)";
        return z;
    }();
    return lib;
}

// One zstd stream (frames back to back) from `in`; a stream cut inside a frame is an error.
class ZstdSource : public ByteSource {
public:
    ZstdSource(const Zstd& lib, ByteSource& in) : lib_(lib), in_(in), buf_(kOutSize) {}
    ~ZstdSource() override {
        if (ctx_) lib_.free_d(ctx_);
    }

    Result<void> init() {
        ctx_ = lib_.create_d();
        if (!ctx_) return make_error("zstd: cannot create a decompressor");
        return {};
    }

    Result<size_t> read(char* out, size_t len) override {
        ZSTD_outBuffer o{out, len, 0};
        while (o.pos == 0 && len > 0) {
            if (in_pos_ == in_end_ && !eof_) {
                in_end_ = TRY(in_.read(buf_.data(), buf_.size()));
                in_pos_ = 0;
                eof_ = in_end_ == 0;
            }
            if (eof_ && in_pos_ == in_end_ && !in_frame_) return size_t{0};
            ZSTD_inBuffer i{buf_.data(), in_end_, in_pos_};
            size_t rc = lib_.decompress(ctx_, &o, &i);
            if (lib_.is_error(rc)) return make_error(std::string("zstd: ") + lib_.error_name(rc));
            bool progressed = i.pos != in_pos_ || o.pos != 0;
            in_pos_ = i.pos;
            in_frame_ = rc != 0;
            if (eof_ && !progressed && in_frame_) return make_error("zstd: the stream is truncated");
        }
        return o.pos;
    }

private:
    const Zstd& lib_;
    ByteSource& in_;
    ZSTD_DCtx* ctx_ = nullptr;
    std::vector<char> buf_;
    size_t in_pos_ = 0, in_end_ = 0;
    bool eof_ = false;
    bool in_frame_ = false;
};

class GzipSink : public ByteSink {
public:
    GzipSink(const Zlib& lib, ByteSink& next) : lib_(lib), next_(next), out_(kOutSize) {}
    ~GzipSink() override {
        if (ready_) lib_.end(&z_);
    }

    Result<void> init(int level) {
        // windowBits 15 + 16: a gzip wrapper with no name and a zero mtime, so output is reproducible.
        if (lib_.init(&z_, level < 0 ? 6 : level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                      static_cast<int>(sizeof z_)) != Z_OK)
            return make_error("gzip: cannot initialise the compressor (level " + std::to_string(level) + ")");
        ready_ = true;
        return {};
    }

    Result<void> write(std::string_view data) override { return run(data, Z_NO_FLUSH); }
    Result<void> close() override {
        TRY(run({}, Z_FINISH));
        return next_.close();
    }

private:
    Result<void> run(std::string_view data, int flush) {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z_.avail_in = static_cast<uInt>(data.size());
        for (;;) {
            z_.next_out = reinterpret_cast<Bytef*>(out_.data());
            z_.avail_out = static_cast<uInt>(out_.size());
            int rc = lib_.deflate(&z_, flush);
            if (rc == Z_STREAM_ERROR) return make_error("gzip: compression failed");
            size_t have = out_.size() - z_.avail_out;
            if (have) TRY(next_.write(std::string_view(out_.data(), have)));
            if (flush == Z_FINISH ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) return {};
        }
    }

    const Zlib& lib_;
    ByteSink& next_;
    z_stream z_{};
    bool ready_ = false;
    std::vector<char> out_;
};

class ZstdSink : public ByteSink {
public:
    ZstdSink(const Zstd& lib, ByteSink& next) : lib_(lib), next_(next), out_(kOutSize) {}
    ~ZstdSink() override {
        if (ctx_) lib_.free(ctx_);
    }

    Result<void> init(int level) {
        ctx_ = lib_.create();
        if (!ctx_) return make_error("zstd: cannot create a compressor");
        size_t rc = lib_.set(ctx_, ZSTD_c_compressionLevel, level < 0 ? 3 : level);
        if (lib_.is_error(rc)) return make_error(std::string("zstd: level ") + std::to_string(level) + ": " + lib_.error_name(rc));
        return {};
    }

    Result<void> write(std::string_view data) override { return run(data, ZSTD_e_continue); }
    Result<void> close() override {
        TRY(run({}, ZSTD_e_end));
        return next_.close();
    }

private:
    Result<void> run(std::string_view data, ZSTD_EndDirective mode) {
        ZSTD_inBuffer in{data.data(), data.size(), 0};
        for (;;) {
            ZSTD_outBuffer out{out_.data(), out_.size(), 0};
            size_t left = lib_.compress(ctx_, &out, &in, mode);
            if (lib_.is_error(left)) return make_error(std::string("zstd: ") + lib_.error_name(left));
            if (out.pos) TRY(next_.write(std::string_view(out_.data(), out.pos)));
            bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
            if (done) return {};
        }
    }

    const Zstd& lib_;
    ByteSink& next_;
    ZSTD_CCtx* ctx_ = nullptr;
    std::vector<char> out_;
};

class PassSink : public ByteSink {
public:
    explicit PassSink(ByteSink& next) : next_(next) {}
    Result<void> write(std::string_view data) override { return next_.write(data); }
    Result<void> close() override { return next_.close(); }

private:
    ByteSink& next_;
};

}  // namespace

Result<Compression> parse_compression(std::string_view s) {
    if (s == "gzip") return Compression::kGzip;
    if (s == "zstd") return Compression::kZstd;
    if (s == "none" || s == "uncompressed") return Compression::kNone;
    return make_error("unsupported compression format \"" + std::string(s) + "\": want gzip, zstd or none");
}

const char* compression_name(Compression c) {
    switch (c) {
        case Compression::kGzip: return "gzip";
        case Compression::kZstd: return "zstd";
        case Compression::kNone: break;
    }
    return "none";
}

Result<std::unique_ptr<ByteSink>> make_compressor(Compression c, int level, ByteSink& next) {
    switch (c) {
        case Compression::kGzip: {
            const Zlib& lib = zlib();
            if (!lib.error.empty()) return make_error(lib.error);
            if (level > 9) return make_error("gzip: compression level " + std::to_string(level) + " is out of range 0-9");
            auto s = std::make_unique<GzipSink>(lib, next);
            TRY(s->init(level));
            return std::unique_ptr<ByteSink>(std::move(s));
        }
        case Compression::kZstd: {
            const Zstd& lib = zstd();
            if (!lib.error.empty()) return make_error(lib.error);
            if (level > 22) return make_error("zstd: compression level " + std::to_string(level) + " is out of range 1-22");
            auto s = std::make_unique<ZstdSink>(lib, next);
            TRY(s->init(level));
            return std::unique_ptr<ByteSink>(std::move(s));
        }
        case Compression::kNone: break;
    }
    return std::unique_ptr<ByteSink>(std::make_unique<PassSink>(next));
}

Result<std::unique_ptr<ByteSource>> make_zstd_reader(ByteSource& in) {
    const Zstd& lib = zstd();
    if (!lib.error.empty()) return make_error(lib.error);
    auto s = std::make_unique<ZstdSource>(lib, in);
    TRY(s->init());
    return std::unique_ptr<ByteSource>(std::move(s));
}

}  // namespace skiff::storage
