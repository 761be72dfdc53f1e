#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <deque>
#include <functional>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/oci/auth.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/oci/registry.hpp"

using namespace skiff;
using namespace skiff::oci;

namespace {

// A scripted HTTP client: each request is answered by the handler, and recorded.
class FakeClient : public http::Client {
public:
    std::function<Result<http::Response>(const http::Request&, const http::BodySink*)> handler;
    std::vector<http::Request> seen;

    Result<http::Response> send(const http::Request& req, const http::BodySink* sink, size_t max_body) override {
        seen.push_back(req);
        auto r = handler(req, sink);
        if (r && r->body.size() > max_body) return Error{EFBIG, "too big"};
        return r;
    }
};

http::Response response(int status, std::string body = "") {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

http::Response challenge(std::string value) {
    http::Response r = response(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})");
    r.headers.add("WWW-Authenticate", std::move(value));
    return r;
}

RegistryOptions fast_options() {
    RegistryOptions o;
    o.registry = "reg.example:5000";
    o.backoff_ms = 1;
    return o;
}

}  // namespace

TEST_CASE("WWW-Authenticate: Bearer with quoted params", "[auth]") {
    auto r = parse_www_authenticate(
        R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    CHECK((*r)[0].scheme == "Bearer");
    CHECK((*r)[0].param("realm") == "https://auth.example/token");
    CHECK((*r)[0].param("Service") == "registry.example");
    CHECK((*r)[0].param("scope") == "repository:a/b:pull,push");
}

TEST_CASE("WWW-Authenticate: several challenges, escapes, tokens", "[auth]") {
    auto r = parse_www_authenticate(R"(Basic realm="Registry \"Realm\", here", Bearer realm=https://t/x , error=invalid_token)");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].scheme == "Basic");
    CHECK((*r)[0].param("realm") == "Registry \"Realm\", here");
    CHECK((*r)[1].scheme == "Bearer");
    CHECK((*r)[1].param("realm") == "https://t/x");
    CHECK((*r)[1].param("error") == "invalid_token");
}

TEST_CASE("WWW-Authenticate: malformed values are errors", "[auth]") {
    CHECK_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)").ok());
    CHECK_FALSE(parse_www_authenticate("").ok());
    CHECK_FALSE(parse_www_authenticate(R"(Bearer realm="a" junk="b" x)").ok());
}

TEST_CASE("base64 round trip", "[auth]") {
    for (std::string s : {"", "a", "ab", "abc", "user:pässword", "testuser:testpassword"}) {
        auto d = base64_decode(base64_encode(s));
        REQUIRE(d.ok());
        CHECK(*d == s);
    }
    CHECK(base64_encode("testuser:testpassword") == "dGVzdHVzZXI6dGVzdHBhc3N3b3Jk");
}

TEST_CASE("Bearer flow: anonymous token, cached per scope", "[auth][registry]") {
    FakeClient fake;
    int token_requests = 0;
    fake.handler = [&](const http::Request& req, const http::BodySink*) -> Result<http::Response> {
        if (req.url.starts_with("https://auth.example/token")) {
            ++token_requests;
            CHECK(req.url == "https://auth.example/token?service=reg&scope=repository%3Alib%2Fapp%3Apull");
            CHECK_FALSE(req.headers.has("Authorization"));
            return response(200, R"({"token":"T1"})");
        }
        if (req.headers.get("Authorization") != "Bearer T1")
            return challenge(R"(Bearer realm="https://auth.example/token",service="reg")");
        auto resp = response(200, R"({"schemaVersion":2})");
        resp.headers.add("content-type", "application/vnd.oci.image.manifest.v1+json; charset=utf-8");
        return resp;
    };
    Registry reg(fake, fast_options(), "lib/app");
    auto m = reg.get_manifest("latest");
    REQUIRE(m.ok());
    CHECK(m->media_type == "application/vnd.oci.image.manifest.v1+json");
    CHECK(m->digest == sha256_of(R"({"schemaVersion":2})").str());
    auto m2 = reg.get_manifest("v2");
    REQUIRE(m2.ok());
    CHECK(token_requests == 1);
    CHECK(fake.seen.size() == 4);  // 401, token, retry, second manifest with the cached token
}

TEST_CASE("Bearer flow: credentials go to the token server; rejected credentials are a clear error", "[auth][registry]") {
    FakeClient fake;
    fake.handler = [&](const http::Request& req, const http::BodySink*) -> Result<http::Response> {
        if (req.url.starts_with("https://auth.example/")) {
            if (req.headers.get("Authorization") == "Basic " + base64_encode("u:right"))
                return response(200, R"({"access_token":"T2"})");
            return response(401);
        }
        if (req.headers.get("Authorization") != "Bearer T2")
            return challenge(R"(Bearer realm="https://auth.example/token",service="reg")");
        return response(200);
    };
    auto opts = fast_options();
    opts.credentials = Credentials{"u", "right", ""};
    Registry good(fake, opts, "x");
    CHECK(good.ping().ok());

    opts.credentials = Credentials{"u", "wrong", ""};
    Registry bad(fake, opts, "x");
    auto r = bad.get_manifest("latest");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "reading manifest latest in reg.example:5000/x: unauthorized: incorrect username or password");
}

TEST_CASE("Basic flow: no credentials → authentication required; wrong ones → rejected", "[auth][registry]") {
    FakeClient fake;
    std::string good = "Basic " + base64_encode("u:p");
    fake.handler = [&](const http::Request& req, const http::BodySink*) -> Result<http::Response> {
        if (req.headers.get("Authorization") == good) return response(200);
        return challenge(R"(Basic realm="Registry Realm")");
    };
    Registry anon(fake, fast_options(), "x");
    auto r = anon.ping();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("authentication required") != std::string::npos);

    auto opts = fast_options();
    opts.credentials = Credentials{"u", "p", ""};
    Registry ok(fake, opts, "x");
    CHECK(ok.ping().ok());

    opts.credentials = Credentials{"u", "nope", ""};
    Registry wrong(fake, opts, "x");
    auto w = wrong.ping();
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().message == "unauthorized: incorrect username or password");
}

