#include "skiff/engine/secrets.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/filters.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

// podman's util.StringMatchRegexSlice: the value contains a match of one of the expressions.
bool regex_found(const std::string& value, const std::string& expr) {
    try {
        return std::regex_search(value, std::regex(expr, std::regex::extended));
    } catch (const std::regex_error&) {
        return false;
    }
}

Result<std::string> read_source(const SecretCreateOptions& opts) {
    if (opts.from_env) {
        const char* v = ::getenv(opts.source.c_str());
        if (!v) return make_error("cannot create store secret data: environment variable " + opts.source + " is not set");
        return std::string(v);
    }
    if (opts.source == "-") return sys::read_all(STDIN_FILENO);
    return fs::read_file(opts.source);
}

}  // namespace

Result<std::string> create_secret(const storage::StoreConfig& store, const SecretCreateOptions& opts) {
    if (!opts.driver.empty() && opts.driver != "file")
        return make_error(opts.driver + ": invalid driver: skiff keeps secrets with the file driver only");
    for (auto& [key, value] : opts.driver_options)
        if (key != "path") return make_error(key + ": invalid driver option");
        else if (value != storage::secrets_dir(store))
            return make_error("path " + value + ": invalid driver option: the file driver keeps secrets in " +
                              storage::secrets_dir(store));
    std::string data = TRY(read_source(opts));
    auto lock = TRY(storage::lock_secrets(store));
    return TRY(storage::create_secret(store, opts.name, data, opts.labels)).id;
}

Result<std::vector<storage::Secret>> list_secrets(const storage::StoreConfig& store,
                                                  const std::vector<std::string>& filters) {
    static constexpr const char* kKeys[] = {"name", "id"};
    FilterValues values = TRY(group_filters(filters, kKeys));
    std::vector<storage::Secret> out;
    for (auto& sec : TRY(storage::list_secrets(store))) {
        bool keep = filters_match(values, [&](const std::string& key, const std::string& v) {
            return regex_found(key == "name" ? sec.name : sec.id, v);
        });
        if (keep) out.push_back(std::move(sec));
    }
    return out;
}

Result<storage::Secret> find_secret(const storage::StoreConfig& store, const std::string& name_or_id) {
    return storage::find_secret(store, name_or_id);
}

std::vector<SecretRemoval> remove_secrets(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                          bool all) {
    std::vector<SecretRemoval> out;
    auto lock = storage::lock_secrets(store);
    if (!lock.ok()) return {{"", lock.take_error()}};
    std::vector<std::string> targets = names;
    if (all) {
        auto list = storage::list_secrets(store);
        if (!list.ok()) return {{"", list.take_error()}};
        for (auto& sec : *list) targets.push_back(sec.id);
    }
    for (auto& t : targets) {
        SecretRemoval r;
        auto sec = storage::find_secret(store, t);
        if (!sec.ok()) {
            r.error = sec.take_error();
            out.push_back(std::move(r));
            continue;
        }
        if (auto rm = storage::remove_secret(store, sec->id); !rm.ok()) r.error = rm.take_error().context("deleting secret " + t);
        else r.id = sec->id;
        out.push_back(std::move(r));
    }
    return out;
}

namespace {

// The secret a container uses, by the id it resolved to at create; errors name it as the user did.
Result<std::string> data_of(const storage::StoreConfig& store, const SecretUse& use) {
    auto sec = storage::find_secret(store, use.id);
    if (!sec.ok()) {
        if (sec.error().missing) return missing_error("no secret with name or id \"" + use.name + "\": no such secret");
        return sec.take_error();
    }
    return storage::read_secret_data(store, *sec);
}

}  // namespace

Result<void> resolve_secrets(const storage::StoreConfig& store, ContainerConfig& config) {
    for (SecretUse& use : config.secrets) {
        auto sec = TRY(storage::find_secret(store, use.name));
        use.id = sec.id;
        use.name = sec.name;
        if (use.env && use.target.empty()) use.target = sec.name;
    }
    return {};
}

std::string secret_file_name(const ContainerConfig& config, size_t index) {
    return std::to_string(index) + "-" + config.secrets[index].name;
}

std::string secret_files_dir(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_dir(store, id), "secrets");
}

Result<void> write_secret_files(const storage::StoreConfig& store, const std::string& id, const ContainerConfig& config) {
    std::string dir = secret_files_dir(store, id);
    for (size_t i = 0; i < config.secrets.size(); ++i) {
        const SecretUse& use = config.secrets[i];
        if (use.env) continue;
        std::string data = TRY(data_of(store, use));
        TRY(fs::mkdir_p(dir, 0700));
        std::string path = fs::join(dir, secret_file_name(config, i));
        TRY(fs::write_file_atomic(path, data, fs::Durability::kNoSync, 0600));
        if (::chown(path.c_str(), use.uid, use.gid) < 0) return sys_error("chown secret " + use.name);
        if (::chmod(path.c_str(), use.mode & 07777) < 0) return sys_error("chmod secret " + use.name);
    }
    // The directory is passed through by the container's bind mounts only; nobody else enters it.
    return {};
}

Result<std::vector<std::string>> secret_env(const storage::StoreConfig& store, const ContainerConfig& config) {
    std::vector<std::string> env;
    for (const SecretUse& use : config.secrets) {
        if (!use.env) continue;
        env.push_back(use.target + "=" + TRY(data_of(store, use)));
    }
    return env;
}

}  // namespace skiff::engine
