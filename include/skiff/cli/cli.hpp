// The command line: podman's commands, parsed, carried out by the engine, their output printed.
#pragma once

namespace skiff::cli {

// Runs the command `argv` names; returns skiff's exit code (podman's: 125 skiff failed, 126 the
// container's command cannot be invoked, 127 not found, else the container's own).
int run(int argc, char** argv);

}  // namespace skiff::cli
