#include "skiff/base/sha256.hpp"

// OpenSSL's own SHA-256 (the same assembly EVP ends in), not EVP: statically linked, EVP would
// bring its provider machinery and hundreds of kB of pointer tables that every process relocates
// at start, and a call through it costs a fetch and an allocation.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace skiff::sha256 {

struct Hasher::Impl {
    SHA256_CTX ctx;
};

Hasher::Hasher() : impl_(std::make_unique<Impl>()) { SHA256_Init(&impl_->ctx); }
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, size_t len) { SHA256_Update(&impl_->ctx, data, len); }

std::string Hasher::finish_hex() {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &impl_->ctx);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * SHA256_DIGEST_LENGTH);
    for (unsigned char byte : md) {
        hex += kHex[byte >> 4];
        hex += kHex[byte & 15];
    }
    return hex;
}

std::string hex_of(std::string_view data) {
    Hasher h;
    h.update(data);
    return h.finish_hex();
}

}  // namespace skiff::sha256
