#include "skiff/engine/oci_runtime.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "engine_version.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::engine {

namespace {

std::string g_runtime;
std::vector<std::string> g_flags;

constexpr int kProbeMs = 5000;

std::string self_path() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// A name looked up as a command is: in PATH, then the sbin directories a user's PATH may lack
// (runc is /usr/sbin/runc on Debian).
std::string find_command(std::string_view name) {
    const char* env = std::getenv("PATH");
    std::string dirs = env ? env : "";
    dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
    for (const std::string& dir : str::split(dirs, ':')) {
        if (dir.empty()) continue;
        std::string candidate = fs::join(dir, std::string(name));
        if (executable_file(candidate)) return candidate;
    }
    return {};
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat x, y;
    return ::stat(a.c_str(), &x) == 0 && ::stat(b.c_str(), &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

// The first line `path --version` writes, within kProbeMs.
Result<std::string> version_line(const std::string& path) {
    auto ran = TRY(sys::run_captured({path, "--version"}, STDOUT_FILENO, kProbeMs, 4096));
    if (ran.timed_out) return make_error(path + " --version did not answer within " + std::to_string(kProbeMs / 1000) + " seconds");
    return ran.output.substr(0, ran.output.find('\n'));
}

}  // namespace

namespace {

Result<OciRuntime> resolve_uncached(std::string_view given) {
    const std::string self = self_path();
    OciRuntime rt;
    rt.name = given.empty() ? std::string(kOwnRuntime) : std::string(given);
    if (given.empty() || given == kOwnRuntime) {
        rt.path = self;
        rt.version = "skiff version " SKIFF_ENGINE_VERSION;
        rt.own = true;
        return rt;
    }
    if (given.find('/') != std::string_view::npos) {
        if (!executable_file(rt.name))
            return make_error("no valid executable found for OCI runtime " + rt.name + ": invalid argument");
        rt.path = rt.name;
    } else {
        rt.path = find_command(given);
        if (rt.path.empty()) return make_error("default OCI runtime \"" + rt.name + "\" not found: invalid argument");
    }
    if (same_file(rt.path, self)) {
        rt.version = "skiff version " SKIFF_ENGINE_VERSION;
        rt.own = true;
        return rt;
    }
    rt.version = TRY_CTX(version_line(rt.path), "OCI runtime " + rt.name);
    const std::string ours = "skiff version " SKIFF_ENGINE_VERSION;
    if (rt.version == ours) return rt;
    if (rt.version.starts_with("skiff version "))
        return make_error("OCI runtime " + rt.path + " is " + rt.version + ", not " + ours +
                          ": a container's runtime must be this skiff's version");
    return make_error("OCI runtime " + rt.name + " (" + rt.path + ", \"" + rt.version +
                      "\") is not skiff: skiff runs containers with its own runtime and does not drive other OCI runtimes");
}

}  // namespace

// Once per process and name: `run` checks it at create and uses it to start, and a foreign
// runtime's probe executes it.
Result<OciRuntime> resolve_runtime(std::string_view given) {
    static std::map<std::string, Result<OciRuntime>, std::less<>> resolved;
    auto it = resolved.find(given);
    if (it == resolved.end()) it = resolved.emplace(std::string(given), resolve_uncached(given)).first;
    return it->second;
}

void set_runtime_choice(std::string runtime, std::vector<std::string> flags) {
    g_runtime = std::move(runtime);
    g_flags = std::move(flags);
}

const std::string& chosen_runtime() { return g_runtime; }
const std::vector<std::string>& runtime_flags() { return g_flags; }

Result<void> apply_runtime_flags(const std::vector<std::string>& flags) {
    bool debug = false;
    std::optional<log::Format> format;
    std::string log_file;
    for (const std::string& given : flags) {
        // As podman passes them on: "--" put in front of a flag that has none.
        std::string flag = given.starts_with('-') ? given : "--" + given;
        std::string name = flag.substr(0, flag.find('='));
        bool has_value = flag.find('=') != std::string::npos;
        std::string value = has_value ? flag.substr(flag.find('=') + 1) : "";
        if (name == "--debug" && (!has_value || value == "true" || value == "false")) {
            debug = value != "false";
        } else if (name == "--log" && has_value && !value.empty()) {
            log_file = value;
        } else if (name == "--log-format" && (value == "text" || value == "json")) {
            format = value == "json" ? log::Format::kJson : log::Format::kText;
        } else {
            return make_error("skiff runtime: flag provided but not defined or invalid: " + flag +
                                     " (skiff's runtime takes debug, log=PATH and log-format=text|json)",
                                 126);
        }
    }
    if (!log_file.empty()) {
        int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return make_error("skiff runtime: open log " + log_file + ": " + std::strerror(errno), 126);
        log::set_sink(fd);
    }
    if (format) log::set_format(*format);
    if (debug && log::level() > log::Level::kDebug) log::set_level(log::Level::kDebug);
    return {};
}

}  // namespace skiff::engine
