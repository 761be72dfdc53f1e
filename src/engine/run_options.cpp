// What run's process options need from the host: the zone file of --tz.
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "run_internal.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/runtime/container_init.hpp"

namespace skiff::engine {

Result<std::string> find_zone_file(const std::string& tz) {
    if (tz.empty()) return std::string();
    // As podman: "local" is the host's /etc/localtime (not $TZ); any other name a file beneath
    // /usr/share/zoneinfo, its links followed.
    std::string path = tz == "local" ? "/etc/localtime" : "/usr/share/zoneinfo/" + tz;
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) {
        if (tz == "local") return sys_error("finding local timezone: stat " + path);
        return make_error("running container create option: stat " + path + ": no such file or directory");
    }
    if (S_ISDIR(st.st_mode)) return make_error("running container create option: invalid timezone: is a directory");
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) return sys_error("setting timezone: resolve " + path);
    return std::string(resolved);
}

Result<std::string> init_binary(const ContainerConfig& config, const storage::StoreConfig& store) {
    if (!config.init) return std::string();
    if (!config.init_path.empty()) {
        struct stat st;
        if (::stat(config.init_path.c_str(), &st) < 0 && errno == ENOENT)
            return make_error("container-init binary not found on the host: stat " + config.init_path +
                              ": no such file or directory");
        return config.init_path;
    }
    std::string path = fs::join(store.runroot, "skiff-init");
    TRY(runtime::install_container_init(path));
    return path;
}

}  // namespace skiff::engine
