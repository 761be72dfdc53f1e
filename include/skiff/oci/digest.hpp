// Content digests ("sha256:<64 hex>"): parsing with validation, and typed hashing over base's SHA-256.
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/base/sha256.hpp"

namespace skiff::oci {

struct Digest {
    std::string algorithm;  // only "sha256" is accepted
    std::string hex;        // 64 lowercase hex digits
    std::string str() const { return algorithm + ":" + hex; }
    bool operator==(const Digest&) const = default;
};

// Validates form and algorithm: "sha256:" followed by exactly 64 lowercase hex digits.
Result<Digest> parse_digest(std::string_view s);

// Streaming SHA-256 whose result is a Digest.
class Sha256 {
public:
    void update(const void* data, size_t len) { hasher_.update(data, len); }
    void update(std::string_view s) { hasher_.update(s); }
    Digest finish() { return Digest{"sha256", hasher_.finish_hex()}; }  // call once

private:
    sha256::Hasher hasher_;
};

Digest sha256_of(std::string_view data);

}  // namespace skiff::oci
