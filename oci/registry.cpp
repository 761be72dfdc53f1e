// The distribution API client: one repository, auth answered, transient failures retried.
#include "skiff/oci/registry.hpp"

#include <cerrno>
#include <cstdlib>

#include <rapidjson/document.h>

#include "skiff/base/json_record.hpp"
#include "skiff/base/time.hpp"
#include "skiff/oci/digest.hpp"

namespace skiff::oci {

const char* const kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws, application/vnd.docker.distribution.manifest.v1+json";

namespace {

std::string lower_words(std::string_view code) {
    std::string out(code);
    for (char& c : out) {
        if (c == '_') c = ' ';
        else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool retryable_status(int status) { return status == 429 || status == 408 || (status >= 500 && status <= 599); }

// Retry-After in seconds (the date form is not worth parsing), capped so a bad value cannot hang us.
unsigned retry_after_ms(const http::Headers& h, unsigned fallback) {
    std::string v = h.get("Retry-After");
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return fallback;
    unsigned long s = std::strtoul(v.c_str(), nullptr, 10);
    if (s > 30) s = 30;
    return static_cast<unsigned>(s * 1000);
}

std::string status_text(const http::Response& r) {
    std::string text = registry_error_text(r.body);
    if (!text.empty()) return text;
    if (r.status == 401) return "unauthorized: authentication required";
    if (r.status == 403) return "denied: requested access to the resource is denied";
    if (r.status == 404) return "not found";
    return "StatusCode: " + std::to_string(r.status);
}

}  // namespace

std::string registry_error_text(std::string_view body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return {};
    auto it = doc.FindMember("errors");
    if (it == doc.MemberEnd() || !it->value.IsArray() || it->value.Empty()) return {};
    std::string out;
    for (auto& e : it->value.GetArray()) {
        if (!e.IsObject()) continue;
        std::string code = lower_words(json::get_string(e, "code"));
        std::string message = json::get_string(e, "message");
        std::string one;
        if (code.empty()) one = message;
        else if (message.empty() || lower_words(message) == code) one = code;
        else one = code + ": " + message;
        if (one.empty()) continue;
        if (!out.empty()) out += "; ";
        out += one;
    }
    return out;
}

Registry::Registry(http::Client& client, RegistryOptions opts, std::string repository)
    : client_(client), opts_(std::move(opts)), repository_(std::move(repository)),
      auth_(client, opts_.credentials, opts_.tls) {
    if (opts_.endpoint.empty())
        opts_.endpoint = opts_.registry == "docker.io" ? "registry-1.docker.io" : opts_.registry;
    if (opts_.insecure) opts_.tls.verify = false;
    if (opts_.max_attempts < 1) opts_.max_attempts = 1;
}

std::string Registry::name() const { return opts_.registry + "/" + repository_; }

std::string Registry::origin() const { return (use_http_ ? "http://" : "https://") + opts_.endpoint; }

std::string Registry::base_url() const { return origin() + "/v2/"; }

std::string Registry::pull_scope() const { return "repository:" + repository_ + ":pull"; }
std::string Registry::push_scope() const { return "repository:" + repository_ + ":pull,push"; }

std::string Registry::resolve_location(const std::string& location) const {
    if (location.starts_with("http://") || location.starts_with("https://")) return location;
    if (location.starts_with("/")) return origin() + location;
    return base_url() + location;
}

Result<http::Response> Registry::send(http::Request req, const std::string& scope, const http::BodySink* sink,
                                      size_t max_body) {
    req.tls = opts_.tls;
    const http::Headers base_headers = req.headers;
    bool answered = false;
    unsigned delay = opts_.backoff_ms;
    for (int attempt = 1;; ++attempt) {
        req.headers = base_headers;
        std::string authz = auth_.header_for(scope);
        if (!authz.empty()) req.headers.set("Authorization", authz);
        auto r = client_.send(req, sink, max_body);
        if (!r) {
            Error e = r.take_error();
            // An insecure registry may speak plain http: podman falls back to it when TLS fails.
            std::string https_base = "https://" + opts_.endpoint + "/";
            if (opts_.insecure && !use_http_ && req.url.starts_with(https_base) &&
                (e.code == EPROTO || e.code == ECONNRESET || e.code == EIO)) {
                use_http_ = true;
                req.url = "http://" + req.url.substr(8);
                continue;
            }
            // A body already partly streamed cannot be replayed here; the caller resumes it.
            if (!sink && !req.upload && http::is_transient(e) && attempt < opts_.max_attempts) {
                sleep_ms(delay);
                delay *= 2;
                continue;
            }
            return e;
        }
        http::Response resp = r.take();
        if (resp.status == 401 && !answered) {
            answered = true;
            TRY(auth_.answer(resp, scope));
            if (req.upload) return resp;  // an upload body was consumed: the caller restarts it
            --attempt;
            continue;
        }
        if (retryable_status(resp.status) && attempt < opts_.max_attempts && !req.upload) {
            sleep_ms(retry_after_ms(resp.headers, delay));
            delay *= 2;
            continue;
        }
        return resp;
    }
}

Result<void> Registry::ping() {
    http::Request req;
    req.url = base_url();
    // No repository scope: the registry-wide challenge decides (a token with no scope, or Basic).
    auto resp = TRY_CTX(send(req, ""), "pinging container registry " + opts_.registry);
    if (resp.status == 200) return {};
    if (resp.status == 401) {
        if (!auth_.has_credentials()) return make_error("unauthorized: authentication required");
        return make_error("unauthorized: incorrect username or password");
    }
    return make_error("pinging container registry " + opts_.registry + ": " + status_text(resp));
}

Result<ManifestBytes> Registry::get_manifest(const std::string& tag_or_digest) {
    std::string what = "reading manifest " + tag_or_digest + " in " + name();
    std::optional<Digest> want;
    if (tag_or_digest.find(':') != std::string::npos) want = TRY_CTX(parse_digest(tag_or_digest), what);
    http::Request req;
    req.url = base_url() + repository_ + "/manifests/" + tag_or_digest;
    req.headers.add("Accept", kManifestAccept);
    auto r = send(req, pull_scope(), nullptr, kMaxManifestBytes);
    if (!r) {
        Error e = r.take_error();
        if (e.code == EFBIG) return make_error(what + ": manifest is larger than the 4 MiB limit");
        return std::move(e).context(what);
    }
    http::Response resp = r.take();
    if (resp.status != 200) return make_error(what + ": " + status_text(resp));
    ManifestBytes m;
    m.media_type = resp.headers.get("Content-Type");
    if (size_t semi = m.media_type.find(';'); semi != std::string::npos) m.media_type.resize(semi);
    m.bytes = std::move(resp.body);
    m.digest = sha256_of(m.bytes).str();
    if (want && want->str() != m.digest)
        return make_error(what + ": manifest digest " + m.digest + " does not match " + want->str());
    return m;
}

Result<std::optional<uint64_t>> Registry::head_blob(const std::string& digest) {
    std::string what = "checking whether blob " + digest + " exists in " + name();
    TRY_CTX(parse_digest(digest), what);
    http::Request req;
    req.method = "HEAD";
    req.url = base_url() + repository_ + "/blobs/" + digest;
    req.follow_redirects = true;
    http::Response resp = TRY_CTX(send(req, pull_scope()), what);
    if (resp.status == 404) return std::optional<uint64_t>();
    if (resp.status != 200) return make_error(what + ": " + status_text(resp));
    std::string len = resp.headers.get("Content-Length");
    uint64_t size = len.empty() ? 0 : std::strtoull(len.c_str(), nullptr, 10);
    return std::optional<uint64_t>(size);
}

Result<void> Registry::get_blob(const std::string& digest, uint64_t offset, const http::BodySink& sink) {
    std::string what = "reading blob " + digest + " in " + name();
    TRY_CTX(parse_digest(digest), what);
    uint64_t received = 0;
    http::BodySink counting = [&](std::string_view chunk) -> Result<void> {
        received += chunk.size();
        return sink(chunk);
    };
    unsigned delay = opts_.backoff_ms;
    for (int attempt = 1;; ++attempt) {
        http::Request req;
        req.url = base_url() + repository_ + "/blobs/" + digest;
        req.follow_redirects = true;
        req.range_start = offset + received;
        auto r = send(req, pull_scope(), &counting);
        if (!r) {
            Error e = r.take_error();
            if (http::is_transient(e) && attempt < opts_.max_attempts) {
                sleep_ms(delay);
                delay *= 2;
                continue;
            }
            return std::move(e).context(what);
        }
        const http::Response& resp = *r;
        if (resp.status == 200 || resp.status == 206) return {};
        if (resp.status == 416 && received > 0) return {};  // nothing was left to send
        return make_error(what + ": " + status_text(resp));
    }
}

Result<std::string> Registry::fetch_blob(const std::string& digest, size_t max_size) {
    std::string what = "reading blob " + digest + " in " + name();
    Digest want = TRY_CTX(parse_digest(digest), what);
    std::string data;
    TRY(get_blob(digest, 0, [&](std::string_view chunk) -> Result<void> {
        if (data.size() + chunk.size() > max_size)
            return make_error(what + ": larger than " + std::to_string(max_size) + " bytes");
        data.append(chunk);
        return {};
    }));
    Digest got = sha256_of(data);
    if (got != want) return make_error(what + ": digest mismatch: got " + got.str());
    return data;
}

Result<std::string> Registry::start_upload() {
    std::string what = "initiating an upload to " + name();
    http::Request req;
    req.method = "POST";
    req.url = base_url() + repository_ + "/blobs/uploads/";
    http::Response resp = TRY_CTX(send(req, push_scope()), what);
    if (resp.status != 202) return make_error(what + ": " + status_text(resp));
    std::string loc = resp.headers.get("Location");
    if (loc.empty()) return make_error(what + ": the registry sent no upload location");
    return resolve_location(loc);
}

Result<std::string> Registry::upload_chunk(const std::string& location, std::string_view data, uint64_t offset) {
    std::string what = "uploading a chunk to " + name();
    if (data.empty()) return location;
    http::Request req;
    req.method = "PATCH";
    req.url = location;
    req.body = std::string(data);
    req.headers.add("Content-Type", "application/octet-stream");
    req.headers.add("Content-Range", std::to_string(offset) + "-" + std::to_string(offset + data.size() - 1));
    http::Response resp = TRY_CTX(send(req, push_scope()), what);
    if (resp.status != 202) return make_error(what + ": " + status_text(resp));
    std::string loc = resp.headers.get("Location");
    return loc.empty() ? location : resolve_location(loc);
}

Result<void> Registry::finish_upload(const std::string& location, const std::string& digest, std::string_view body) {
    std::string what = "uploading blob " + digest + " to " + name();
    TRY_CTX(parse_digest(digest), what);
    http::Request req;
    req.method = "PUT";
    req.url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + http::url_encode(digest);
    req.headers.add("Content-Type", "application/octet-stream");
    req.body = std::string(body);
    http::Response resp = TRY_CTX(send(req, push_scope()), what);
    if (resp.status != 201 && resp.status != 204) return make_error(what + ": " + status_text(resp));
    return {};
}

Result<bool> Registry::mount_blob(const std::string& digest, const std::string& from_repository,
                                  std::string* upload_location) {
    std::string what = "mounting blob " + digest + " from " + from_repository + " into " + name();
    TRY_CTX(parse_digest(digest), what);
    http::Request req;
    req.method = "POST";
    req.url = base_url() + repository_ + "/blobs/uploads/?mount=" + http::url_encode(digest) +
              "&from=" + http::url_encode(from_repository);
    std::string scope = push_scope() + " repository:" + from_repository + ":pull";
    http::Response resp = TRY_CTX(send(req, scope), what);
    if (resp.status == 201) return true;
    if (resp.status == 202) {
        if (upload_location) *upload_location = resolve_location(resp.headers.get("Location"));
        return false;
    }
    return make_error(what + ": " + status_text(resp));
}

Result<std::string> Registry::put_manifest(const std::string& tag_or_digest, std::string_view bytes,
                                           const std::string& media_type) {
    std::string what = "writing manifest " + tag_or_digest + " to " + name();
    if (bytes.size() > kMaxManifestBytes) return make_error(what + ": manifest is larger than the 4 MiB limit");
    http::Request req;
    req.method = "PUT";
    req.url = base_url() + repository_ + "/manifests/" + tag_or_digest;
    req.body = std::string(bytes);
    req.headers.add("Content-Type", media_type);
    http::Response resp = TRY_CTX(send(req, push_scope()), what);
    if (resp.status != 201 && resp.status != 200 && resp.status != 202)
        return make_error(what + ": " + status_text(resp));
    return sha256_of(bytes).str();
}

Result<std::unique_ptr<RegistryPool::Conn>> RegistryPool::borrow() {
    {
        std::lock_guard lk(mu_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    auto c = std::make_unique<Conn>();
    c->client = TRY(http::make_client());
    c->registry = std::make_unique<Registry>(*c->client, target_.options, target_.repository);
    return c;
}

void RegistryPool::give_back(std::unique_ptr<Conn> c) {
    std::lock_guard lk(mu_);
    idle_.push_back(std::move(c));
}

namespace {

// The target of a Link header's rel="next" (RFC 5988: "<URL>; rel=\"next\""), as a path and query.
std::string next_page(const http::Headers& h) {
    for (const std::string& link : h.get_all("Link")) {
        size_t open = link.find('<'), close = link.find('>');
        if (open == std::string::npos || close == std::string::npos || close < open) continue;
        if (link.find("next", close) == std::string::npos) continue;
        std::string target = link.substr(open + 1, close - open - 1);
        // An absolute URL: only its path and query (a page elsewhere is not followed).
        if (size_t scheme = target.find("://"); scheme != std::string::npos) {
            size_t path = target.find('/', scheme + 3);
            target = path == std::string::npos ? "/" : target.substr(path);
        }
        return target.starts_with("/") ? target : "/v2/" + target;
    }
    return {};
}

// At most this many pages of a listing are followed: a registry linking pages in a loop ends here.
constexpr int kMaxPages = 1000;

}  // namespace

Result<std::pair<std::string, std::string>> Registry::get_page(const std::string& path_and_query,
                                                               const std::string& scope, const std::string& what) {
    http::Request req;
    req.url = origin() + path_and_query;
    http::Response resp = TRY_CTX(send(req, scope, nullptr, 16 << 20), what);
    if (resp.status != 200) return make_error(what + ": " + status_text(resp));
    return std::pair<std::string, std::string>(std::move(resp.body), next_page(resp.headers));
}

Result<Registry::CatalogPage> Registry::catalog(const std::string& next) {
    std::string what = "listing the repositories of " + opts_.registry;
    auto [body, link] = TRY(get_page(next.empty() ? "/v2/_catalog" : next, "registry:catalog:*", what));
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error(what + ": the registry's answer is not JSON");
    CatalogPage page{json::get_strings(doc, "repositories"), std::move(link)};
    return page;
}

Result<std::vector<std::string>> Registry::list_tags() {
    std::string what = "listing the tags of " + name();
    std::vector<std::string> tags;
    std::string path = "/v2/" + repository_ + "/tags/list";
    for (int page = 0; !path.empty(); ++page) {
        if (page == kMaxPages) return make_error(what + ": more than " + std::to_string(kMaxPages) + " pages");
        auto [body, link] = TRY(get_page(path, pull_scope(), what));
        rapidjson::Document doc;
        doc.Parse(body.data(), body.size());
        if (doc.HasParseError() || !doc.IsObject()) return make_error(what + ": the registry's answer is not JSON");
        for (auto& t : json::get_strings(doc, "tags")) tags.push_back(std::move(t));
        path = std::move(link);
    }
    return tags;
}

Result<std::optional<std::vector<SearchHit>>> Registry::v1_search(const std::string& term, int limit) {
    http::Request req;
    req.url = origin() + "/v1/search?q=" + http::url_encode(term) + "&n=" + std::to_string(limit);
    req.tls = opts_.tls;
    auto r = client_.send(req, nullptr, 16 << 20);  // not authorized: Docker Hub's search is public
    using Hits = std::optional<std::vector<SearchHit>>;
    if (!r || r->status != 200) return Hits();  // no such endpoint here: the v2 catalog is asked
    rapidjson::Document doc;
    doc.Parse(r->body.data(), r->body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("results") || !doc["results"].IsArray())
        return Hits();
    std::vector<SearchHit> hits;
    for (auto& e : doc["results"].GetArray()) {
        if (!e.IsObject()) continue;
        SearchHit h;
        h.name = json::get_string(e, "name");
        h.description = json::get_string(e, "description");
        h.stars = static_cast<int>(json::get_int(e, "star_count"));
        h.official = e.HasMember("is_official") && e["is_official"].IsBool() && e["is_official"].GetBool();
        h.automated = e.HasMember("is_automated") && e["is_automated"].IsBool() && e["is_automated"].GetBool();
        if (!h.name.empty()) hits.push_back(std::move(h));
    }
    return Hits(std::move(hits));
}

}  // namespace skiff::oci
