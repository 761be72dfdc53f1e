// The skiff binary: a detached container's monitor, or the command line. The monitor is dispatched
// before the command tree exists, so that the long-lived process never holds it (src/monitor).
#include "skiff/cli/cli.hpp"
#include "skiff/engine/monitor.hpp"
#include "skiff/engine/store.hpp"
#include "skiff/monitor/monitor.hpp"

int main(int argc, char** argv) {
    if (argc > 1 && argv[1] == skiff::engine::kMonitorCommand) return skiff::monitor::monitor_process(argc, argv);
    if (argc == 2 && argv[1] == skiff::engine::kPauseCommand) return skiff::engine::pause_process_main();
    return skiff::cli::run(argc, argv);
}
