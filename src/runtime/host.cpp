// probe_host(): the few facts about the host that the mount plan depends on.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/plan.hpp"

namespace skiff::runtime {

namespace {

// Device nodes under /dev, recursively, leaving out what every container gets its own of.
void list_devices(const std::string& dir, std::vector<std::string>& out, int depth) {
    static constexpr std::string_view kSkip[] = {"pts", "shm", "mqueue", "console", "ptmx", "fd"};
    if (depth > 4) return;
    auto names = fs::list_dir(dir);
    if (!names.ok()) return;
    for (const std::string& name : *names) {
        if (depth == 0 && std::find(std::begin(kSkip), std::end(kSkip), name) != std::end(kSkip)) continue;
        std::string path = dir + "/" + name;
        struct stat st;
        if (::lstat(path.c_str(), &st) < 0) continue;
        if (S_ISDIR(st.st_mode))
            list_devices(path, out, depth + 1);
        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            out.push_back(path);
    }
}

// The initial user namespace maps all 2^32 ids ("0 0 4294967295"); any other is a child's.
bool in_user_namespace() {
    auto map = fs::read_file("/proc/self/uid_map");
    if (!map.ok()) return false;
    std::vector<std::string> words;
    for (const std::string& w : str::split(std::string(str::trim(*map)), ' '))
        if (!w.empty()) words.push_back(w);
    return !(words.size() == 3 && words[0] == "0" && words[1] == "0" && words[2] == "4294967295");
}

}  // namespace

Host probe_host(bool privileged, const CgroupHost& cgroups) {
    Host h;
    h.cgroups = cgroups;
    if (privileged) list_devices("/dev", h.devices, 0);
    h.in_user_namespace = in_user_namespace();
    return h;
}

}  // namespace skiff::runtime
