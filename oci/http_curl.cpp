// The HTTP client over libcurl, opened with dlopen: linking libcurl costs every skiff command ~15 ms
// of loader time (it pulls gnutls, krb5, ldap…), and the commands that run containers never need it.
// The prototypes come from <curl/curl.h>, so the function pointer table cannot drift from the ABI.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <vector>
#include <memory>
#include <map>
#include <mutex>

#include "skiff/base/fs.hpp"
#include "skiff/oci/http.hpp"

namespace skiff::oci::http {
namespace {

struct CurlApi {
    decltype(&curl_global_init) global_init = nullptr;
    decltype(&curl_easy_init) easy_init = nullptr;
    decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&curl_easy_reset) easy_reset = nullptr;
    decltype(&curl_easy_setopt) easy_setopt = nullptr;
    decltype(&curl_easy_perform) easy_perform = nullptr;
    decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&curl_easy_strerror) easy_strerror = nullptr;
    decltype(&curl_slist_append) slist_append = nullptr;
    decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

template <class F>
bool load_symbol(void* lib, const char* name, F& out) {
    out = reinterpret_cast<F>(dlsym(lib, name));
    return out != nullptr;
}

// Loaded once per process; the library stays loaded until exit.
Result<const CurlApi*> curl_api() {
    static std::once_flag once;
    static CurlApi api;
    static std::string failure;
    std::call_once(once, [] {
        void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            failure = std::string("loading libcurl.so.4 (install Debian's libcurl4): ") + dlerror();
            return;
        }
        bool ok = load_symbol(lib, "curl_global_init", api.global_init) &&
                  load_symbol(lib, "curl_easy_init", api.easy_init) &&
                  load_symbol(lib, "curl_easy_cleanup", api.easy_cleanup) &&
                  load_symbol(lib, "curl_easy_reset", api.easy_reset) &&
                  load_symbol(lib, "curl_easy_setopt", api.easy_setopt) &&
                  load_symbol(lib, "curl_easy_perform", api.easy_perform) &&
                  load_symbol(lib, "curl_easy_getinfo", api.easy_getinfo) &&
                  load_symbol(lib, "curl_easy_strerror", api.easy_strerror) &&
                  load_symbol(lib, "curl_slist_append", api.slist_append) &&
                  load_symbol(lib, "curl_slist_free_all", api.slist_free_all);
        if (!ok) {
            failure = std::string("loading libcurl.so.4: missing symbol: ") + dlerror();
            return;
        }
        if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) failure = "initialising libcurl failed";
    });
    if (!failure.empty()) return Error{ENOENT, failure};
    return &api;
}

int errno_for(CURLcode c) {
    switch (c) {
    case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return EHOSTUNREACH;
    case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return ECONNRESET;
    case CURLE_SEND_ERROR: return EPIPE;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return EINVAL;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE: return EPROTO;
    default: return EIO;
    }
}

struct SlistDeleter {
    const CurlApi* api;
    void operator()(curl_slist* l) const { api->slist_free_all(l); }
};

// State of one transfer, reached from curl's callbacks.
struct Transfer {
    Response* resp = nullptr;
    const BodySink* sink = nullptr;
    size_t max_body = 0;
    BodyReader* upload = nullptr;
    uint64_t skip = 0;  // bytes of a 200 answer to a Range request that the sink already has
    bool too_big = false;
    Error sink_error;
    bool sink_failed = false;
};

