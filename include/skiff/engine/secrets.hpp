// `secret create|ls|inspect|rm`, and what a container is given of its --secret options: podman's
// secrets with the file driver (storage/secrets.hpp keeps them).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/storage/secrets.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct SecretCreateOptions {
    std::string name;
    std::string source;  // a file, "-" for stdin, or (from_env) an environment variable's name
    bool from_env = false;
    std::string driver;  // "" or "file"
    std::map<std::string, std::string> driver_options;
    std::map<std::string, std::string> labels;
};
// The new secret's id.
Result<std::string> create_secret(const storage::StoreConfig& store, const SecretCreateOptions& opts);

// filters: name= and id=, each a regular expression searched for, as podman's.
Result<std::vector<storage::Secret>> list_secrets(const storage::StoreConfig& store,
                                                  const std::vector<std::string>& filters);
Result<storage::Secret> find_secret(const storage::StoreConfig& store, const std::string& name_or_id);

struct SecretRemoval {
    std::string id;  // of the removed secret
    Error error;     // error.message empty on success
};
// `all`: every secret (names then must be empty).
std::vector<SecretRemoval> remove_secrets(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                          bool all);

// A container's --secret options at create: each secret looked up (podman's error for one that
// does not exist) and its id recorded.
Result<void> resolve_secrets(const storage::StoreConfig& store, ContainerConfig& config);
// Where a container's copies of its mount secrets are: its directory's secrets/, a file per --secret
// (secret_file_name: two uses of one secret may differ in owner and mode), made at create
// (write_secret_files) with its uid, gid and mode, as podman copies them then; the container keeps
// them if the secret is removed later.
std::string secret_files_dir(const storage::StoreConfig& store, const std::string& id);
std::string secret_file_name(const ContainerConfig& config, size_t index);
Result<void> write_secret_files(const storage::StoreConfig& store, const std::string& id, const ContainerConfig& config);
// The env secrets as VAR=DATA, read from the secret store at each start (as podman reads them).
Result<std::vector<std::string>> secret_env(const storage::StoreConfig& store, const ContainerConfig& config);

}  // namespace skiff::engine
