#include "registry_flags.hpp"

#include <cstdlib>

namespace skiff::cli {

void add_registry_flags(CLI::App* sub, RegistryFlags& f) {
    sub->add_option("--authfile", f.authfile, "path of the authentication file");
    sub->add_option("--cert-dir", f.cert_dir, "use certificates at the specified path to access the registry");
    sub->add_option("--creds", f.creds, "use [username[:password]] for accessing the registry");
    sub->add_option("--retry", f.retry, "number of times to retry in case of failure when pulling (default 4)");
    sub->add_option("--retry-delay", f.retry_delay, "delay before the first retry, doubling after each (default 250ms)");
    f.tls_option = sub->add_option("--tls-verify", f.tls_verify,
                                   "require HTTPS and verify certificates when contacting registries (true|false)")
                       ->expected(0, 1);
}

namespace {

// Go's duration syntax for the common cases: "500ms", "2s", "1.5s", "1m".
Result<unsigned> parse_delay_ms(const std::string& s) {
    const std::pair<const char*, double> units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}};
    for (auto [suffix, scale] : units) {
        std::string_view sv = s;
        if (!sv.ends_with(suffix)) continue;
        sv.remove_suffix(std::string_view(suffix).size());
        if (sv.empty() || sv.find_first_not_of("0123456789.") != std::string_view::npos) break;
        double v = std::strtod(std::string(sv).c_str(), nullptr) * scale;
        if (v < 0 || v > 3600000) break;
        return static_cast<unsigned>(v);
    }
    return make_error("invalid argument \"" + s + "\" for \"--retry-delay\" flag: want a duration such as 500ms or 2s");
}

}  // namespace

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
    if (f.retry != kRetryUnset) {
        if (f.retry < 0) return make_error("--retry must not be negative");
        a.retries = f.retry;
    }
    if (!f.retry_delay.empty()) a.retry_delay_ms = TRY(parse_delay_ms(f.retry_delay));
    return a;
}

}  // namespace skiff::cli
