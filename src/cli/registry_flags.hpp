// The flags every command that talks to a registry takes, as podman spells them: --authfile,
// --cert-dir, --creds, --tls-verify[=false].
#pragma once

#include <string>

#include <CLI/App.hpp>

#include "skiff/base/result.hpp"
#include "skiff/engine/pull.hpp"  // oci::RegistryAccess, as the engine takes it

namespace skiff::cli {

inline constexpr int kRetryUnset = -1000000;

struct RegistryFlags {
    std::string authfile, cert_dir, creds, tls_verify, retry_delay;
    int retry = kRetryUnset;
    CLI::Option* tls_option = nullptr;
};

void add_registry_flags(CLI::App* sub, RegistryFlags& f);

// Checked: --tls-verify is true or false; --creds is USER[:PASSWORD] with a user.
Result<oci::RegistryAccess> registry_access(const RegistryFlags& f);

}  // namespace skiff::cli
