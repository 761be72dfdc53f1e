// The container's runtime (podman's --runtime and --runtime-flag). skiff is its own OCI runtime: the
// binary that runs a container is a skiff binary, by default the one running now. `--runtime` names
// another (a name looked up in PATH, or a path): it must be a skiff of this version (asked with
// `--version`), and a detached container's monitor — which clones, sets up and watches the
// container — is executed from it; a foreground run is then run through such a monitor and
// attached to. A binary that is not skiff (runc, crun) is refused: skiff does not drive other OCI
// runtimes. The runtime a container was created with is recorded with it (inspect's OCIRuntime)
// and used at each start.
//
// `--runtime-flag` passes flags to the runtime, as runc's global flags are written without their
// dashes: skiff's runtime takes `debug` (its log at debug level), `log=PATH` (its log lines
// appended to PATH instead of stderr) and `log-format=text|json`. Any other flag fails the start of
// the container, with exit code 126, as an OCI runtime refusing it fails podman's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::engine {

inline constexpr std::string_view kOwnRuntime = "skiff";

struct OciRuntime {
    std::string name;     // as given ("skiff" for the default)
    std::string path;     // the binary
    std::string version;  // its --version line
    bool own = false;     // the binary running now: a foreground run runs in this process
};

// The runtime `given` names (empty or "skiff": the binary running now). Errors in podman's words,
// exit code 125.
Result<OciRuntime> resolve_runtime(std::string_view given);

// This process's --runtime and --runtime-flag (a monitor's come in its start message).
void set_runtime_choice(std::string runtime, std::vector<std::string> flags);
const std::string& chosen_runtime();
const std::vector<std::string>& runtime_flags();

// The flags applied to this process's log, as the runtime starts a container: an unknown flag or
// a log file that cannot be opened is an error with exit code 126.
Result<void> apply_runtime_flags(const std::vector<std::string>& flags);

}  // namespace skiff::engine
