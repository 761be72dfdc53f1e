// --sysctl: the kernel parameters a container may set for itself, which are those of its own
// namespaces (podman's list; runc's checks of the namespaces they belong to).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "skiff/base/strings.hpp"
#include "skiff/engine/container_config.hpp"

namespace skiff::engine {

namespace {

// The IPC namespace's own parameters, besides fs.mqueue.*.
bool ipc_sysctl(const std::string& name) {
    static const std::set<std::string, std::less<>> kIpc = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                                             "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                                             "kernel.shmmni", "kernel.shm_rmid_forced"};
    return kIpc.count(name) > 0;
}

std::string trim_space(std::string_view s) {
    constexpr std::string_view kSpace = " \t\n\r\v\f";
    auto b = s.find_first_not_of(kSpace);
    if (b == std::string_view::npos) return {};
    return std::string(s.substr(b, s.find_last_not_of(kSpace) - b + 1));
}

}  // namespace

Result<std::map<std::string, std::string>> parse_sysctls(const std::vector<std::string>& words, NetworkMode network,
                                                         const NamespaceMode& ipc) {
    std::map<std::string, std::string> out;
    for (const std::string& w : words) {
        auto parts = str::split(w, '=');
        if (parts.size() < 2) return make_error(w + " is invalid, sysctl values must be in the form of KEY=VALUE");
        // podman rebuilds NAME=VALUE from the first two pieces, trimmed: a value holding '=' fails
        // that comparison too, and it says so with the same words.
        if (trim_space(parts[0]) + "=" + trim_space(parts[1]) != w) return make_error("'" + w + "' is invalid, extra spaces found");
        const std::string& name = parts[0];
        const std::string& value = parts[1];
        bool mqueue = str::starts_with(name, "fs.mqueue.");
        bool net = str::starts_with(name, "net.");
        if (!ipc_sysctl(name) && !mqueue && !net) return make_error("sysctl '" + name + "' is not allowed");
        bool host_ipc = ipc.kind == NamespaceMode::Kind::kHost;
        if (mqueue && host_ipc)
            return make_error("sysctl " + name + "=" + value + " can't be set since IPC Namespace set to host: invalid argument");
        if (net && network == NetworkMode::kHost)
            return make_error("sysctl " + name + "=" + value + " can't be set since Network Namespace set to host: invalid argument");
        if (host_ipc) return make_error("sysctl \"" + name + "\" is not allowed in the hosts ipc namespace");
        out[name] = value;
    }
    return out;
}

}  // namespace skiff::engine
