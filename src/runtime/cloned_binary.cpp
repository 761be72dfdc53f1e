// ensure_cloned_binary(): skiff re-executed from a sealed memfd copy of itself, as runc and crun do,
// so that /proc/PID/exe of any skiff process the container can reach is that copy (which nobody
// can write: it is sealed, and gone when the last process running it exits), never the host's file.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/enter.hpp"

extern char** environ;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace skiff::runtime {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool running_from_clone() {
    auto exe = sys::open("/proc/self/exe", O_RDONLY);
    if (!exe.ok()) return false;
    int seals = ::fcntl(exe->get(), F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

// MFD_EXEC (Linux 6.3) asks for an executable memfd whatever vm.memfd_noexec says; older kernels
// refuse the flag, and every memfd of theirs is executable.
Result<unique_fd> sealed_copy_of_self() {
    unique_fd exe = TRY(sys::open("/proc/self/exe", O_RDONLY));
    int fd = ::memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = ::memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return sys_error("memfd_create");
    unique_fd copy(fd);
    for (;;) {
        ssize_t n = ::sendfile(copy.get(), exe.get(), nullptr, 1 << 30);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("copy skiff's binary into a memfd");
        if (n == 0) break;
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0) return sys_error("seal skiff's copy");
    return copy;
}

}  // namespace

Result<void> ensure_cloned_binary() {
    if (running_from_clone()) return {};
    unique_fd copy = TRY(sealed_copy_of_self());
    std::string cmdline = TRY(fs::read_file("/proc/self/cmdline"));
    std::vector<std::string> args = str::split(cmdline, '\0');
    if (!args.empty() && args.back().empty()) args.pop_back();
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::syscall(SYS_execveat, copy.get(), "", argv.data(), environ, AT_EMPTY_PATH);
    return sys_error("re-execute skiff from its sealed copy");
}

}  // namespace skiff::runtime
