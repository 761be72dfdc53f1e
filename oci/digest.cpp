#include "skiff/oci/digest.hpp"

// OpenSSL's own SHA-256 (the same assembly EVP ends in), not EVP: statically linked, EVP would
// bring its provider machinery and hundreds of kB of pointer tables that every process relocates
// at start, and a call through it costs a fetch and an allocation.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace skiff::oci {

Result<Digest> parse_digest(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos)
        return make_error("invalid digest \"" + std::string(s) + "\": no algorithm");
    std::string_view alg = s.substr(0, colon), hex = s.substr(colon + 1);
    if (alg != "sha256")
        return make_error("invalid digest \"" + std::string(s) + "\": unsupported algorithm \"" +
                          std::string(alg) + "\"");
    if (hex.size() != 64)
        return make_error("invalid digest \"" + std::string(s) + "\": want 64 hex digits");
    for (char c : hex)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return make_error("invalid digest \"" + std::string(s) + "\": not lowercase hex");
    return Digest{std::string(alg), std::string(hex)};
}

struct Sha256::Impl {
    SHA256_CTX ctx;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { SHA256_Init(&impl_->ctx); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t len) { SHA256_Update(&impl_->ctx, data, len); }

Digest Sha256::finish() {
    unsigned char md[SHA256_DIGEST_LENGTH];
    constexpr unsigned len = SHA256_DIGEST_LENGTH;
    SHA256_Final(md, &impl_->ctx);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        hex += kHex[md[i] >> 4];
        hex += kHex[md[i] & 15];
    }
    return Digest{"sha256", std::move(hex)};
}

Digest sha256_of(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.finish();
}

}  // namespace skiff::oci
