// Applying a mount plan inside the container's own mount namespace, with the new mount API:
// every destination is resolved under the root with openat2(RESOLVE_IN_ROOT), created there when
// missing, and the new mount is attached with move_mount onto that descriptor, so nothing in the
// image (a symlink, "..") can send a mount outside the root.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/result.hpp"
#include "skiff/runtime/plan.hpp"

namespace skiff::runtime {

// The container's terminal, opened in its own devpts instance by the kConsole step.
struct Console {
    unique_fd master;
    unique_fd slave;
};

// A new terminal from the devpts instance mounted at /dev/pts under `rootfd`.
Result<Console> open_console(int rootfd);

// Mounts the root on the host directory `rootfs`; returns a descriptor of the mounted root.
Result<unique_fd> mount_root(const Op& root, const std::string& rootfs);

// Applies `ops` under `rootfd`. `console` receives the terminal when the plan has a kConsole step.
Result<void> apply_ops(int rootfd, const std::vector<Op>& ops, Console& console);

}  // namespace skiff::runtime
