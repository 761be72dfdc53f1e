#include "skiff/oci/digest.hpp"

#include "skiff/base/strings.hpp"

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
    if (!str::is_lower_hex(hex))
        return make_error("invalid digest \"" + std::string(s) + "\": not lowercase hex");
    return Digest{std::string(alg), std::string(hex)};
}

Digest sha256_of(std::string_view data) { return Digest{"sha256", sha256::hex_of(data)}; }

}  // namespace skiff::oci
