// A client for one repository of one registry (the distribution API, /v2/): manifests, blobs,
// uploads, cross-repository mounts. Handles 401 → token → retry, and retries 429/5xx/connection
// errors with backoff. Errors read as podman's: "reading manifest latest in host/repo: manifest unknown".
//
// Not thread-safe (it owns an Authorizer and uses one http::Client): one Registry per thread; each
// thread's Registry shares nothing but what the caller gives it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/auth.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/reference.hpp"

namespace skiff::oci {

// A hit of Docker's v1 search endpoint.
struct SearchHit {
    std::string name;
    std::string description;
    int stars = 0;
    bool official = false;
    bool automated = false;
};

struct RegistryOptions {
    std::string registry;                // as in the reference: "docker.io", "127.0.0.1:5000"
    std::string endpoint;                // host[:port] actually contacted; empty: from `registry`
    bool insecure = false;               // plain http allowed (and TLS unverified), as --tls-verify=false
    http::TlsOptions tls;
    std::optional<Credentials> credentials;
    int max_attempts = 5;                // for 429, 5xx and connection errors
    unsigned backoff_ms = 250;           // first delay; doubles each attempt
};

// The manifest accept list podman sends: OCI and Docker manifests and indexes (and schema 1, so it
// can be refused with a clear message rather than a 404).
extern const char* const kManifestAccept;

class Registry {
public:
    Registry(http::Client& client, RegistryOptions opts, std::string repository);

    const std::string& repository() const { return repository_; }
    // "host/repository" as messages name it.
    std::string name() const;

    // GET /v2/: reachable, and the credentials (if any) accepted.
    Result<void> ping();

    // The manifest for a tag or "sha256:…". A digest reference is checked against the bytes;
    // more than kMaxManifestBytes is refused.
    Result<ManifestBytes> get_manifest(const std::string& tag_or_digest);

    // Size of the blob when the repository has it, nullopt when not (404).
    Result<std::optional<uint64_t>> head_blob(const std::string& digest);

    // Stream a blob from byte `offset` into `sink`. Connection errors resume with Range where the
    // registry honours it. The caller verifies the digest of what it received.
    Result<void> get_blob(const std::string& digest, uint64_t offset, const http::BodySink& sink);
    // A small blob (a config) whole, checked against its digest.
    Result<std::string> fetch_blob(const std::string& digest, size_t max_size = 64 << 20);

    // Uploads: start → (chunks) → finish. The location returned by each step is passed to the next.
    Result<std::string> start_upload();
    Result<std::string> upload_chunk(const std::string& location, std::string_view data, uint64_t offset);
    // The closing PUT; with a `body` the rest of the blob (all of it: a monolithic upload) goes in it.
    Result<void> finish_upload(const std::string& location, const std::string& digest, std::string_view body = {});
    // Cross-repository mount: true when the registry mounted it, false when it started an upload
    // instead (its location in *upload_location, if given).
    Result<bool> mount_blob(const std::string& digest, const std::string& from_repository,
                            std::string* upload_location = nullptr);

    // PUT a manifest under a tag or digest; returns the digest of the bytes.
    Result<std::string> put_manifest(const std::string& tag_or_digest, std::string_view bytes,
                                     const std::string& media_type);

    // The registry's repositories (GET /v2/_catalog), one page: `next` is "" for the first, else
    // what the previous page gave. The page's `next` is the Link header's target, "" after the last.
    struct CatalogPage {
        std::vector<std::string> repositories;
        std::string next;
    };
    Result<CatalogPage> catalog(const std::string& next = "");
    // Every tag of the repository (GET /v2/REPO/tags/list, all pages).
    Result<std::vector<std::string>> list_tags();
    // Docker's v1 search (GET /v1/search?q=TERM&n=LIMIT), which Docker Hub answers and distribution
    // registries do not: the hits, or nullopt when the registry does not answer it.
    Result<std::optional<std::vector<SearchHit>>> v1_search(const std::string& term, int limit);

private:
    std::string base_url() const;
    std::string origin() const;
    // GET a JSON document of the /v2/ API at `path_and_query` (relative to the origin); its body
    // and the path of the next page from a Link header ("" when none).
    Result<std::pair<std::string, std::string>> get_page(const std::string& path_and_query, const std::string& scope,
                                                         const std::string& what);
    std::string resolve_location(const std::string& location) const;
    // Send with auth answered and transient failures retried. `scope` is the token scope the
    // request needs.
    Result<http::Response> send(http::Request req, const std::string& scope, const http::BodySink* sink = nullptr,
                                size_t max_body = 1 << 20);
    std::string pull_scope() const;
    std::string push_scope() const;

    http::Client& client_;
    RegistryOptions opts_;
    std::string repository_;
    Authorizer auth_;
    bool use_http_ = false;  // insecure registry that answered plain http
};

struct RegistriesConf;

// What the user said about reaching registries (pull/push/login flags).
struct RegistryAccess {
    std::string authfile;                    // --authfile
    std::string cert_dir;                    // --cert-dir
    std::optional<bool> tls_verify;          // --tls-verify; unset: registries.conf decides
    std::optional<Credentials> credentials;  // --creds; unset: from the auth files
    std::optional<int> retries;              // --retry: retries after the first attempt
    std::optional<unsigned> retry_delay_ms;  // --retry-delay: the first wait (then doubling)
};

// One place to fetch a reference from: options for a Registry and the repository there.
struct RegistryTarget {
    RegistryOptions options;
    std::string repository;
};

// Connections to one target, each a client and a Registry with the tokens it has earned, lent to one
// thread at a time: parallel transfers of many blobs reuse connections (and TLS sessions) and
// tokens instead of making their own. A connection that failed is not given back.
class RegistryPool {
public:
    struct Conn {
        std::unique_ptr<http::Client> client;
        std::unique_ptr<Registry> registry;
    };
    explicit RegistryPool(RegistryTarget target) : target_(std::move(target)) {}
    const RegistryTarget& target() const { return target_; }
    Result<std::unique_ptr<Conn>> borrow();
    void give_back(std::unique_ptr<Conn> c);

private:
    RegistryTarget target_;
    std::mutex mu_;
    std::vector<std::unique_ptr<Conn>> idle_;
};

// Where a fully qualified reference is pulled from, in order (mirrors first, then the location
// registries.conf rewrites it to), each with its TLS (certs.d), insecure flag and credentials
// (auth.json looked up for the host actually contacted) resolved. Errors: a blocked registry,
// unreadable auth files.
Result<std::vector<RegistryTarget>> registry_targets(const RegistriesConf& conf, const Reference& ref,
                                                     const RegistryAccess& access);

// A registry itself (its catalog, its search) with `repository` there: TLS, insecure flag and
// credentials resolved as for a pull, without mirrors or rewrites.
Result<RegistryTarget> registry_target(const RegistriesConf& conf, const std::string& registry,
                                       const std::string& repository, const RegistryAccess& access);

// The one target a push goes to (no mirrors: registries.conf's location rewrite only).
Result<RegistryTarget> push_target(const RegistriesConf& conf, const Reference& ref, const RegistryAccess& access);

// The text of a registry's error body ({"errors":[{"code","message"}]}), as podman prints it:
// "manifest unknown", "unauthorized: authentication required"; empty when the body has none.
std::string registry_error_text(std::string_view body);

}  // namespace skiff::oci
