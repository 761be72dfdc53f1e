#include "gunzip.hpp"

#include <dlfcn.h>
#include <isa-l/igzip_lib.h>

#include <string>
#include <vector>

namespace skiff::storage {

namespace {

struct IsalLib {
    void (*inflate_init)(struct inflate_state*) = nullptr;
    void (*inflate_reset)(struct inflate_state*) = nullptr;
    int (*inflate)(struct inflate_state*) = nullptr;
};

// Loaded once; null functions when the library is not installed.
const IsalLib& isal() {
    static const IsalLib lib = [] {
        IsalLib l;
        void* h = ::dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
        if (!h) return l;
        l.inflate_init = reinterpret_cast<void (*)(struct inflate_state*)>(::dlsym(h, "isal_inflate_init"));
        l.inflate_reset = reinterpret_cast<void (*)(struct inflate_state*)>(::dlsym(h, "isal_inflate_reset"));
        l.inflate = reinterpret_cast<int (*)(struct inflate_state*)>(::dlsym(h, "isal_inflate"));
        if (!l.inflate_init || !l.inflate_reset || !l.inflate) l = IsalLib{};
        return l;
    }();
    return lib;
}

constexpr size_t kInputSize = 1 << 18;

class IsalGunzip : public ByteSource {
public:
    IsalGunzip(ByteSource& in, const IsalLib& lib) : in_(in), lib_(lib), buf_(kInputSize) {
        state_ = std::make_unique<inflate_state>();
        lib_.inflate_init(state_.get());
        state_->crc_flag = ISAL_GZIP;
    }

    Result<size_t> read(char* out, size_t len) override {
        if (len == 0 || done_) return size_t{0};
        inflate_state& s = *state_;
        s.next_out = reinterpret_cast<uint8_t*>(out);
        s.avail_out = static_cast<uint32_t>(std::min<size_t>(len, UINT32_MAX));
        for (;;) {
            if (s.block_state == ISAL_BLOCK_FINISH) {
                // One member ends; another may follow (concatenated gzip), else the stream ends.
                if (s.avail_in == 0 && !eof_) TRY(refill());
                if (s.avail_in == 0) {
                    done_ = true;
                    break;
                }
                lib_.inflate_reset(&s);
                s.crc_flag = ISAL_GZIP;
            }
            if (s.avail_in == 0 && !eof_) TRY(refill());
            int r = lib_.inflate(&s);
            if (r != ISAL_DECOMP_OK) return make_error("gzip: corrupt data (igzip error " + std::to_string(r) + ")");
            if (s.avail_out == 0) break;
            if (s.block_state != ISAL_BLOCK_FINISH && s.avail_in == 0 && eof_)
                return make_error("gzip: unexpected end of data");
        }
        return len - s.avail_out;
    }

private:
    // More compressed input; false at the end of the stream.
    Result<bool> refill() {
        size_t n = TRY(in_.read(buf_.data(), buf_.size()));
        if (n == 0) {
            eof_ = true;
            return false;
        }
        state_->next_in = reinterpret_cast<uint8_t*>(buf_.data());
        state_->avail_in = static_cast<uint32_t>(n);
        return true;
    }

    ByteSource& in_;
    const IsalLib& lib_;
    std::vector<char> buf_;
    std::unique_ptr<inflate_state> state_;
    bool eof_ = false;
    bool done_ = false;
};

}  // namespace

bool looks_gzip(std::string_view head) {
    return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
}

std::unique_ptr<ByteSource> isal_gunzip(ByteSource& compressed) {
    const IsalLib& lib = isal();
    if (!lib.inflate) return nullptr;
    return std::make_unique<IsalGunzip>(compressed, lib);
}

}  // namespace skiff::storage
