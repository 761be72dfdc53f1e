// The HTTP seam of the registry client: a transport-neutral request/response interface, so the
// registry, auth and pull/push code never see curl, and unit tests can drive them with a fake.
//
// One Client keeps one connection cache: requests sent through the same Client reuse connections.
// A Client is not thread-safe; use one per thread (make_client is cheap after the first call).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::oci::http {

// Header fields in the order received; names compared without regard to case.
class Headers {
public:
    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
    // Replaces every field of that name.
    void set(std::string_view name, std::string value);
    // The first value of `name`, or empty.
    std::string get(std::string_view name) const;
    // Every value of `name` (WWW-Authenticate may come several times).
    std::vector<std::string> get_all(std::string_view name) const;
    bool has(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

// Case-insensitive ASCII comparison, as header names and auth schemes compare.
bool iequals(std::string_view a, std::string_view b);

struct TlsOptions {
    bool verify = true;          // --tls-verify=false turns off peer and host verification
    std::string ca_dir;          // a certs.d directory: its *.crt files are trusted besides the system CAs
    std::string ca_file;         // an extra PEM bundle trusted besides the system CAs
    std::string client_cert;     // PEM client certificate, empty: none
    std::string client_key;      // PEM key of client_cert
};

// A request body read as it is sent (an upload of a blob). Same contract as storage::ByteSource:
// up to `len` bytes into `buf`, 0 at the end.
class BodyReader {
public:
    virtual ~BodyReader() = default;
    virtual Result<size_t> read(char* buf, size_t len) = 0;
};

inline constexpr uint64_t kUnknownLength = UINT64_MAX;

struct Request {
    std::string method = "GET";   // GET HEAD PUT POST PATCH DELETE
    std::string url;              // absolute: https://host:port/v2/...
    Headers headers;
    std::string body;             // sent when `upload` is null and body is non-empty (or method is PUT/POST/PATCH)
    BodyReader* upload = nullptr; // streamed body; not owned
    uint64_t upload_size = kUnknownLength;  // Content-Length of `upload`; unknown: chunked encoding
    uint64_t range_start = 0;     // >0: "Range: bytes=N-" (resuming a blob); a server that answers 200
                                  // anyway has its first N bytes dropped, so the sink always gets N on
    bool follow_redirects = false;  // blob GETs: registries redirect to storage
    TlsOptions tls;
};

struct Response {
    int status = 0;
    Headers headers;
    std::string body;           // the collected body (see Client::send)
    std::string effective_url;  // the last URL after redirects
};

// Receives body bytes as they arrive; an error aborts the transfer and is returned by send.
using BodySink = std::function<Result<void>(std::string_view chunk)>;

// Transport failures are Errors whose `code` says whether a retry may help:
// ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, EPIPE (transient); EPROTO (TLS or protocol),
// EINVAL (bad URL), ENOENT (libcurl missing), others (permanent).
bool is_transient(const Error& e);

class Client {
public:
    virtual ~Client() = default;
    // Sends `req`. When `sink` is given, the body of a 2xx response goes to it and Response::body
    // stays empty; otherwise (and always for non-2xx responses) the body is collected into
    // Response::body, up to `max_body` bytes (more is an error naming the URL).
    virtual Result<Response> send(const Request& req, const BodySink* sink = nullptr,
                                  size_t max_body = 4 << 20) = 0;
};

// The libcurl client (libcurl.so.4 opened with dlopen on first use; a clear error when it is
// missing). Proxies come from the environment; connect and stall timeouts, none on whole transfers.
Result<std::unique_ptr<Client>> make_client();

// Percent-encode a query component (scope values, mount parameters).
std::string url_encode(std::string_view s);

}  // namespace skiff::oci::http
