// default_spec(): podman's defaults (containers/common pkg/config, podman's generated config.json).
#include <sys/stat.h>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime {

namespace {

std::vector<Mount> default_mounts() {
    return {
        {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
        {"/dev", "tmpfs", "tmpfs", {"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}},
        {"/dev/pts", "devpts", "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
        {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
        {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
        {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
        // Interpreted by the plan for the host's cgroup mode, as runtimes do with podman's "cgroup".
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
    };
}

std::vector<std::string> default_masked_paths() {
    std::vector<std::string> paths = {
        "/proc/acpi",         "/proc/kcore",        "/proc/keys",
        "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
        "/proc/timer_list",   "/proc/timer_stats",  "/proc/interrupts",
        "/sys/firmware",      "/sys/fs/selinux",    "/sys/dev/block",
        "/sys/devices/virtual/powercap",
    };
    // containers/common also masks each CPU's thermal_throttle directory (a glob over the host).
    const std::string cpus = "/sys/devices/system/cpu";
    if (auto names = fs::list_dir(cpus); names.ok()) {
        for (const std::string& n : *names) {
            if (!str::starts_with(n, "cpu")) continue;
            std::string p = cpus + "/" + n + "/thermal_throttle";
            struct stat st;
            if (::stat(p.c_str(), &st) == 0) paths.push_back(p);
        }
    }
    return paths;
}

}  // namespace

Spec default_spec() {
    Spec s;
    s.mounts = default_mounts();
    s.masked_paths = default_masked_paths();
    s.readonly_paths = {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    s.capabilities = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID", "CAP_KILL",
                      "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                      "CAP_SYS_CHROOT"};
    s.device_rules = default_device_rules();
    return s;
}

}  // namespace skiff::runtime
