// Finding and starting the container's command, with podman's messages and exit codes
// (127: not found; 126: found but cannot be run).
#pragma once

#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"

namespace skiff::runtime {

// The value of `key` in KEY=VALUE entries (the last one wins), or `fallback`.
std::string env_value(const std::vector<std::string>& env, const std::string& key, const std::string& fallback);

// The process environment: `env`, with HOME added from the user's entry when it is missing.
std::vector<std::string> process_env(const std::vector<std::string>& env, const std::string& home);

// Resolves `name` as crun does: a name with a slash is taken as a path (relative to `cwd`),
// otherwise each directory of `path_list` is tried. Runs in the container, as its user.
Result<std::string> find_executable(const std::string& name, const std::string& path_list, const std::string& cwd);

// The error podman reports when `what` (the exec of a command, say) failed with `err`.
Error exec_failure(const std::string& what, int err);

// CVE-2019-5736: skiff's exec stub (exec_stub.c) in a memfd sealed against every change, made
// before the clone. The clone executes the container's command through it, so that nothing the
// command names as itself (/proc/self/exe, a script's or ELF file's interpreter) is skiff's binary.
Result<unique_fd> sealed_exec_stub();

// Executes `path` with `args` and `env` through the stub `stub_fd`, which reports a failure of
// that exec over `sync_fd` (close-on-exec; kept open for the stub only). Returns only when the
// stub itself could not be executed, with the error podman would report.
Result<void> exec_command(int stub_fd, int sync_fd, const std::string& path, const std::vector<std::string>& args,
                          const std::vector<std::string>& env);

}  // namespace skiff::runtime