size_t on_header(char* data, size_t size, size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) {
        // A new response (after a redirect or a 100 Continue): forget the previous one's headers.
        t->resp->headers = Headers();
        size_t sp = line.find(' ');
        if (sp != std::string_view::npos) t->resp->status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
        return size * n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    t->resp->headers.add(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    size_t len = size * n;
    bool success = t->resp->status >= 200 && t->resp->status < 300;
    if (success && t->resp->status != 206 && t->skip > 0) {
        // The server ignored Range and sends the whole body: drop what the caller already has.
        size_t drop = static_cast<size_t>(std::min<uint64_t>(t->skip, len));
        t->skip -= drop;
        data += drop;
        len -= drop;
        if (len == 0) return size * n;
    }
    if (t->sink && success) {
        auto r = (*t->sink)(std::string_view(data, len));
        if (!r) {
            t->sink_error = r.take_error();
            t->sink_failed = true;
            return 0;  // aborts the transfer
        }
        return size * n;
    }
    if (t->resp->body.size() + len > t->max_body) {
        t->too_big = true;
        return 0;
    }
    t->resp->body.append(data, len);
    return size * n;
}

size_t on_read(char* buf, size_t size, size_t n, void* ud) {
    auto* t = static_cast<Transfer*>(ud);
    auto r = t->upload->read(buf, size * n);
    if (!r) {
        t->sink_error = r.take_error();
        t->sink_failed = true;
        return CURL_READFUNC_ABORT;
    }
    return *r;
}

class CurlClient : public Client {
public:
    CurlClient(const CurlApi* api, CURL* h) : api_(api), h_(h) {}
    ~CurlClient() override { api_->easy_cleanup(h_); }
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    Result<Response> send(const Request& req, const BodySink* sink, size_t max_body) override {
        // easy_reset keeps the connection cache, the DNS cache and TLS sessions: that is the reuse.
        api_->easy_reset(h_);
        Response resp;
        Transfer t;
        t.resp = &resp;
        t.sink = sink;
        t.max_body = max_body;
        t.upload = req.upload;

        auto set = api_->easy_setopt;
        set(h_, CURLOPT_URL, req.url.c_str());
        set(h_, CURLOPT_PROTOCOLS_STR, "http,https");
        set(h_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        set(h_, CURLOPT_NOSIGNAL, 1L);
        set(h_, CURLOPT_CONNECTTIMEOUT, 30L);
        // A stall of 60 s below 1 byte/s is a dead connection; a big layer may take as long as it takes.
        set(h_, CURLOPT_LOW_SPEED_LIMIT, 1L);
        set(h_, CURLOPT_LOW_SPEED_TIME, 60L);
        set(h_, CURLOPT_TCP_KEEPALIVE, 1L);
        set(h_, CURLOPT_ACCEPT_ENCODING, nullptr);  // blobs are digested as sent: no transparent decoding
        set(h_, CURLOPT_USERAGENT, "skiff/0.1");
        set(h_, CURLOPT_HEADERFUNCTION, on_header);
        set(h_, CURLOPT_HEADERDATA, &t);
        set(h_, CURLOPT_WRITEFUNCTION, on_body);
        set(h_, CURLOPT_WRITEDATA, &t);
        if (req.follow_redirects) {
            set(h_, CURLOPT_FOLLOWLOCATION, 1L);
            set(h_, CURLOPT_MAXREDIRS, 10L);
            // Credentials of the registry must not go to the storage host it redirects to.
            set(h_, CURLOPT_UNRESTRICTED_AUTH, 0L);
        }
        set(h_, CURLOPT_SSL_VERIFYPEER, req.tls.verify ? 1L : 0L);
        set(h_, CURLOPT_SSL_VERIFYHOST, req.tls.verify ? 2L : 0L);
        const std::string& cas = trusted_pem(req.tls);
        curl_blob ca_blob{const_cast<char*>(cas.data()), cas.size(), CURL_BLOB_NOCOPY};
        if (!cas.empty()) set(h_, CURLOPT_CAINFO_BLOB, &ca_blob);
        if (!req.tls.client_cert.empty()) set(h_, CURLOPT_SSLCERT, req.tls.client_cert.c_str());
        if (!req.tls.client_key.empty()) set(h_, CURLOPT_SSLKEY, req.tls.client_key.c_str());
        t.skip = req.range_start;

        if (req.method == "HEAD") {
            set(h_, CURLOPT_NOBODY, 1L);
        } else if (req.upload) {
            set(h_, CURLOPT_UPLOAD, 1L);
            set(h_, CURLOPT_READFUNCTION, on_read);
            set(h_, CURLOPT_READDATA, &t);
            if (req.upload_size != kUnknownLength)
                set(h_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
            if (req.method != "PUT") set(h_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
            set(h_, CURLOPT_POST, 1L);
            set(h_, CURLOPT_POSTFIELDS, req.body.data());
            set(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
            if (req.method != "POST") set(h_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        } else if (req.method != "GET") {
            set(h_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        }

        curl_slist* list = nullptr;
        std::vector<std::string> extra;
        if (req.range_start > 0) extra.push_back("Range: bytes=" + std::to_string(req.range_start) + "-");
        // Uploads: no "Expect: 100-continue" round trip; the registry answers the PUT directly.
        if (req.upload || !req.body.empty()) extra.push_back("Expect:");
        for (const auto& [name, value] : req.headers.fields()) extra.push_back(name + ": " + value);
        for (const auto& line : extra) {
            curl_slist* next = api_->slist_append(list, line.c_str());
            if (!next) {
                if (list) api_->slist_free_all(list);
                return Error{ENOMEM, req.method + " " + req.url + ": out of memory"};
            }
            list = next;
        }
        std::unique_ptr<curl_slist, SlistDeleter> headers(list, SlistDeleter{api_});
        if (list) set(h_, CURLOPT_HTTPHEADER, list);

        CURLcode rc = api_->easy_perform(h_);
        char* eff = nullptr;
        if (api_->easy_getinfo(h_, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) resp.effective_url = eff;
        long code = 0;
        if (api_->easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code) resp.status = static_cast<int>(code);

        std::string what = req.method + " " + req.url;
        if (t.sink_failed) return std::move(t.sink_error);
        if (t.too_big) return Error{EFBIG, what + ": response body larger than " + std::to_string(max_body) + " bytes"};
        if (rc != CURLE_OK) return Error{errno_for(rc), what + ": " + api_->easy_strerror(rc)};
        return resp;
    }

private:
    // The system bundle plus the extra CAs as one PEM blob (curl's CAINFO would replace the system
    // CAs, not add to them); empty when there are no extra ones. Built once per configuration.
    const std::string& trusted_pem(const TlsOptions& tls) {
        static const std::string kNone;
        if (tls.ca_dir.empty() && tls.ca_file.empty()) return kNone;
        std::string key = tls.ca_dir + "\n" + tls.ca_file;
        auto it = pem_cache_.find(key);
        if (it != pem_cache_.end()) return it->second;
        std::string pem;
        for (const char* bundle : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"}) {
            if (auto text = fs::read_file(bundle)) {
                pem = std::move(*text);
                break;
            }
        }
        auto append = [&](const std::string& path) {
            if (auto text = fs::read_file(path)) {
                pem += "\n";
                pem += *text;
            }
        };
        if (!tls.ca_dir.empty())
            if (auto names = fs::list_dir(tls.ca_dir))
                for (const auto& n : *names)
                    if (n.ends_with(".crt")) append(tls.ca_dir + "/" + n);
        if (!tls.ca_file.empty()) append(tls.ca_file);
        return pem_cache_.emplace(key, std::move(pem)).first->second;
    }

    std::map<std::string, std::string> pem_cache_;
    const CurlApi* api_;
    CURL* h_;
};

}  // namespace

Result<std::unique_ptr<Client>> make_client() {
    const CurlApi* api = TRY(curl_api());
    CURL* h = api->easy_init();
    if (!h) return Error{ENOMEM, "curl_easy_init failed"};
    return std::unique_ptr<Client>(std::make_unique<CurlClient>(api, h));
}

}  // namespace skiff::oci::http
