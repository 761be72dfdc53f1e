// A container's root file system mounted for the host's own use (cp, export of a container that is
// not running): made with the new mount API and never attached, so it is in no mount namespace's
// table, is reachable only through the returned descriptor, and vanishes when that descriptor is
// closed, even if the process is killed.
#pragma once

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// `root` as Spec::root describes it (an overlay, or a bind of a directory). Root only.
Result<unique_fd> mount_detached_root(const Mount& root);
// Attach such a mount on `target`, a directory of the caller's mount namespace (`skiff mount`).
Result<void> attach_detached_root(const unique_fd& mnt, const std::string& target);

}  // namespace skiff::runtime