TEST_CASE("Registry: 5xx, 429 and connection errors retried; 404 worded as podman", "[registry]") {
    FakeClient fake;
    int calls = 0;
    fake.handler = [&](const http::Request&, const http::BodySink*) -> Result<http::Response> {
        ++calls;
        if (calls == 1) return Error{ECONNRESET, "reset"};
        if (calls == 2) return response(503);
        if (calls == 3) return response(429);
        return response(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})");
    };
    Registry reg(fake, fast_options(), "x");
    auto r = reg.get_manifest("latest");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "reading manifest latest in reg.example:5000/x: manifest unknown");
    CHECK(calls == 4);

    calls = 0;
    fake.handler = [&](const http::Request&, const http::BodySink*) -> Result<http::Response> {
        ++calls;
        return response(500);
    };
    auto r2 = reg.get_manifest("latest");
    REQUIRE_FALSE(r2.ok());
    CHECK(calls == 5);
    CHECK(r2.error().message == "reading manifest latest in reg.example:5000/x: StatusCode: 500");
}

TEST_CASE("Registry: digest references are verified, big manifests refused", "[registry]") {
    FakeClient fake;
    std::string body = R"({"schemaVersion":2,"layers":[]})";
    fake.handler = [&](const http::Request&, const http::BodySink*) -> Result<http::Response> { return response(200, body); };
    Registry reg(fake, fast_options(), "x");
    std::string right = sha256_of(body).str();
    CHECK(reg.get_manifest(right).ok());
    std::string wrong = sha256_of("other").str();
    auto r = reg.get_manifest(wrong);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("does not match") != std::string::npos);
    CHECK_FALSE(reg.get_manifest("sha256:abc").ok());
    body = std::string(kMaxManifestBytes + 1, ' ');
    auto big = reg.get_manifest("latest");
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("4 MiB") != std::string::npos);
}

