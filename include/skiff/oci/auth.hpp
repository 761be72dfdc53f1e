// Registry authentication: WWW-Authenticate challenges, the Bearer token flow and Basic, and the
// credentials file (auth.json) shared with podman, skopeo and buildah.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/http.hpp"

namespace skiff::oci {

// One challenge of a WWW-Authenticate header: `Bearer realm="https://…",service="…",scope="…"`.
struct AuthChallenge {
    std::string scheme;                         // as sent; compare with http::iequals
    std::map<std::string, std::string> params;  // names lower-cased, values unquoted
    std::string param(const std::string& name) const;
};

// Every challenge of one header value (RFC 7235: several challenges, comma-separated, quoted
// strings with backslash escapes, commas inside quotes). A malformed value is an error.
Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view value);

struct Credentials {
    std::string username;
    std::string password;
    std::string identity_token;  // an OAuth refresh token (auth.json "identitytoken"), rarely set
    bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);

// ---- auth.json ----

// The file `skiff login` writes: --authfile, else $REGISTRY_AUTH_FILE, else
// ${XDG_RUNTIME_DIR}/containers/auth.json (root without XDG_RUNTIME_DIR: /run/containers/0/auth.json).
std::string default_auth_file(const std::string& authfile_flag = "");

// The files read for credentials, in order: --authfile or $REGISTRY_AUTH_FILE alone when given;
// otherwise the default file, $XDG_CONFIG_HOME/containers/auth.json (~/.config/…), ~/.docker/config.json.
std::vector<std::string> auth_files_to_read(const std::string& authfile_flag = "");

// Credentials for `registry` (host[:port]) and `repository` from `files`: the most specific key
// wins ("host/ns/repo", then "host/ns", then "host"); docker's legacy keys ("https://index.docker.io/v1/")
// are matched by their host. Nothing found: nullopt.
Result<std::optional<Credentials>> find_credentials(const std::vector<std::string>& files, std::string_view registry,
                                                    std::string_view repository = "");

// Add or replace `key`'s entry in `file` (created with mode 0600 in a 0700 directory), keeping
// every other entry and field of the file.
Result<void> store_credentials(const std::string& file, const std::string& key, const Credentials& c);
// Remove `key`'s entry; false when there was none.
Result<bool> remove_credentials(const std::string& file, const std::string& key);
// Remove every entry; false when there was none.
Result<bool> remove_all_credentials(const std::string& file);

// ---- the token flow ----

// Answers registry 401s: parses the challenge, fetches a Bearer token for the scope (anonymously,
// or with the credentials as Basic auth), or uses Basic directly. Tokens are cached per scope for the
// life of the object (one invocation). Not thread-safe: one per Registry client.
class Authorizer {
public:
    Authorizer(http::Client& client, std::optional<Credentials> creds, http::TlsOptions token_tls = {})
        : client_(client), creds_(std::move(creds)), token_tls_(std::move(token_tls)) {}

    // The Authorization header value for a request needing `scope`, or empty when none is known yet.
    std::string header_for(const std::string& scope) const;

    // After a 401 on a request needing `scope`: get what the challenge asks for. Errors:
    // "authentication required" (no credentials and the registry wants them), "unauthorized:
    // incorrect username or password" (rejected), token server failures naming the realm.
    Result<void> answer(const http::Response& unauthorized, const std::string& scope);

    bool has_credentials() const { return creds_ && !creds_->empty(); }

private:
    Result<std::string> fetch_token(const AuthChallenge& c, const std::string& scope);

    http::Client& client_;
    std::optional<Credentials> creds_;
    http::TlsOptions token_tls_;
    std::map<std::string, std::string> by_scope_;  // scope → "Bearer …" or "Basic …"
    std::string basic_;                            // set once the registry asked for Basic
};

}  // namespace skiff::oci
