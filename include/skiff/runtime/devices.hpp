// Device access of a container: the device nodes it is given (--device) and the device cgroup
// rules that say which device numbers it may open or create (podman's default list, --device,
// --device-cgroup-rule). The rules are enforced by the cgroup v1 `devices` controller where the host
// has one, else by a BPF_PROG_TYPE_CGROUP_DEVICE program on the container's cgroup2 directory.
// Parsing, the v1 rule text and the BPF instructions are pure; loading and attaching are not.
#pragma once

#include <linux/bpf.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::runtime {

// One rule of a device cgroup, as the kernel's devices.allow/devices.deny take it: "c 7:* rwm".
struct DeviceRule {
    bool allow = true;
    char type = 'a';                   // 'a' (all), 'c' (char) or 'b' (block)
    std::optional<uint32_t> major;     // unset: "*"
    std::optional<uint32_t> minor;     // unset: "*"
    std::string access = "rwm";        // a subset of "rwm", in that order

    bool operator==(const DeviceRule&) const = default;
};

// A device node made in the container (--device): mknod'ed with the host node's numbers and mode
// where the container may make nodes, else `host_path` bind-mounted there (rootless).
struct Device {
    std::string path;       // inside the container
    std::string host_path;  // the host's node
    char type = 'c';        // 'c' or 'b'
    uint32_t major = 0;
    uint32_t minor = 0;
    uint32_t mode = 0666;   // permission bits
    uid_t uid = 0;
    gid_t gid = 0;

    bool operator==(const Device&) const = default;
};

// podman's --device-cgroup-rule syntax: "TYPE MAJOR:MINOR ACCESS", TYPE a, b or c, MAJOR and
// MINOR a number or "*", ACCESS one to three of r, w, m. Always an allow rule.
Result<DeviceRule> parse_device_rule(std::string_view text);
// "rw", "m", "rwm": what --device takes as its permissions; each letter at most once.
bool valid_device_access(std::string_view access);
// "c 7:* rwm", "a *:* rwm": the line written to devices.allow or devices.deny.
std::string to_string(const DeviceRule& rule);

// What every unprivileged container may use, as podman with runc gives it: nothing, then mknod of
// any node, null, zero, full, random, urandom, tty, console, ptmx, the pts terminals and tun.
std::vector<DeviceRule> default_device_rules();
// Everything (--privileged).
std::vector<DeviceRule> allow_all_device_rules();
// The allow rule a --device adds: its type and numbers with `access`.
DeviceRule rule_for(const Device& d, std::string access);

// The rules as a cgroup-device BPF program: the last matching rule decides, as the v1 controller
// (a leading "a" deny rule makes the default deny; nothing matching is denied). Pure.
std::vector<struct bpf_insn> device_program(const std::vector<DeviceRule>& rules);
// Whether the rules allow everything (no program and no v1 restriction is then needed).
bool allows_all(const std::vector<DeviceRule>& rules);

// Loads the program for `rules` and attaches it to the cgroup2 directory `cgroup_dir` (an fd open
// for reading, not O_PATH), alongside what is there (BPF_F_ALLOW_MULTI): every program on the way
// up must allow an access. The attachment lives as long as the cgroup.
Result<void> attach_device_program(int cgroup_dir, const std::vector<DeviceRule>& rules);
// The same on the cgroup2 directory at `path`; nothing when the rules allow everything.
Result<void> restrict_cgroup2_devices(const std::string& path, const std::vector<DeviceRule>& rules);

}  // namespace skiff::runtime
