// Manifest lists (docker) and image indexes (OCI) kept in the image store, as podman's `manifest`
// commands keep them: create, add, annotate, remove, inspect, exists, rm and push. A list is an image
// record with no config or layers (storage/images.hpp); its instances are referenced by digest.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/engine/push.hpp"
#include "skiff/oci/manifest.hpp"
#include "skiff/oci/registry.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

// What `manifest add` and `manifest annotate` set on an instance; empty fields leave it as it is.
struct InstanceAnnotations {
    std::string architecture, os, variant, os_version;
    std::vector<std::string> features, os_features;
    std::map<std::string, std::string> annotations;
};

// Parse --annotation KEY=VALUE items; podman's error for one without "=".
Result<std::map<std::string, std::string>> parse_manifest_annotations(const std::vector<std::string>& items);

// `manifest create LIST [IMAGE...]`: a new empty list named LIST (or, with `amend`, the list that
// already has that name), then each image added as `manifest add` adds it. Returns the list's id.
Result<std::string> create_manifest_list(const storage::StoreConfig& store, const std::string& name,
                                         const std::vector<std::string>& images, bool all, bool amend,
                                         const oci::RegistryAccess& access);

// `manifest add LIST IMAGE`: IMAGE is "containers-storage:NAME" (a local image), or a registry
// reference ("docker://REF" or a bare name, resolved as pull resolves it). A list IMAGE adds the
// instance for this host's platform, or, with `all`, every instance. Returns the list's id.
Result<std::string> add_to_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                         const std::string& image, bool all, const InstanceAnnotations& set,
                                         const oci::RegistryAccess& access);

// `manifest annotate LIST DIGEST`. Returns the list's id.
Result<std::string> annotate_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                           const std::string& digest, const InstanceAnnotations& set);

// `manifest remove LIST DIGEST`. Returns the list's id.
Result<std::string> remove_from_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                              const std::string& digest);

// `manifest exists`: a local manifest list of that name or id exists.
Result<bool> manifest_list_exists(const storage::StoreConfig& store, const std::string& list);

// `manifest inspect`: the local list, or else (not a local list) the list or manifest a registry
// has under that reference. `single_image` is set when the registry's answer is a lone docker
// manifest, which podman shows; a lone OCI manifest is podman's error.
struct InspectedManifest {
    oci::Index index;         // a list
    oci::Manifest manifest;   // a lone docker image manifest
    bool single_image = false;
};
Result<InspectedManifest> inspect_manifest(const storage::StoreConfig& store, const std::string& name,
                                           const oci::RegistryAccess& access);

// `manifest push [--all] LIST DEST`: with `all`, each local instance is pushed to DEST's repository
// first (by digest); then the list itself to DEST. Returns the list's digest as pushed.
struct ManifestPushOptions {
    bool all = false;
    std::string format;  // --format: "", "oci" or "v2s2": the list's type as pushed
    std::string digestfile;
};
Result<std::string> push_manifest_list(const storage::StoreConfig& store, const std::string& list,
                                       const std::string& destination, const ManifestPushOptions& opts,
                                       const oci::RegistryAccess& access, PushProgress& progress);

}  // namespace skiff::engine
