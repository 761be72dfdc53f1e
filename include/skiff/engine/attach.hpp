// `skiff attach` (and `start -a`): skiff's stdio joined to a detached container through its
// monitor's attach socket; output copied out, stdin (with -i) copied in, signals passed on, until
// the container exits or the user types the detach keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// podman's key syntax: comma-separated "ctrl-<x>" (x a letter or one of @[\]^_) and single
// letters; "" disables detaching. The bytes to match.
Result<std::string> parse_detach_keys(std::string_view keys);

// Watches the user's input for the detach sequence; what is not part of a match passes on
// (a partial match is held back until it is complete or broken).
class DetachMatcher {
public:
    explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}
    // The bytes to pass to the container; `detached` is set when the sequence was completed.
    std::string feed(std::string_view input, bool& detached);

private:
    std::string keys_;
    size_t matched_ = 0;
};

struct AttachOptions {
    std::string detach_keys{kDefaultDetachKeys};
    bool stdin = true;      // pass skiff's stdin on (only if the container was created with -i)
    bool sig_proxy = true;  // pass SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 on
    bool starting = false;  // start -a: the monitor is waiting for this client before it runs it
};

// Attach to a running container; the container's exit code when it exits while attached, 0 when
// detached. A start failure reported by the monitor is an Error with the runtime's exit code.
Result<int> attach(const storage::StoreConfig& store, const std::string& name_or_id, const AttachOptions& opts);

}  // namespace skiff::engine
