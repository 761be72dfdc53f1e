// cp and export: a container's files read and written from the host. Every path inside the
// container is resolved beneath its root (openat2 RESOLVE_IN_ROOT) and all further work is done with
// *at() calls relative to the descriptors found, so no symbolic link in the container, even one
// swapped while the copy runs, can make them reach outside it.
#pragma once

#include <string>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct CopyOptions {
    bool archive = true;       // keep owners; else the destination's root (or the caller) owns the copies
    bool overwrite = false;    // a directory and a non-directory may replace each other
};

// One side of a cp: "CONTAINER:PATH", a host path, or "-" (a tar stream on stdin or stdout).
struct CopyEndpoint {
    enum class Kind { kHost, kContainer, kStream };
    Kind kind = Kind::kHost;
    std::string container;
    std::string path;
};

// As podman: "-" is the stream; a path starting with "/" or "." is the host's; otherwise text before
// the first ":" names a container. Pure, for tests.
CopyEndpoint parse_copy_endpoint(const std::string& arg);

// `skiff cp SRC DEST`: at least one side is a container (both may be). A container's relative path
// is relative to its working directory; a symbolic link as SRC or DEST is followed inside its side.
Result<void> copy(const storage::StoreConfig& store, const std::string& src, const std::string& dest,
                  const CopyOptions& opts);

// `skiff export`: the container's whole root file system as a tar stream, into `output` (written
// beside it and renamed into place) or, when empty, standard output.
Result<void> export_container(const storage::StoreConfig& store, const std::string& name_or_id,
                              const std::string& output);

}  // namespace skiff::engine
