// Typed OCI image configuration (image-spec config.json), independent of any transport or store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::oci {

// The "config" object: what a container made from the image starts with.
struct ContainerConfig {
    std::string user;
    std::vector<std::string> env;  // "KEY=VALUE"
    std::optional<std::vector<std::string>> entrypoint;  // nullopt: not set (distinct from [])
    std::optional<std::vector<std::string>> cmd;
    std::string working_dir;
    std::map<std::string, std::string> labels;
    std::string stop_signal;
    std::vector<std::string> exposed_ports;  // "80/tcp"
    std::vector<std::string> volumes;
};

struct HistoryEntry {
    std::string created;
    std::string created_by;
    std::string author;
    std::string comment;
    bool empty_layer = false;
};

// application/vnd.oci.image.config.v1+json (docker's image JSON is a superset and parses too).
struct ImageConfig {
    std::string created;  // RFC 3339
    std::string author;
    std::string architecture;
    std::string os;
    std::string variant;
    ContainerConfig config;
    std::vector<std::string> diff_ids;  // "sha256:…", bottom layer first
    std::vector<HistoryEntry> history;
};

Result<ImageConfig> parse_image_config(std::string_view json);
std::string serialize_image_config(const ImageConfig& cfg);

}  // namespace skiff::oci
