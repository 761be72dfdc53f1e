// `skiff exec`: another process in a running container, set up from the container's stored configuration
// with the exec's own command, environment, user, working directory, terminal and privileges.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct ExecOptions {
    std::string container;             // name or id
    std::vector<std::string> command;  // COMMAND [ARG...]
    bool interactive = false;          // -i
    bool tty = false;                  // -t
    bool detach = false;               // -d
    bool privileged = false;           // --privileged: every capability, no seccomp filter
    std::vector<std::string> env;        // -e K=V or K (taken from skiff's environment)
    std::vector<std::string> env_files;  // --env-file
    std::string user;                  // -u; empty: the container's
    std::string workdir;               // -w; empty: the container's
};

// Each exec is a session, as podman's: an id (64 hex digits) recorded in the container's run
// directory with the process while it runs; *session (if given) gets it. The exec'd process's exit
// status (128+N when killed by signal N); 0 at once with `detach`.
// A container that is not running: "can only create exec sessions on running containers:
// container state improper" (125); 126 or 127 when the command cannot be run or is not found.
Result<int> exec(const storage::StoreConfig& store, const ExecOptions& opts, std::string* session = nullptr);

// The ids of the container's exec sessions whose process still runs (inspect's ExecIDs).
std::vector<std::string> exec_sessions(const storage::StoreConfig& store, const std::string& container_id);

}  // namespace skiff::engine
