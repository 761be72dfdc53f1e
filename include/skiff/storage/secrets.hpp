// Secrets, as podman's "file" driver keeps them: sensitive data a container gets at run time (a file
// under /run/secrets, or an environment variable) that is never part of an image or a container's
// record. --root/secrets/secrets.json lists them (id, name, times, labels); each one's data is
// --root/secrets/data/<id>, mode 0600, in a directory only the owner can enter.
// Lock: locks/secrets (under --runroot), held while secrets are made or removed. The data is written
// before the list names it, and a killed create's unnamed data is removed by the next create.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "skiff/base/lock.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

struct Secret {
    std::string id;  // 25 hex digits, as podman's
    std::string name;
    int64_t created_ns = 0;
    int64_t updated_ns = 0;
    std::map<std::string, std::string> labels;
};

// podman's rule: 1-64 of [a-zA-Z0-9_.-], starting and ending with a letter or digit.
bool valid_secret_name(std::string_view name);
// podman's size rule: more than 0 and less than 512000 bytes.
constexpr size_t kMaxSecretSize = 512000;

std::string secrets_dir(const StoreConfig& s);            // --root/secrets
std::string secret_data_path(const StoreConfig& s, const std::string& id);

Result<FileLock> lock_secrets(const StoreConfig& s);
// A new secret; a name in use is an error (code EEXIST). Hold lock_secrets() around it.
Result<Secret> create_secret(const StoreConfig& s, const std::string& name, std::string_view data,
                             const std::map<std::string, std::string>& labels);
// By name, full id or unique id prefix (`missing` when none, as podman's lookup).
Result<Secret> find_secret(const StoreConfig& s, const std::string& name_or_id);
Result<std::vector<Secret>> list_secrets(const StoreConfig& s);  // oldest first
Result<std::string> read_secret_data(const StoreConfig& s, const Secret& secret);
// Hold lock_secrets() around it.
Result<void> remove_secret(const StoreConfig& s, const std::string& id);

}  // namespace skiff::storage
