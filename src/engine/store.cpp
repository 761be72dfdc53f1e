#include "skiff/engine/store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "skiff/base/fs.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/rootless.hpp"
#include "skiff/storage/volumes.hpp"

namespace skiff::engine {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

}  // namespace

Result<StoreConfig> resolve_store(const StoreFlags& flags) {
    std::string root = "/var/lib/skiff", runroot = "/run/skiff";
    if (rootless_process()) {
        std::string home = env_or("HOME", "/");
        root = fs::join(env_or("XDG_DATA_HOME", fs::join(home, ".local/share")), "skiff");
        runroot = fs::join(user_runtime_dir(), "skiff");
    }
    StoreConfig store;
    store.root = flags.root.empty() ? root : flags.root;
    store.runroot = flags.runroot.empty() ? runroot : flags.runroot;
    store.volume_path = flags.volumepath;
    store.driver = flags.driver.empty() ? storage::Driver::kOverlay : TRY(storage::parse_driver(flags.driver));
    return store;
}

Result<void> enter_user_namespace(const StoreConfig& store) {
    // Root, or rootless and in the user's namespace already (a command re-executed, a monitor).
    if (::geteuid() == 0) return {};
    // The fallback run directory is in /tmp, where another user could have made it first: it must be
    // the user's own directory, 0700, not a link.
    const std::string fallback = "/tmp/skiff-run-" + std::to_string(::geteuid());
    if (store.runroot.starts_with(fallback + "/")) {
        if (::mkdir(fallback.c_str(), 0700) < 0 && errno != EEXIST) return sys_error("mkdir " + fallback);
        struct stat st;
        if (::lstat(fallback.c_str(), &st) < 0) return sys_error("stat " + fallback);
        if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
            return make_error(fallback + " is not a directory of this user's with mode 0700: set XDG_RUNTIME_DIR, or remove it");
    }
    return runtime::join_rootless_namespace(store.runroot);
}

int pause_process_main() { return runtime::pause_process_main(); }

void log_store(const StoreConfig& store) {
    log::debug("Using graph driver {}", storage::driver_name(store.driver));
    log::debug("Using graph root {}", store.root);
    log::debug("Using run root {}", store.runroot);
    log::debug("Using volume path {}", storage::volumes_dir(store));
}

}  // namespace skiff::engine