TEST_CASE("Registry: a blob cut mid-stream resumes with Range", "[registry]") {
    FakeClient fake;
    std::string blob = "0123456789abcdefghij";
    std::vector<uint64_t> ranges;
    fake.handler = [&](const http::Request& req, const http::BodySink* sink) -> Result<http::Response> {
        ranges.push_back(req.range_start);
        REQUIRE(sink);
        REQUIRE(req.follow_redirects);
        if (ranges.size() == 1) {
            TRY((*sink)(std::string_view(blob).substr(0, 7)));
            return Error{ECONNRESET, "connection reset"};
        }
        TRY((*sink)(std::string_view(blob).substr(req.range_start)));
        return response(206);
    };
    Registry reg(fake, fast_options(), "x");
    auto got = reg.fetch_blob(sha256_of(blob).str());
    REQUIRE(got.ok());
    CHECK(*got == blob);
    CHECK(ranges == std::vector<uint64_t>{0, 7});
}

TEST_CASE("Registry: uploads, mounts and manifest puts", "[registry]") {
    FakeClient fake;
    fake.handler = [&](const http::Request& req, const http::BodySink*) -> Result<http::Response> {
        if (req.method == "POST" && req.url.find("mount=") != std::string::npos) {
            auto r = response(202);
            r.headers.add("Location", "/v2/x/blobs/uploads/u1");
            return r;
        }
        if (req.method == "POST") {
            auto r = response(202);
            r.headers.add("Location", "/v2/x/blobs/uploads/u2?state=s");
            return r;
        }
        if (req.method == "PATCH") {
            CHECK(req.headers.get("Content-Range") == "0-2");
            auto r = response(202);
            r.headers.add("Location", "https://reg.example:5000/v2/x/blobs/uploads/u2?state=t");
            return r;
        }
        if (req.method == "PUT" && req.url.find("/blobs/") != std::string::npos) {
            CHECK(req.url == "https://reg.example:5000/v2/x/blobs/uploads/u2?state=t&digest=sha256%3A" + sha256_of("abc").hex);
            return response(201);
        }
        if (req.method == "PUT") return response(201);
        return response(400);
    };
    Registry reg(fake, fast_options(), "x");
    std::string loc;
    auto mounted = reg.mount_blob(sha256_of("abc").str(), "other/repo", &loc);
    REQUIRE(mounted.ok());
    CHECK_FALSE(*mounted);
    CHECK(loc == "https://reg.example:5000/v2/x/blobs/uploads/u1");
    auto start = reg.start_upload();
    REQUIRE(start.ok());
    CHECK(*start == "https://reg.example:5000/v2/x/blobs/uploads/u2?state=s");
    auto next = reg.upload_chunk(*start, "abc", 0);
    REQUIRE(next.ok());
    CHECK(reg.finish_upload(*next, sha256_of("abc").str()).ok());
    auto d = reg.put_manifest("latest", "{}", "application/vnd.oci.image.manifest.v1+json");
    REQUIRE(d.ok());
    CHECK(*d == sha256_of("{}").str());
}

