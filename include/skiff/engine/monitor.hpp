// The channel between the command that starts a detached container (launch_monitor, run_internal.hpp)
// and the container's monitor (src/monitor): skiff re-executes itself as `skiff __monitor`, and the
// two speak typed packets (skiff/base/packet.hpp) over a socket pair whose monitor end is descriptor
// kMonitorChannelFd there. main() hands that command line to the monitor module before it builds
// anything else, so the monitor starts as a small process.
//
// launcher → monitor: one kStart packet {store, container id, start -a or not, log level, init or
//   not, runtime flags}, with a descriptor of start's lock alongside (held until the container is recorded running).
// For `init` the monitor reports kStarted once the container's process waits to execute, and
//   listens on init_socket(): `start` connects and sends kStart, and hears kStarted or kFailed there.
// monitor → launcher: one of kStarted (the container's command was executed), kListening (start -a:
//   its attach socket listens; it runs the container once the first client is there) or kFailed
//   {exit code, message}. The end of the stream before any of them: the monitor died.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/log.hpp"
#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

inline constexpr std::string_view kMonitorCommand = "__monitor";
inline constexpr int kMonitorChannelFd = 3;

enum class MonitorMessage : uint8_t { kStart = 1, kStarted = 2, kListening = 3, kFailed = 4 };

// What the monitor is told. The spec is not passed: the monitor builds it from the container's
// stored record as start would, so there is one way to make it.
struct MonitorStart {
    storage::StoreConfig store;
    std::string id;
    bool wait_attach = false;
    bool init_only = false;  // `init`: report once the process waits to execute, run it on `start`
    log::Level log_level = log::Level::kWarn;
    std::vector<std::string> runtime_flags;  // --runtime-flag, applied by the monitor (oci_runtime.hpp)
};

// Where an initialized container's monitor waits for `start` (in the container's run directory).
std::string init_socket(const storage::StoreConfig& store, const std::string& id);

std::string encode_monitor_start(const MonitorStart& m);
Result<MonitorStart> decode_monitor_start(std::string_view body);

// The monitor's report of its start, and the launcher's reading of it: success, or the error (with
// its exit code) that stopped the container.
void report_started(int sock);
void report_listening(int sock);
void report_failed(int sock, const Error& e);
Result<void> read_monitor_report(int sock, bool wait_attach);

}  // namespace skiff::engine
