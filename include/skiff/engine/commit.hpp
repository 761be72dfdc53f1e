// `diff` and `commit`: what a container changed in its image's tree, and a new image made of it.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/changes.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

enum class DiffTarget { kAny, kContainer, kImage };

// A container's changes to its image, or an image's top layer's changes to the layers below. With
// kAny a container is looked for first, then an image, as podman does.
Result<std::vector<storage::Change>> diff(const storage::StoreConfig& store, const std::string& name_or_id,
                                          DiffTarget target);

struct CommitOptions {
    std::string container;
    std::string reference;             // NAME[:TAG]; empty: a dangling image
    std::string author;                // -a: the config's author and the history entry's
    std::string message;               // -m: the history entry's comment
    std::vector<std::string> changes;  // -c "CMD …", "ENV K=V", …
    std::string format = "oci";        // oci | docker: the manifest's and config's media types
    bool include_volumes = false;      // every mount's destination becomes an image volume (else only
                                       // the anonymous volumes', as podman)
    bool pause = false;                // --pause: a running container is frozen while its files are read
    bool squash = false;               // --squash: one layer holding the whole file system, one history entry
};

// The container's changes as a new layer over its image's layers, and an image config as podman
// makes it: the image's, with the container's entrypoint, command, user, working directory, the
// environment and labels it was given, then the --change instructions; a history entry with the
// author and message. A running container's files are read as they are, or with `pause` frozen
// meanwhile and thawed after, also when the commit fails (one paused already stays as it is).
Result<storage::ImageRecord> commit(const storage::StoreConfig& store, const CommitOptions& opts);

}  // namespace skiff::engine
