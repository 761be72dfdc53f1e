// Image references ("quay.io/org/app:1.2@sha256:…") parsed by docker's grammar, and the two
// normalisations skiff needs: docker's (docker.io, library/) and podman's for local names (localhost/).
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/result.hpp"

namespace skiff::oci {

struct Reference {
    std::string registry;    // "docker.io", "localhost:5000", "[::1]:5000"; empty when none was written
    std::string repository;  // "library/alpine"
    std::string tag;         // empty when none was written
    std::string digest;      // "sha256:<hex>", empty when none was written

    // "registry/repository" (or just the repository when there is no registry).
    std::string name() const;
    // name[:tag][@digest]
    std::string str() const;
    bool operator==(const Reference&) const = default;
};

// Parse as written, with no defaults. Errors: "invalid reference format …".
Result<Reference> parse_reference(std::string_view s);

// Docker's normalisation: docker.io when no registry, library/ for a one-component docker.io name,
// tag "latest" when neither tag nor digest is given.
Result<Reference> normalize_reference(std::string_view s);

// Podman's normalisation of local names (import, load, tag): localhost/ when no registry is written,
// tag "latest" when neither tag nor digest is given, no tag when a digest is; docker.io names get
// library/ as docker's do. "demo" → "localhost/demo:latest", "demo:1" → "localhost/demo:1",
// "docker.io/x" → "docker.io/library/x:latest", "q.io/x:1@sha256:…" → "q.io/x@sha256:…".
Result<std::string> normalize_local_name(std::string_view s);

// True when the first path component of `name` is a registry (has '.', ':', is "localhost", or
// has an upper-case letter), as docker decides it.
bool looks_like_registry(std::string_view component);

}  // namespace skiff::oci
