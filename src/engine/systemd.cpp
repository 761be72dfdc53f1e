#include "systemd.hpp"

#include <cctype>
#include <csignal>

#include <algorithm>

namespace skiff::engine {

Result<bool> systemd_mode(std::string_view flag, const std::vector<std::string>& args) {
    std::string mode(flag);
    std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (mode == "always") return true;
    if (mode == "false") return false;
    if (mode != "true" && !mode.empty())
        return make_error("invalid value \"" + std::string(flag) + "\" systemd option requires 'true, false, always'");
    if (args.empty()) return false;
    // A command run through `/bin/sh -c` (as a Dockerfile's shell form) is judged by what follows.
    std::string cmd = args.size() > 2 && args[0] == "/bin/sh" && args[1] == "-c" ? args[2] : args[0];
    if (cmd == "/sbin/init" || cmd == "/usr/sbin/init" || cmd == "/usr/local/sbin/init") return true;
    return cmd.substr(cmd.find_last_of('/') + 1) == "systemd";
}

int systemd_stop_signal() { return SIGRTMIN + 3; }

void add_systemd(const std::string& container_id, const std::vector<runtime::Mount>& user_mounts, runtime::Spec& spec) {
    bool has_uuid = std::any_of(spec.env.begin(), spec.env.end(), [](const std::string& e) { return e.starts_with("container_uuid="); });
    if (!has_uuid) spec.env.push_back("container_uuid=" + container_id.substr(0, 32));
    for (const char* dest : {"/run", "/run/lock", "/tmp", "/var/log/journal"}) {
        bool taken = std::any_of(user_mounts.begin(), user_mounts.end(), [&](const runtime::Mount& m) { return m.destination == dest; });
        if (!taken) spec.mounts.push_back({dest, "tmpfs", "tmpfs", {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}});
    }
    // systemd manages its own cgroups: the cgroup file system is writable (its namespace keeps the
    // container to its own subtree).
    for (runtime::Mount& m : spec.mounts)
        if (m.type == "cgroup") std::erase(m.options, std::string("ro"));
    spec.host_ttys = false;
}

}  // namespace skiff::engine
