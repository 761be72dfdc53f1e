// login/logout over the oci registry client and auth.json.
#include "skiff/engine/login.hpp"

#include "skiff/oci/auth.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/registries_conf.hpp"
#include "skiff/oci/registry.hpp"

namespace skiff::engine {

std::string login_key(std::string_view registry) {
    if (registry.starts_with("https://")) registry.remove_prefix(8);
    else if (registry.starts_with("http://")) registry.remove_prefix(7);
    while (registry.ends_with("/")) registry.remove_suffix(1);
    if (registry.ends_with("/v2") || registry.ends_with("/v1")) registry.remove_suffix(3);
    std::string key(registry);
    if (key == "index.docker.io" || key == "registry-1.docker.io") key = "docker.io";
    return key;
}

Result<std::string> login(const LoginOptions& opts) {
    std::string key = login_key(opts.registry);
    if (key.empty()) return make_error("please provide a registry to log in to");
    std::string what = "logging into \"" + key + "\"";
    if (opts.username.empty()) return make_error(what + ": a username is required (-u)");
    if (opts.password.empty()) return make_error(what + ": a password is required (-p or --password-stdin)");
    std::string host = key.substr(0, key.find('/'));

    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    bool insecure = oci::registry_insecure(conf, host);
    bool verify = opts.tls_verify.value_or(!insecure);

    oci::RegistryOptions ro;
    ro.registry = host;
    ro.insecure = !verify;
    ro.tls = oci::tls_for_registry(host, opts.cert_dir, verify);
    ro.credentials = oci::Credentials{opts.username, opts.password, ""};
    auto client = TRY_CTX(oci::http::make_client(), what);
    oci::Registry reg(*client, ro, "");
    auto pinged = reg.ping();
    if (!pinged) {
        const Error& e = pinged.error();
        if (e.message.find("incorrect username or password") != std::string::npos)
            return make_error(what + ": invalid username/password");
        return make_error(what + ": " + e.message);
    }
    std::string file = oci::default_auth_file(opts.authfile);
    TRY(oci::store_credentials(file, key, *ro.credentials));
    return file;
}

Result<std::string> get_login(const std::string& registry, const std::string& authfile) {
    std::string key = login_key(registry);
    std::string host = key.substr(0, key.find('/'));
    std::string repo = key.find('/') == std::string::npos ? std::string() : key.substr(key.find('/') + 1);
    auto creds = TRY(oci::find_credentials(oci::auth_files_to_read(authfile), host, repo));
    if (!creds || creds->username.empty()) return make_error("not logged into " + key);
    return creds->username;
}

Result<void> logout(const std::string& registry, bool all, const std::string& authfile) {
    std::string file = oci::default_auth_file(authfile);
    if (all) {
        TRY(oci::remove_all_credentials(file));
        return {};
    }
    std::string key = login_key(registry);
    if (key.empty()) return make_error("please provide a registry to log out from");
    bool removed = TRY(oci::remove_credentials(file, key));
    if (!removed) return make_error("not logged into " + key);
    return {};
}

}  // namespace skiff::engine
