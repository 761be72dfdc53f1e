// The containers a lifecycle command (start, stop, kill, pause, unpause, restart, rm) acts on:
// names and IDs, or --all, --latest, --cidfile, --filter, checked and resolved as podman does.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

#include "context.hpp"
#include "skiff/base/result.hpp"
#include "skiff/engine/containers.hpp"

namespace skiff::cli {

struct TargetFlags {
    bool all = false, latest = false, ignore = false;
    std::vector<std::string> names, cidfiles, filters;
};

// Which of the flags a command has (podman's set differs a little from one command to another).
struct TargetFlagSet {
    const char* all_help;
    bool cidfile = true, filter = true, ignore = false;
    bool filter_short = true;  // -f for --filter (rm has -f for --force)
};
// Adds -a/--all, -l/--latest and those `set` names, and the CONTAINER arguments.
void add_target_flags(CLI::App* sub, TargetFlags& t, const TargetFlagSet& set);

// podman's checks of how they combine: --filter takes no names; --all, --latest and --cidfile
// exclude each other and names; something must be named.
Result<void> check_targets(const TargetFlags& t);

struct Target {
    std::string id;     // what to act on: a name or ID as given, or the full ID
    std::string shown;  // what to print when done: the name or ID as given, else the full ID
};
// --filter: the containers that match (of those named, if any: by full ID or name); --all: those
// `wanted` accepts, newest first; --latest: the newest; --cidfile: the IDs the files hold; else
// the names, less those missing when --ignore.
Result<std::vector<Target>> resolve_targets(Context& ctx, const TargetFlags& t,
                                            const std::function<bool(const storage::Container&)>& wanted);

}  // namespace skiff::cli
