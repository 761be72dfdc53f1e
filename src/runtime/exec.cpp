#include "exec.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/strings.hpp"

namespace skiff::runtime {

namespace {

// podman's words for the classes of runtime failure, appended to the runtime's own message.
constexpr const char* kNotFoundSuffix = "OCI runtime attempted to invoke a command that was not found";
constexpr const char* kPermissionSuffix = "OCI permission denied";

Error exec_failure(const std::string& what, int err) {
    bool not_found = err == ENOENT;
    std::string msg = "skiff: " + what + ": " + std::strerror(err) + ": " +
                      (not_found ? kNotFoundSuffix : kPermissionSuffix);
    return Error{err, msg, not_found ? kExitNotFound : kExitCannotInvoke};
}

enum class Access { kOk, kNotExecutable, kNotRegular, kError };

// As crun: executable by the effective ids, and a regular file.
Access check_access(const std::string& path, int* err) {
    if (::eaccess(path.c_str(), X_OK) < 0) {
        *err = errno;
        if (errno == EACCES && ::eaccess(path.c_str(), F_OK) == 0) return Access::kNotExecutable;
        return Access::kError;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) {
        *err = errno;
        return Access::kError;
    }
    return S_ISREG(st.st_mode) ? Access::kOk : Access::kNotRegular;
}

Error access_failure(const std::string& shown, Access a, int err) {
    switch (a) {
        case Access::kNotExecutable:
            return exec_failure("the path `" + shown + "` exists but it is not executable", EPERM);
        case Access::kNotRegular:
            return exec_failure("the path `" + shown + "` is not a regular file", EPERM);
        default:
            break;
    }
    if (err == ENOENT) {
        bool absolute = !shown.empty() && shown.front() == '/';
        return exec_failure("executable file `" + shown + "` not found" + (absolute ? "" : " in $PATH"), err);
    }
    return exec_failure("open `" + shown + "`", err);
}

}  // namespace

std::string env_value(const std::vector<std::string>& env, const std::string& key, const std::string& fallback) {
    std::string prefix = key + "=";
    std::string value = fallback;
    for (const std::string& e : env)
        if (str::starts_with(e, prefix)) value = e.substr(prefix.size());
    return value;
}

std::vector<std::string> process_env(const std::vector<std::string>& env, const std::string& home) {
    std::vector<std::string> out = env;
    for (const std::string& e : env)
        if (str::starts_with(e, "HOME=")) return out;
    out.push_back("HOME=" + (home.empty() ? std::string("/") : home));
    return out;
}

Result<std::string> find_executable(const std::string& name, const std::string& path_list, const std::string& cwd) {
    if (name.empty()) return exec_failure("cannot find `` in $PATH", ENOENT);
    int err = 0;
    if (name.find('/') != std::string::npos) {
        std::string path = name.front() == '/' ? name : (cwd == "/" ? "" : cwd) + "/" + name;
        Access a = check_access(path, &err);
        if (a == Access::kOk) return path;
        return access_failure(path, a, err);
    }
    Access last = Access::kError;
    int last_err = ENOENT;
    for (const std::string& dir : str::split(path_list, ':')) {
        std::string path = (dir.empty() ? std::string(".") : dir) + "/" + name;
        Access a = check_access(path, &err);
        if (a == Access::kOk) return path;
        if (a == Access::kError && err == ENOENT) continue;
        last = a;
        last_err = err;
    }
    return access_failure(name, last, last_err);
}

Result<void> exec_command(const std::string& path, const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
    std::vector<char*> argv, envp;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(path.c_str(), argv.data(), envp.data());
    return exec_failure("exec `" + path + "`", errno);
}

}  // namespace skiff::runtime
