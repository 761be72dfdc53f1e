#include "registry_flags.hpp"

namespace skiff::cli {

void add_registry_flags(CLI::App* sub, RegistryFlags& f) {
    sub->add_option("--authfile", f.authfile, "path of the authentication file");
    sub->add_option("--cert-dir", f.cert_dir, "use certificates at the specified path to access the registry");
    sub->add_option("--creds", f.creds, "use [username[:password]] for accessing the registry");
    f.tls_option = sub->add_option("--tls-verify", f.tls_verify,
                                   "require HTTPS and verify certificates when contacting registries (true|false)")
                       ->expected(0, 1);
}

Result<oci::RegistryAccess> registry_access(const RegistryFlags& f) {
    oci::RegistryAccess a;
    a.authfile = f.authfile;
    a.cert_dir = f.cert_dir;
    if (f.tls_option && f.tls_option->count() > 0 && f.tls_verify.empty()) {
        a.tls_verify = true;  // a bare --tls-verify
    } else if (!f.tls_verify.empty()) {
        if (f.tls_verify != "true" && f.tls_verify != "false")
            return make_error("invalid argument \"" + f.tls_verify + "\" for \"--tls-verify\" flag: invalid syntax");
        a.tls_verify = f.tls_verify == "true";
    }
    if (!f.creds.empty()) {
        auto colon = f.creds.find(':');
        std::string user = f.creds.substr(0, colon);
        if (user.empty()) return make_error("invalid --creds \"" + f.creds + "\": a username is required");
        a.credentials = oci::Credentials{user, colon == std::string::npos ? "" : f.creds.substr(colon + 1), ""};
    }
    return a;
}

}  // namespace skiff::cli
