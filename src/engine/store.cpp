#include "skiff/engine/store.hpp"

#include <unistd.h>

#include <cstdlib>

#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/sys.hpp"
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
    if (::geteuid() != 0) {
        std::string home = env_or("HOME", "/");
        root = fs::join(env_or("XDG_DATA_HOME", fs::join(home, ".local/share")), "skiff");
        std::string xdg_run = env_or("XDG_RUNTIME_DIR", "");
        if (xdg_run.empty() || !sys::exists(xdg_run)) xdg_run = "/tmp/skiff-run-" + std::to_string(::geteuid());
        runroot = fs::join(xdg_run, "skiff");
    }
    StoreConfig store;
    store.root = flags.root.empty() ? root : flags.root;
    store.runroot = flags.runroot.empty() ? runroot : flags.runroot;
    store.volume_path = flags.volumepath;
    store.driver = flags.driver.empty() ? storage::Driver::kOverlay : TRY(storage::parse_driver(flags.driver));
    return store;
}

void log_store(const StoreConfig& store) {
    log::debug("Using graph driver {}", storage::driver_name(store.driver));
    log::debug("Using graph root {}", store.root);
    log::debug("Using run root {}", store.runroot);
    log::debug("Using volume path {}", storage::volumes_dir(store));
}

}  // namespace skiff::engine
