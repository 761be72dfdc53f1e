// registries.conf (containers-registries.conf(5), version 2 format) and the TLS settings of
// certs.d: where a reference is pulled from, and how a short name becomes candidate references.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/reference.hpp"

namespace skiff::oci {

enum class ShortNameMode { kEnforcing, kPermissive, kDisabled };

struct RegistryMirror {
    std::string location;
    bool insecure = false;
};

struct RegistryEntry {
    std::string prefix;    // "example.com/foo", "*.example.com"; defaults to location
    std::string location;  // where it is really pulled from; empty: the prefix itself
    bool insecure = false;
    bool blocked = false;
    std::vector<RegistryMirror> mirrors;
};

struct RegistriesConf {
    std::vector<std::string> unqualified_search;
    std::map<std::string, std::string> aliases;  // short name → fully qualified name
    ShortNameMode short_name_mode = ShortNameMode::kEnforcing;
    std::vector<RegistryEntry> registries;
    std::vector<std::string> sources;  // files read, for messages
};

// Parse one file's text into `conf`: fields it sets replace those already there, [[registry]]
// entries replace those with the same prefix, aliases are merged.
Result<void> merge_registries_conf(RegistriesConf& conf, std::string_view toml_text, const std::string& origin);

// podman's files: $CONTAINERS_REGISTRIES_CONF alone when set; otherwise the user's
// ~/.config/containers/registries.conf (or $XDG_CONFIG_HOME/…) if it exists, else
// /etc/containers/registries.conf; then the drop-ins /etc/containers/registries.conf.d/*.conf and
// the user's registries.conf.d/*.conf, in name order. Missing files are skipped.
Result<RegistriesConf> load_registries_conf();

// The entry whose prefix matches `name` ("host/repo…") best (longest prefix), or null.
const RegistryEntry* find_registry(const RegistriesConf& conf, std::string_view name);

// Where a fully qualified reference is fetched from: mirrors first, then the (rewritten) location.
struct PullEndpoint {
    std::string registry;    // host[:port]
    std::string repository;  // path on that registry
    bool insecure = false;
};
// Errors: the registry is blocked.
Result<std::vector<PullEndpoint>> pull_endpoints(const RegistriesConf& conf, const Reference& ref);

// The fully qualified references a user's input may mean, in the order to try them. A qualified
// input gives itself; a short name gives its alias, else one candidate per unqualified-search
// registry ("docker.io" adds library/). Enforcing mode with several candidates and no terminal to
// ask is an error, as podman's.
Result<std::vector<Reference>> resolve_image_name(const RegistriesConf& conf, std::string_view input,
                                                  bool can_prompt = false);

// True when the registry is marked insecure in `conf` (or its prefix entry is).
bool registry_insecure(const RegistriesConf& conf, std::string_view host);

// TLS for a registry host ("host:port"): verification as asked (off for insecure registries), and
// the certs.d directory that exists: --cert-dir alone when given; else ~/.config/containers/certs.d/HOST,
// /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST. From it: *.crt as extra CAs (added to the
// system's), the first *.cert with its *.key as the client certificate.
http::TlsOptions tls_for_registry(std::string_view host, const std::string& cert_dir_flag, bool verify);

}  // namespace skiff::oci
