#include "skiff/oci/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

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

void init_digests_only() {
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                                  OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CONFIG,
                              nullptr);
}

struct Sha256::Impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t len) { EVP_DigestUpdate(impl_->ctx, data, len); }

Digest Sha256::finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(impl_->ctx, md, &len);
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