TEST_CASE("Registry: the catalog and tag lists follow Link pages; v1 search parsed or absent", "[registry]") {
    FakeClient fake;
    fake.handler = [&](const http::Request& req, const http::BodySink*) -> Result<http::Response> {
        const std::string base = "https://reg.example:5000";
        if (req.url == base + "/v2/_catalog") {
            auto r = response(200, R"({"repositories":["a/one","b"]})");
            r.headers.add("Link", R"(</v2/_catalog?last=b&n=2>; rel="next")");
            return r;
        }
        if (req.url == base + "/v2/_catalog?last=b&n=2") return response(200, R"({"repositories":["c"]})");
        if (req.url == base + "/v2/x/y/tags/list") {
            auto r = response(200, R"({"name":"x/y","tags":["1","2"]})");
            r.headers.add("Link", R"(<https://elsewhere.example/v2/x/y/tags/list?last=2&n=2>; rel="next")");
            return r;
        }
        if (req.url == base + "/v2/x/y/tags/list?last=2&n=2") return response(200, R"({"name":"x/y","tags":["3"]})");
        if (req.url == base + "/v1/search?q=a%20b%2Fc&n=5")
            return response(200, R"({"results":[{"name":"ab","description":"d","star_count":7,"is_official":true,)"
                                 R"("is_automated":false},{"description":"no name"}]})");
        return response(404);
    };
    Registry reg(fake, fast_options(), "x/y");
    auto first = reg.catalog();
    REQUIRE(first.ok());
    CHECK(first->repositories == std::vector<std::string>{"a/one", "b"});
    CHECK(first->next == "/v2/_catalog?last=b&n=2");
    auto second = reg.catalog(first->next);
    REQUIRE(second.ok());
    CHECK(second->repositories == std::vector<std::string>{"c"});
    CHECK(second->next.empty());

    auto tags = reg.list_tags();  // the next page is taken from this registry, whatever host the Link names
    REQUIRE(tags.ok());
    CHECK(*tags == std::vector<std::string>{"1", "2", "3"});

    auto hits = reg.v1_search("a b/c", 5);
    REQUIRE(hits.ok());
    REQUIRE(hits->has_value());
    REQUIRE((*hits)->size() == 1);  // an entry without a name is dropped
    CHECK((**hits)[0].name == "ab");
    CHECK((**hits)[0].stars == 7);
    CHECK((**hits)[0].official);
    CHECK_FALSE((**hits)[0].automated);
    auto none = reg.v1_search("other", 5);  // 404: the registry has no v1 search
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    fake.handler = [&](const http::Request&, const http::BodySink*) -> Result<http::Response> {
        return response(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})");
    };
    auto refused = reg.catalog();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "listing the repositories of reg.example:5000: authentication required (the registry sent no WWW-Authenticate challenge)");
}

TEST_CASE("registry error bodies", "[registry]") {
    CHECK(registry_error_text(R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})") ==
          "unauthorized: authentication required");
    CHECK(registry_error_text(R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})") ==
          "blob unknown: blob unknown to registry");
    CHECK(registry_error_text("not json").empty());
}

TEST_CASE("auth.json: store, find most specific, remove", "[auth]") {
    std::string dir = "/tmp/skiff-auth-test-" + str::random_hex(6);
    std::string file = dir + "/containers/auth.json";
    REQUIRE(store_credentials(file, "reg.example:5000", Credentials{"u", "p:with:colons", ""}).ok());
    REQUIRE(store_credentials(file, "reg.example:5000/team", Credentials{"team", "tp", ""}).ok());
    struct stat st {};
    REQUIRE(stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto c = find_credentials({dir + "/missing.json", file}, "reg.example:5000", "team/app");
    REQUIRE(c.ok());
    REQUIRE(c->has_value());
    CHECK((*c)->username == "team");
    auto c2 = find_credentials({file}, "reg.example:5000", "other/app");
    REQUIRE(c2.ok());
    REQUIRE(c2->has_value());
    CHECK((*c2)->password == "p:with:colons");
    auto none = find_credentials({file}, "elsewhere", "");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    auto removed = remove_credentials(file, "reg.example:5000");
    REQUIRE(removed.ok());
    CHECK(*removed);
    auto again = remove_credentials(file, "reg.example:5000");
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    auto all = remove_all_credentials(file);
    REQUIRE(all.ok());
    CHECK(*all);
    REQUIRE(fs::remove_all(dir).ok());
}

TEST_CASE("auth.json: docker's legacy keys", "[auth]") {
    std::string dir = "/tmp/skiff-auth-test-" + str::random_hex(6);
    REQUIRE(fs::mkdir_p(dir).ok());
    std::string file = dir + "/config.json";
    REQUIRE(fs::write_file_atomic(file, R"({"auths":{"https://index.docker.io/v1/":{"auth":")" +
                                            base64_encode("d:pw") + R"("}}})").ok());
    auto c = find_credentials({file}, "docker.io", "library/busybox");
    REQUIRE(c.ok());
    REQUIRE(c->has_value());
    CHECK((*c)->username == "d");
    REQUIRE(fs::remove_all(dir).ok());
}
