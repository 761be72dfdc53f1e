// `skiff run`: an image and options become a container record, a runtime spec and a process.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/oci/image.hpp"
#include "skiff/runtime/spec.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct RunOptions {
    std::string image;
    std::vector<std::string> command;  // overrides the image's Cmd
    std::optional<std::string> entrypoint;  // a word, or a JSON array; "" clears the image's
    bool remove = false;                // --rm
    bool interactive = false;           // -i
    bool tty = false;                   // -t
    std::vector<std::string> env;       // -e K=V or K (taken from skiff's environment)
    std::vector<std::string> env_files; // --env-file
    std::string workdir;
    std::string user;
    std::string hostname;
    std::string name;
    std::string network = "none";  // none | host
    bool read_only = false;
    bool privileged = false;
    std::vector<std::string> cap_add, cap_drop;
    std::vector<std::string> security_opt;
    std::map<std::string, std::string> labels;
};

// What the spec needs beyond the image and the options: all inputs of the pure function.
struct SpecInputs {
    std::string container_id;
    std::string run_dir;    // where /etc/hosts, /etc/hostname, /etc/resolv.conf are written
    std::string cache_dir;  // for the compiled seccomp filter
    std::vector<std::string> env_file_lines;  // the --env-file contents, in order, split in lines
    std::map<std::string, std::string> host_env;  // for "-e NAME" without a value
};

// A pure function: image config + options → runtime spec (root left for the caller to fill).
Result<runtime::Spec> make_spec(const oci::ImageConfig& image, const RunOptions& opts, const SpecInputs& in);

// Args from the image's Entrypoint/Cmd and the options, as docker and podman combine them.
Result<std::vector<std::string>> make_args(const oci::ContainerConfig& image, const RunOptions& opts);

// Merge environments: later entries override earlier ones with the same name, order kept.
std::vector<std::string> merge_env(const std::vector<std::string>& base, const std::vector<std::string>& over);

// Run in the foreground; returns the container's exit status (or 125/126/127 as podman).
Result<int> run(const storage::StoreConfig& store, const RunOptions& opts);

}  // namespace skiff::engine
