// The container monitor's own entry point. launch_monitor (run_internal.hpp) forks and re-executes
// skiff as `skiff __monitor …`; main() hands that command line here before it builds anything else,
// so the monitor starts as a small process (monitor.cpp says what it does).
#pragma once

#include <string_view>

namespace skiff::engine {

inline constexpr std::string_view kMonitorCommand = "__monitor";

// Runs the monitor whose arguments launch_monitor wrote; returns the process's exit code.
int monitor_process(int argc, char** argv);

}  // namespace skiff::engine
