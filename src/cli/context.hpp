// What every command receives: the store configuration from the global flags, and where to put
// its exit code. Commands parse argv into typed options, call one engine function, format output.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/store.hpp"

namespace CLI {
class App;
class Option;
}

namespace skiff::cli {

struct Context {
    engine::StoreConfig store;  // resolved from --root/--runroot/--storage-driver before callbacks
    bool rootless = false;
    std::string runtime;  // --runtime as given; empty: skiff's own
    int exit_code = 0;
    // For commands marked prefix_command() (run…): IMAGE and everything after it, unparsed.
    std::vector<std::string> trailing;
};

// Print "Error: <message>" on stderr; return the error's exit code (125 unless it says otherwise).
int fail(const Error& e);

// Finish a command: 0 on success, or print the error and take its exit code.
void finish(Context& ctx, const Result<void>& r);

// The "Usage:" line of a command's --help (and of `skiff help CMD`), as podman words it.
void set_usage(CLI::App* app, std::string usage);
// The usage set for `app`, or "" when none was.
std::string usage_of(const CLI::App* app);

// --label words, KEY=VALUE or KEY (an empty value), as a map; a later KEY wins.
std::map<std::string, std::string> parse_labels(const std::vector<std::string>& words);

// Fail when a command that takes no more than `max` arguments got more, podman's wording.
Result<void> check_arg_count(const std::string& cmd, size_t got, size_t min, size_t max);

}  // namespace skiff::cli
