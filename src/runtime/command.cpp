#include "command.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace skiff::runtime {

// exec_stub.c, built with skiff and carried in its binary (exec_stub_image.cpp, generated).
extern const unsigned char kExecStub[];
extern const std::size_t kExecStub_size;

namespace {

// podman's words for the classes of runtime failure, appended to the runtime's own message.
constexpr const char* kNotFoundSuffix = "OCI runtime attempted to invoke a command that was not found";
constexpr const char* kPermissionSuffix = "OCI permission denied";

}  // namespace

Error exec_failure(const std::string& what, int err) {
    bool not_found = err == ENOENT;
    std::string msg = "skiff: " + what + ": " + std::strerror(err) + ": " +
                      (not_found ? kNotFoundSuffix : kPermissionSuffix);
    return Error{err, msg, not_found ? kExitNotFound : kExitCannotInvoke};
}

namespace {

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
        // execve's own errno for both (podman's runtimes say "exec: … permission denied").
        case Access::kNotExecutable:
            return exec_failure("exec: the path `" + shown + "` exists but it is not executable", EACCES);
        case Access::kNotRegular:
            return exec_failure("exec: the path `" + shown + "` is not a regular file", EACCES);
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

Result<unique_fd> sealed_exec_stub() {
    // MFD_EXEC (Linux 6.3) asks for an executable memfd whatever vm.memfd_noexec says; older
    // kernels refuse the flag, and every memfd of theirs is executable.
    int fd = ::memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = ::memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 && errno == EACCES)
        return sys_error("memfd_create for skiff's exec stub (vm.memfd_noexec forbids executable memfds)");
    if (fd < 0) return sys_error("memfd_create for skiff's exec stub");
    unique_fd stub(fd);
    TRY(sys::write_all(stub.get(), std::string_view(reinterpret_cast<const char*>(kExecStub), kExecStub_size)));
    if (::fcntl(stub.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return sys_error("seal skiff's exec stub");
    return stub;
}

Result<void> exec_command(int stub_fd, int sync_fd, const std::string& path, const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
    std::string sync_text = std::to_string(sync_fd);
    std::vector<char*> argv{const_cast<char*>("skiff-exec"), sync_text.data(), const_cast<char*>(path.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    // The stub keeps the socket to report a failure of its own exec, and closes it with that exec.
    if (::fcntl(sync_fd, F_SETFD, 0) < 0) return sys_error("keep the sync socket open for the exec stub");
    ::syscall(SYS_execveat, stub_fd, "", argv.data(), envp.data(), AT_EMPTY_PATH);
    int err = errno;
    // A seccomp profile may allow execve and not execveat: the same file through /proc.
    if (err == EPERM || err == ENOSYS) {
        std::string proc = "/proc/self/fd/" + std::to_string(stub_fd);
        ::execve(proc.c_str(), argv.data(), envp.data());
    }
    (void)::fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
    return exec_failure("exec skiff's exec stub", err);
}

}  // namespace skiff::runtime
