#include "skiff/engine/top.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "skiff/base/fs.hpp"
#include "skiff/base/read_beneath.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/container_cgroup.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

std::string field(const std::string& status, const char* key) {
    for (auto& line : str::split(status, '\n'))
        if (line.starts_with(key)) return std::string(str::trim(line.substr(std::strlen(key))));
    return {};
}

// The container's pid: the last of the NSpid list.
std::string ns_pid(const std::string& status) {
    auto ids = str::split(field(status, "NSpid:"), '\t');
    return ids.empty() ? std::string() : std::string(str::trim(ids.back()));
}

// The container's /etc/passwd, read inside its root (no link leads out, only a regular file of at
// most fs::kMaxAccountFile bytes); empty when it cannot be read, and users are then shown by id,
// as podman does.
std::string container_passwd(pid_t root_pid) {
    auto root = sys::open("/proc/" + std::to_string(root_pid) + "/root", O_PATH | O_DIRECTORY);
    if (!root.ok()) return {};
    auto passwd = fs::read_file_beneath(root->get(), "/etc/passwd", fs::kMaxAccountFile);
    return passwd.ok() ? passwd.take() : std::string();
}

std::string user_name(const std::string& passwd, const std::string& uid) {
    for (auto& line : str::split(passwd, '\n')) {
        auto f = str::split(line, ':');
        if (f.size() > 2 && f[2] == uid) return f[0];
    }
    return uid;
}

// The processes in the container's own cgroup, every hierarchy it has; its init alone when it has
// no cgroup of its own (--cgroups disabled) or the cgroup is gone (it exited meanwhile).
std::vector<pid_t> container_pids(const storage::Container& c) {
    std::vector<pid_t> pids;
    if (!c.cgroups.empty()) {
        auto cg = open_cgroup(c);
        if (cg.ok()) {
            auto listed = cg->pids();
            if (listed.ok()) pids = listed.take();
        }
    }
    if (pids.empty()) pids.push_back(c.pid);
    return pids;
}

Result<std::vector<ContainerProcess>> processes(const storage::Container& c) {
    std::vector<pid_t> pids = container_pids(c);
    long hz = ::sysconf(_SC_CLK_TCK);
    auto up = fs::read_file("/proc/uptime");
    double uptime = up.ok() ? std::strtod(up->c_str(), nullptr) : 0;
    std::vector<ContainerProcess> out;
    const std::string passwd = container_passwd(c.pid);
    for (pid_t pid : pids) {
        std::string base = "/proc/" + std::to_string(pid);
        auto status = fs::read_file(base + "/status");
        auto stat = fs::read_file(base + "/stat");
        if (!status.ok() || !stat.ok()) continue;  // gone meanwhile
        ContainerProcess p;
        p.host_pid = pid;
        p.pid = ns_pid(*status);
        p.user = user_name(passwd, str::split(field(*status, "Uid:"), '\t').front());
        p.comm = field(*status, "Name:");
        auto read_cmdline = fs::read_file(base + "/cmdline");
        std::string cmdline = read_cmdline.ok() ? *read_cmdline : std::string();
        for (auto& ch : cmdline) if (ch == '\0') ch = ' ';
        p.args = std::string(str::trim(cmdline));
        if (p.args.empty()) p.args = "[" + p.comm + "]";
        // stat: fields after the ") " of the command: state ppid ... utime(14) stime(15) ... starttime(22)
        auto rest = str::split(stat->substr(stat->rfind(')') + 2), ' ');
        if (rest.size() > 19) {
            double ticks = std::strtod(rest[11].c_str(), nullptr) + std::strtod(rest[12].c_str(), nullptr);
            p.time = ticks / static_cast<double>(hz);
            p.elapsed = uptime - std::strtod(rest[19].c_str(), nullptr) / static_cast<double>(hz);
            p.cpu = p.elapsed > 0 ? 100.0 * p.time / p.elapsed : 0;
            pid_t ppid = static_cast<pid_t>(std::atoi(rest[1].c_str()));
            auto pstatus = fs::read_file("/proc/" + std::to_string(ppid) + "/status");
            p.ppid = pstatus.ok() && std::find(pids.begin(), pids.end(), ppid) != pids.end() ? ns_pid(*pstatus) : "0";
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

Result<std::vector<ContainerProcess>> container_processes(const storage::StoreConfig& store, const std::string& name_or_id) {
    auto c = TRY(storage::find_container(store, name_or_id));
    if (c.state != storage::ContainerState::kRunning)
        return make_error("top can only be used on running containers: container state improper");
    return processes(c);
}

}  // namespace skiff::engine
