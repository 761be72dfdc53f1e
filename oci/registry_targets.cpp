// From a reference and the user's flags to ready-to-use Registry options: registries.conf
// (mirrors, rewrite, insecure, blocked), certs.d and auth.json, resolved in one place.
#include "skiff/oci/registries_conf.hpp"
#include "skiff/oci/registry.hpp"

namespace skiff::oci {
namespace {

Result<RegistryTarget> target_for(const RegistriesConf& conf, const PullEndpoint& ep, const RegistryAccess& access) {
    RegistryTarget t;
    t.repository = ep.repository;
    t.options.registry = ep.registry;
    bool insecure = ep.insecure || registry_insecure(conf, ep.registry);
    bool verify = access.tls_verify.value_or(!insecure);
    t.options.insecure = !verify;
    t.options.tls = tls_for_registry(ep.registry, access.cert_dir, verify);
    if (access.retries) t.options.max_attempts = *access.retries + 1;
    if (access.retry_delay_ms) t.options.backoff_ms = *access.retry_delay_ms;
    if (access.credentials) {
        t.options.credentials = access.credentials;
    } else {
        auto found = TRY(find_credentials(auth_files_to_read(access.authfile), ep.registry, ep.repository));
        if (found) t.options.credentials = std::move(*found);
    }
    return t;
}

}  // namespace

Result<std::vector<RegistryTarget>> registry_targets(const RegistriesConf& conf, const Reference& ref,
                                                     const RegistryAccess& access) {
    if (ref.registry.empty()) return make_error("reference " + ref.str() + " names no registry");
    std::vector<RegistryTarget> out;
    for (const auto& ep : TRY(pull_endpoints(conf, ref))) out.push_back(TRY(target_for(conf, ep, access)));
    return out;
}

Result<RegistryTarget> registry_target(const RegistriesConf& conf, const std::string& registry,
                                       const std::string& repository, const RegistryAccess& access) {
    return target_for(conf, PullEndpoint{registry, repository, false}, access);
}

Result<RegistryTarget> push_target(const RegistriesConf& conf, const Reference& ref, const RegistryAccess& access) {
    if (ref.registry.empty()) return make_error("reference " + ref.str() + " names no registry");
    auto eps = TRY(pull_endpoints(conf, ref));
    // The last endpoint is the registry itself (rewritten); the ones before are pull mirrors.
    return target_for(conf, eps.back(), access);
}

}  // namespace skiff::oci
