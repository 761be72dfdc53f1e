// SHA-256 (libcrypto's own, statically linked) with lowercase hex out: the one hash every module
// uses, for content digests, cache keys and encoded names. oci's typed Digest is built on it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace skiff::sha256 {

// Streaming: update() any number of times, then finish_hex() once.
class Hasher {
public:
    Hasher();
    ~Hasher();
    Hasher(Hasher&&) noexcept;
    Hasher& operator=(Hasher&&) noexcept;
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::string finish_hex();  // 64 lowercase hex digits

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The 64 lowercase hex digits of data's SHA-256.
std::string hex_of(std::string_view data);

}  // namespace skiff::sha256
