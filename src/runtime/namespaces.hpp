// The container's namespaces as its spec says: which ones its clone makes new, and the ones it
// joins (another container's, opened before the clone so a donor that exits meanwhile is an error
// of skiff's, not of the container's set-up).
#pragma once

#include <cstdint>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

// CLONE_NEW* for the namespaces made new (the mount namespace always; a new cgroup namespace is the
// child's own unshare, once it is in its cgroups).
uint64_t clone_flags(const Namespaces& ns);

// The namespaces to join, open.
struct JoinedNamespaces {
    unique_fd net, ipc, uts, pid, cgroup;
};
Result<JoinedNamespaces> open_joined(const Namespaces& ns);

// In the child, first: into the network, ipc, uts and cgroup namespaces it joins.
Result<void> join_in_child(const JoinedNamespaces& joined);

// A pid namespace is joined by the clone itself: skiff's children are made in it while this lives,
// and in skiff's own again after.
class PidNamespaceForChildren {
public:
    static Result<PidNamespaceForChildren> enter(const JoinedNamespaces& joined);
    PidNamespaceForChildren(PidNamespaceForChildren&&) noexcept = default;
    PidNamespaceForChildren& operator=(PidNamespaceForChildren&&) = delete;
    ~PidNamespaceForChildren();

private:
    PidNamespaceForChildren() = default;
    unique_fd own_;
};

}  // namespace skiff::runtime
