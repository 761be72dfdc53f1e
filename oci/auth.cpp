// WWW-Authenticate parsing, base64, and the Bearer/Basic flow answering registry 401s.
#include "skiff/oci/auth.hpp"

#include <cerrno>

#include <rapidjson/document.h>

#include "skiff/base/json_record.hpp"

namespace skiff::oci {
namespace {

bool is_token_char(char c) {
    // RFC 7230 tchar, plus '/' and '=' that token68 values (Basic's payload) may carry.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~/=").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// A cursor over a header value.
struct Lexer {
    std::string_view s;
    size_t i = 0;
    void skip_ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    }
    bool at_end() {
        skip_ws();
        return i >= s.size();
    }
    bool eat(char c) {
        skip_ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    std::string token() {
        skip_ws();
        size_t start = i;
        while (i < s.size() && is_token_char(s[i]) && s[i] != '=') ++i;
        return std::string(s.substr(start, i - start));
    }
    Result<std::string> quoted() {
        // at the opening quote
        ++i;
        std::string out;
        while (i < s.size()) {
            char c = s[i++];
            if (c == '"') return out;
            if (c == '\\') {
                if (i >= s.size()) break;
                c = s[i++];
            }
            out += c;
        }
        return make_error("parsing WWW-Authenticate \"" + std::string(s) + "\": unterminated quoted string");
    }
};

Error bad_header(std::string_view value, const std::string& why) {
    return make_error("parsing WWW-Authenticate \"" + std::string(value) + "\": " + why);
}

}  // namespace

std::string AuthChallenge::param(const std::string& name) const {
    auto it = params.find(lower(name));
    return it == params.end() ? std::string() : it->second;
}

Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view value) {
    std::vector<AuthChallenge> out;
    Lexer lx{value};
    while (!lx.at_end()) {
        if (lx.eat(',')) continue;  // empty list elements are allowed
        std::string scheme = lx.token();
        if (scheme.empty()) return bad_header(value, "expected an auth scheme at offset " + std::to_string(lx.i));
        AuthChallenge ch;
        ch.scheme = scheme;
        // Parameters: name=value pairs separated by commas, until a token not followed by '='
        // starts the next challenge.
        while (!lx.at_end()) {
            size_t save = lx.i;
            lx.eat(',');
            if (lx.at_end()) break;
            std::string name = lx.token();
            lx.skip_ws();
            if (name.empty() || lx.i >= value.size() || value[lx.i] != '=') {
                // Not a parameter: the next challenge starts here.
                lx.i = save;
                break;
            }
            ++lx.i;  // '='
            lx.skip_ws();
            std::string v;
            if (lx.i < value.size() && value[lx.i] == '"') {
                v = TRY(lx.quoted());
            } else {
                size_t start = lx.i;
                while (lx.i < value.size() && value[lx.i] != ',' && value[lx.i] != ' ' && value[lx.i] != '\t') ++lx.i;
                v = std::string(value.substr(start, lx.i - start));
            }
            ch.params[lower(name)] = std::move(v);
            lx.skip_ws();
            if (lx.i < value.size() && value[lx.i] != ',') return bad_header(value, "expected ',' after parameter " + name);
        }
        out.push_back(std::move(ch));
    }
    if (out.empty()) return bad_header(value, "no challenge");
    return out;
}

std::string base64_encode(std::string_view data) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    size_t rest = data.size() - i;
    if (rest) {
        uint32_t v = uint8_t(data[i]) << 16;
        if (rest == 2) v |= uint8_t(data[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Result<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=' || c == '\n' || c == '\r') continue;
        int v = value(c);
        if (v < 0) return make_error("decoding base64: invalid character");
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

std::string Authorizer::header_for(const std::string& scope) const {
    auto it = by_scope_.find(scope);
    if (it != by_scope_.end()) return it->second;
    return basic_;
}

Result<void> Authorizer::answer(const http::Response& unauthorized, const std::string& scope) {
    std::vector<AuthChallenge> challenges;
    for (const auto& v : unauthorized.headers.get_all("WWW-Authenticate")) {
        auto parsed = TRY(parse_www_authenticate(v));
        for (auto& c : parsed) challenges.push_back(std::move(c));
    }
    if (challenges.empty()) return make_error("authentication required (the registry sent no WWW-Authenticate challenge)");
    const AuthChallenge* bearer = nullptr;
    const AuthChallenge* basic = nullptr;
    for (const auto& c : challenges) {
        if (http::iequals(c.scheme, "Bearer") && !bearer) bearer = &c;
        if (http::iequals(c.scheme, "Basic") && !basic) basic = &c;
    }
    if (bearer) {
        std::string token = TRY(fetch_token(*bearer, scope));
        by_scope_[scope] = "Bearer " + token;
        return {};
    }
    if (basic) {
        if (!has_credentials()) return make_error("unauthorized: authentication required");
        if (!basic_.empty()) return make_error("unauthorized: incorrect username or password");
        basic_ = "Basic " + base64_encode(creds_->username + ":" + creds_->password);
        return {};
    }
    return make_error("unsupported authentication scheme \"" + challenges.front().scheme + "\"");
}

Result<std::string> Authorizer::fetch_token(const AuthChallenge& c, const std::string& scope) {
    std::string realm = c.param("realm");
    if (realm.empty()) return make_error("Bearer challenge without a realm");
    if (!realm.starts_with("https://") && !realm.starts_with("http://"))
        return make_error("token realm \"" + realm + "\" is not an http(s) URL");
    std::string url = realm;
    char sep = realm.find('?') == std::string::npos ? '?' : '&';
    std::string service = c.param("service");
    if (!service.empty()) {
        url += sep + std::string("service=") + http::url_encode(service);
        sep = '&';
    }
    // The scope asked for by this request; the challenge's own one when the caller has none.
    std::string want = scope.empty() ? c.param("scope") : scope;
    // Several scopes (a cross-repository mount) are sent as repeated parameters, as docker does.
    size_t start = 0;
    while (start < want.size()) {
        size_t end = want.find(' ', start);
        if (end == std::string::npos) end = want.size();
        if (end > start) {
            url += sep + std::string("scope=") + http::url_encode(want.substr(start, end - start));
            sep = '&';
        }
        start = end + 1;
    }

    http::Request req;
    req.url = url;
    req.tls = token_tls_;
    req.follow_redirects = true;
    if (has_credentials() && !creds_->username.empty())
        req.headers.add("Authorization", "Basic " + base64_encode(creds_->username + ":" + creds_->password));
    http::Response resp = TRY_CTX(client_.send(req, nullptr, 1 << 20), "fetching token");
    if (resp.status == 401 || resp.status == 403) {
        if (has_credentials()) return make_error("unauthorized: incorrect username or password");
        return make_error("unauthorized: authentication required");
    }
    if (resp.status != 200)
        return make_error("fetching token from " + realm + ": unexpected HTTP status " + std::to_string(resp.status));
    rapidjson::Document doc;
    doc.Parse(resp.body.data(), resp.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return make_error("fetching token from " + realm + ": invalid JSON response");
    std::string token = json::get_string(doc, "token");
    if (token.empty()) token = json::get_string(doc, "access_token");
    if (token.empty()) return make_error("fetching token from " + realm + ": no token in the response");
    return token;
}

}  // namespace skiff::oci
