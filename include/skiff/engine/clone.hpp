// `container clone`: a new container with another one's configuration, a new name and the limits
// the command line changes; optionally from another image, with the original removed, started.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/storage/containers.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct CloneOptions {
    std::string container;  // the original, by name or id
    std::string name;       // empty: clone_name()
    std::string image;      // an image id (the CLI finds or pulls it); empty: the original's
    std::string image_name;  // the image as the user named it
    UpdateOptions limits;   // --memory, --memory-swap, --cpus, --cpuset-cpus, --cpu-shares
    bool destroy = false;   // the original removed after
    bool force = false;     // with destroy: even if it runs
    bool run = false;       // the clone started
};

// podman's name for a clone of `original` when none is given: ORIGINAL-clone, or when that is
// taken ORIGINAL-clone1, -clone2 … (the first free one); a name with "-clone" and a number
// counts on from that number. `taken` says whether a container has a name (pure).
std::string clone_name(std::string_view original, const std::function<bool(const std::string&)>& taken);

// The clone made (and with `run` started); with `destroy` the original is removed once it is.
Result<storage::Container> clone_container(const storage::StoreConfig& store, const CloneOptions& o);

}  // namespace skiff::engine
