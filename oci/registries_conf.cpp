// registries.conf parsing (toml++, header-only in this one file, without exceptions) and the pure
// resolution functions built on it.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "skiff/base/fs.hpp"
#include "skiff/oci/registries_conf.hpp"

namespace skiff::oci {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string user_config_dir() {
    std::string x = env("XDG_CONFIG_HOME");
    if (!x.empty()) return x + "/containers";
    std::string home = env("HOME");
    return (home.empty() ? std::string("/root") : home) + "/.config/containers";
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// The host part of a prefix or location ("host:port/a/b" → "host:port").
std::string_view host_of(std::string_view name) {
    size_t slash = name.find('/');
    return slash == std::string_view::npos ? name : name.substr(0, slash);
}

// containers/image's rule: the prefix matches at a component boundary.
bool prefix_matches(std::string_view prefix, std::string_view name) {
    if (prefix.starts_with("*.")) {
        std::string_view host = host_of(name);
        std::string_view suffix = prefix.substr(1);  // ".example.com"
        size_t colon = host.find(':');
        std::string_view bare = colon == std::string_view::npos ? host : host.substr(0, colon);
        return bare.size() > suffix.size() && bare.ends_with(suffix);
    }
    if (!name.starts_with(prefix)) return false;
    if (name.size() == prefix.size()) return true;
    char next = name[prefix.size()];
    return next == '/' || next == ':' || next == '@';
}

Result<RegistryEntry> parse_entry(const toml::table& t, const std::string& origin) {
    RegistryEntry e;
    e.prefix = t["prefix"].value_or(std::string());
    e.location = t["location"].value_or(std::string());
    e.insecure = t["insecure"].value_or(false);
    e.blocked = t["blocked"].value_or(false);
    if (e.prefix.empty()) e.prefix = e.location;
    if (e.prefix.empty()) return make_error("reading " + origin + ": a [[registry]] has neither prefix nor location");
    if (e.location.empty() && !e.prefix.starts_with("*.")) e.location = e.prefix;
    if (const toml::array* mirrors = t["mirror"].as_array()) {
        for (const auto& m : *mirrors) {
            const toml::table* mt = m.as_table();
            if (!mt) return make_error("reading " + origin + ": [[registry.mirror]] is not a table");
            RegistryMirror mirror;
            mirror.location = (*mt)["location"].value_or(std::string());
            mirror.insecure = (*mt)["insecure"].value_or(false);
            if (mirror.location.empty()) return make_error("reading " + origin + ": a mirror of " + e.prefix + " has no location");
            e.mirrors.push_back(std::move(mirror));
        }
    }
    return e;
}

}  // namespace

Result<void> merge_registries_conf(RegistriesConf& conf, std::string_view toml_text, const std::string& origin) {
    toml::parse_result parsed = toml::parse(toml_text, origin);
    if (!parsed) {
        const auto& err = parsed.error();
        return make_error("reading " + origin + ": line " + std::to_string(err.source().begin.line) + ": " +
                          std::string(err.description()));
    }
    const toml::table& t = parsed.table();
    if (t.contains("registries") && t["registries"].is_table())
        return make_error("reading " + origin + ": the version 1 format ([registries.search]) is not supported");
    if (const toml::array* search = t["unqualified-search-registries"].as_array()) {
        conf.unqualified_search.clear();
        for (const auto& v : *search)
            if (auto s = v.value<std::string>()) conf.unqualified_search.push_back(*s);
    }
    if (auto mode = t["short-name-mode"].value<std::string>()) {
        if (*mode == "enforcing") conf.short_name_mode = ShortNameMode::kEnforcing;
        else if (*mode == "permissive") conf.short_name_mode = ShortNameMode::kPermissive;
        else if (*mode == "disabled") conf.short_name_mode = ShortNameMode::kDisabled;
        else if (!mode->empty()) return make_error("reading " + origin + ": invalid short-name-mode \"" + *mode + "\"");
    }
    if (const toml::table* aliases = t["aliases"].as_table()) {
        for (const auto& [k, v] : *aliases)
            if (auto s = v.value<std::string>()) conf.aliases[std::string(k.str())] = *s;
    }
    if (const toml::array* regs = t["registry"].as_array()) {
        for (const auto& r : *regs) {
            const toml::table* rt = r.as_table();
            if (!rt) return make_error("reading " + origin + ": [[registry]] is not a table");
            RegistryEntry e = TRY(parse_entry(*rt, origin));
            std::erase_if(conf.registries, [&](const RegistryEntry& old) { return old.prefix == e.prefix; });
            conf.registries.push_back(std::move(e));
        }
    }
    conf.sources.push_back(origin);
    return {};
}

Result<RegistriesConf> load_registries_conf() {
    RegistriesConf conf;
    std::vector<std::string> files;
    std::string forced = env("CONTAINERS_REGISTRIES_CONF");
    if (!forced.empty()) {
        files.push_back(forced);
    } else {
        std::string user = user_config_dir() + "/registries.conf";
        files.push_back(exists(user) ? user : "/etc/containers/registries.conf");
        for (const std::string& dir : {std::string("/etc/containers/registries.conf.d"), user_config_dir() + "/registries.conf.d"}) {
            for (const auto& name : TRY(fs::list_dir(dir)))
                if (name.ends_with(".conf")) files.push_back(dir + "/" + name);
        }
    }
    for (const auto& f : files) {
        auto text = fs::read_file(f);
        if (!text) {
            if (text.error().code == ENOENT && f != forced) continue;
            return text.take_error().context("reading registries configuration");
        }
        TRY(merge_registries_conf(conf, *text, f));
    }
    return conf;
}

const RegistryEntry* find_registry(const RegistriesConf& conf, std::string_view name) {
    const RegistryEntry* best = nullptr;
    for (const auto& e : conf.registries) {
        if (!prefix_matches(e.prefix, name)) continue;
        if (!best || e.prefix.size() > best->prefix.size()) best = &e;
    }
    return best;
}

Result<std::vector<PullEndpoint>> pull_endpoints(const RegistriesConf& conf, const Reference& ref) {
    std::string name = ref.name();
    const RegistryEntry* e = find_registry(conf, name);
    auto split = [](const std::string& full, bool insecure) {
        PullEndpoint p;
        size_t slash = full.find('/');
        p.registry = full.substr(0, slash);
        p.repository = slash == std::string::npos ? std::string() : full.substr(slash + 1);
        p.insecure = insecure;
        return p;
    };
    if (!e) return std::vector<PullEndpoint>{split(name, false)};
    if (e->blocked) return make_error("registry " + std::string(host_of(name)) + " is blocked in registries.conf");
    // A wildcard prefix cannot be rewritten: the name stays as written.
    std::string rest = e->prefix.starts_with("*.") ? std::string() : name.substr(e->prefix.size());
    std::vector<PullEndpoint> out;
    for (const auto& m : e->mirrors) out.push_back(split(m.location + rest, m.insecure));
    out.push_back(split(e->prefix.starts_with("*.") ? name : e->location + rest, e->insecure));
    return out;
}

Result<std::vector<Reference>> resolve_image_name(const RegistriesConf& conf, std::string_view input, bool can_prompt) {
    Reference written = TRY(parse_reference(input));
    if (!written.registry.empty()) {
        Reference r = TRY(normalize_reference(input));
        return std::vector<Reference>{r};
    }
    auto with_tag = [&](std::string base) {
        if (!written.tag.empty()) base += ":" + written.tag;
        if (!written.digest.empty()) base += "@" + written.digest;
        return base;
    };
    // Aliases name repositories without tag or digest.
    auto alias = conf.aliases.find(written.repository);
    if (alias != conf.aliases.end()) {
        Reference r = TRY_CTX(normalize_reference(with_tag(alias->second)), "alias " + written.repository);
        return std::vector<Reference>{r};
    }
    if (conf.unqualified_search.empty()) {
        std::string where = conf.sources.empty() ? std::string("/etc/containers/registries.conf") : conf.sources.front();
        return make_error("short-name \"" + std::string(input) +
                          "\" did not resolve to an alias and no unqualified-search registries are defined in \"" + where + "\"");
    }
    std::vector<Reference> out;
    for (const auto& reg : conf.unqualified_search) {
        Reference r = TRY(normalize_reference(with_tag(reg + "/" + written.repository)));
        out.push_back(std::move(r));
    }
    if (out.size() > 1 && conf.short_name_mode == ShortNameMode::kEnforcing && !can_prompt)
        return make_error("short-name resolution enforced but cannot prompt without a TTY");
    return out;
}

bool registry_insecure(const RegistriesConf& conf, std::string_view host) {
    const RegistryEntry* e = find_registry(conf, host);
    if (e && e->insecure) return true;
    for (const auto& reg : conf.registries)
        for (const auto& m : reg.mirrors)
            if (m.insecure && host_of(m.location) == host) return true;
    return false;
}

http::TlsOptions tls_for_registry(std::string_view host, const std::string& cert_dir_flag, bool verify) {
    http::TlsOptions tls;
    tls.verify = verify;
    std::vector<std::string> dirs;
    if (!cert_dir_flag.empty()) {
        dirs.push_back(cert_dir_flag);
    } else {
        std::string h(host);
        dirs = {user_config_dir() + "/certs.d/" + h, "/etc/containers/certs.d/" + h, "/etc/docker/certs.d/" + h};
    }
    for (const auto& dir : dirs) {
        auto names = fs::list_dir(dir);
        if (!names || names->empty()) continue;
        tls.ca_dir = dir;
        for (const auto& n : *names) {
            if (!n.ends_with(".cert")) continue;
            std::string key = n.substr(0, n.size() - 5) + ".key";
            if (std::find(names->begin(), names->end(), key) == names->end()) continue;
            tls.client_cert = dir + "/" + n;
            tls.client_key = dir + "/" + key;
            break;
        }
        break;
    }
    return tls;
}

}  // namespace skiff::oci
