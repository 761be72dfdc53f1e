// login and logout: credentials checked against the registry, then kept in auth.json.
#pragma once

#include <optional>
#include <string>

#include "skiff/base/result.hpp"

namespace skiff::engine {

struct LoginOptions {
    std::string registry;          // "host[:port]" or "host[:port]/namespace"; a URL's scheme is dropped
    std::string username;
    std::string password;
    std::string authfile;          // --authfile
    std::string cert_dir;          // --cert-dir
    std::optional<bool> tls_verify;  // unset: verify unless registries.conf marks the registry insecure
};

// The auth.json key for what the user typed: "https://host:5000/v2/" → "host:5000".
std::string login_key(std::string_view registry);

// Check the credentials against the registry (GET /v2/, answering its challenge), then store them;
// the auth file written. Wrong credentials: an error naming the registry, and nothing written.
Result<std::string> login(const LoginOptions& opts);

// The user name stored for `registry`; an error "not logged into REGISTRY" when there is none.
Result<std::string> get_login(const std::string& registry, const std::string& authfile);

// Remove the credentials of `registry` (or all of them) from the auth file; an error
// "not logged into REGISTRY" when there were none.
Result<void> logout(const std::string& registry, bool all, const std::string& authfile);

}  // namespace skiff::engine
