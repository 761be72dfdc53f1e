// The store every engine call takes, as skiff's global flags choose it.
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/runtime/rootless.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

using StoreConfig = storage::StoreConfig;

struct StoreFlags {
    std::string root, runroot, driver;  // --root, --runroot, --storage-driver; empty: the default
    std::string volumepath;             // --volumepath; empty: ROOT/volumes
};

// Paths as podman: rootful /var/lib/skiff and /run/skiff; rootless $XDG_DATA_HOME/skiff (else
// ~/.local/share/skiff) and $XDG_RUNTIME_DIR/skiff (else /tmp/skiff-run-UID/skiff); the flags
// override them. The driver is overlay unless named (overlay, vfs).
Result<StoreConfig> resolve_store(const StoreFlags& flags);
// An ordinary user's command joins the user's own user and mount namespaces first, made by the
// first command (runtime/rootless.hpp), and is root in them from then on. Nothing for root.
Result<void> enter_user_namespace(const StoreConfig& store);
// `skiff __pause`, the process that holds them: dispatched by main() before anything else.
inline constexpr std::string_view kPauseCommand = runtime::kPauseCommand;
int pause_process_main();
// At debug level, as podman does: the driver and the directories the store uses.
void log_store(const StoreConfig& store);

}  // namespace skiff::engine
