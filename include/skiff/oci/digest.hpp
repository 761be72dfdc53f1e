// Content digests ("sha256:<64 hex>"): parsing with validation, and SHA-256 hashing (libcrypto).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"

namespace skiff::oci {

struct Digest {
    std::string algorithm;  // only "sha256" is accepted
    std::string hex;        // 64 lowercase hex digits
    std::string str() const { return algorithm + ":" + hex; }
    bool operator==(const Digest&) const = default;
};

// Validates form and algorithm: "sha256:" followed by exactly 64 lowercase hex digits.
Result<Digest> parse_digest(std::string_view s);

// Streaming SHA-256.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    Digest finish();  // call once

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view data);

}  // namespace skiff::oci
