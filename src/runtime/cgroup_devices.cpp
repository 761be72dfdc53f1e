// Cgroup::restrict_devices(): the device rules where this host enforces them.
#include <fcntl.h>

#include "cgroup_files.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/base/log.hpp"
#include "skiff/runtime/cgroups.hpp"

namespace skiff::runtime {

Result<void> Cgroup::restrict_devices(const std::vector<DeviceRule>& rules) {
    if (std::string dir = cgfile::v1_dir(paths_, "devices"); !dir.empty()) {
        // A new v1 cgroup inherits its parent's list: "a" to devices.allow opens it all again (a
        // reused one may hold an earlier container's rules). Beneath a parent that is itself
        // restricted (skiff in a container) the kernel refuses it: the parent's list is then all
        // there is to give, and the container gets it, as it would have had without the write.
        if (allows_all(rules)) {
            auto opened = cgfile::write(dir, "devices.allow", "a");
            if (!opened.ok()) log::debug("cgroup: {}", opened.error().message);
            return {};
        }
        // One descriptor per file, one write per rule (the kernel parses a rule a write): on the
        // run path, two opens instead of one per rule.
        unique_fd allow, deny;
        for (const DeviceRule& r : rules) {
            unique_fd& fd = r.allow ? allow : deny;
            std::string path = fs::join(dir, r.allow ? "devices.allow" : "devices.deny");
            std::string rule = to_string(r);
            if (!fd) fd = TRY_CTX(sys::open(path, O_WRONLY), "write " + rule + " to " + path);
            TRY_CTX(sys::write_all(fd.get(), rule), "write " + rule + " to " + path);
        }
        return {};
    }
    if (paths_.unified.empty() && !allows_all(rules))
        return make_error("device rules need the devices controller or cgroup2, and this host mounts neither");
    return paths_.unified.empty() ? Result<void>() : restrict_cgroup2_devices(paths_.unified, rules);
}

}  // namespace skiff::runtime
