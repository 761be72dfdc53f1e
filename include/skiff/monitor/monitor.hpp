// The container monitor's entry point (src/monitor/monitor.cpp says what it does). launch_monitor
// (src/engine/monitor_launch.cpp) re-executes skiff as `skiff __monitor`; main() hands that command
// line here before it builds anything else, so that the monitor starts as a small process.
#pragma once

namespace skiff::monitor {

// Runs the monitor that launch_monitor started (its start message waits on the channel,
// skiff/engine/monitor.hpp); returns the process's exit code.
int monitor_process(int argc, char** argv);

}  // namespace skiff::monitor
