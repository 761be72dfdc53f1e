// Rootless skiff: an ordinary user's commands run as root of the user's own user namespace — the
// user is root inside, the user's subordinate ids (/etc/subuid, /etc/subgid, through Debian's
// setuid newuidmap and newgidmap) are 1…N — with a mount namespace of its own. A pause process
// (`skiff __pause`) made by the first command holds both namespaces, and every later command joins
// them with setns(2): owners in the store, the containers' processes and the mounts are then the
// same for all of the user's commands, whatever each is, and joining costs two system calls where
// making a namespace costs two executions of the setuid helpers (podman keeps such a process too).
//
// Without subordinate ids the namespace maps the user alone, with a warning naming what needs more.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/idmap.hpp"
#include "skiff/base/result.hpp"

namespace skiff::runtime {

inline constexpr std::string_view kPauseCommand = "__pause";

// The ranges /etc/subuid or /etc/subgid (`text`) give the user, by name or by number, in order.
std::vector<IdRange> parse_subordinate_ids(std::string_view text, const std::string& user, uid_t uid);

// The namespace's mapping: 0 is the user's own id, then the subordinate ranges, in order, from 1.
std::vector<IdRange> rootless_ranges(unsigned own, const std::vector<IdRange>& subordinate);

// Joins the user's namespaces, making the pause process first when there is none (its pid file and
// lock in `state_dir`, made 0700 when missing). Afterwards this process is root in the namespace.
// A process with threads cannot join a user namespace: call it before any starts.
Result<void> join_rootless_namespace(const std::string& state_dir);

// The pause process's pid, or 0 when none is running for `state_dir`.
pid_t rootless_pause_pid(const std::string& state_dir);

// `skiff __pause`: hold the namespaces until killed.
int pause_process_main();

}  // namespace skiff::runtime
