// Sealing skiff's binary against CVE-2019-5736: the monitor and exec run from a view of skiff's
// binary that nobody can write, so /proc/PID/exe of those processes, and of their clones until
// they execute the container's command, never leads to the host's file. (The command itself is
// executed through the exec stub, command.hpp: what it names as itself is the stub.) A foreground run
// does not need the view: until the stub, nothing of the new container exists to look at it.
//
// Two views, the first that works:
// - a read-only overlay whose top layer is the binary's directory, made with the new mount API
//   so it is never attached anywhere (nobody can reach it by a path) and with no upper layer (so
//   no remount can make it writable). It copies nothing and holds no memory: the running code is
//   the page cache of the host's file. Needs CAP_SYS_ADMIN over the mount namespace and Linux 6.8
//   ("lowerdir+"), as runc's default since 1.2.
// - a copy in a memfd, sealed against writes (runc's and crun's older way): costs a copy of the
//   binary, held in shmem for as long as a process runs from it.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
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

bool is_sealed(int fd) {
    int seals = ::fcntl(fd, F_GET_SEALS);
    if (seals >= 0) return (seals & kSeals) == kSeals;
    struct statfs st;
    return ::fstatfs(fd, &st) == 0 && st.f_type == OVERLAYFS_SUPER_MAGIC && (st.f_flags & ST_RDONLY);
}

// MFD_EXEC (Linux 6.3) asks for an executable memfd whatever vm.memfd_noexec says; older kernels
// refuse the flag, and every memfd of theirs is executable.
Result<unique_fd> sealed_copy_of(const std::string& path) {
    unique_fd exe = TRY(sys::open(path, O_RDONLY));
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

// overlay wants two layers when it has no upper one: `empty_dir` is the lower.
// `path` names the binary (a directory's entry), `file` is it as opened: the view must show that file.
Result<unique_fd> overlay_view_of(const std::string& path, const std::string& file, const std::string& empty_dir) {
    if (!path.starts_with('/') || path.ends_with(" (deleted)")) return make_error("skiff's binary has no path");
    unique_fd ctx(::fsopen("overlay", FSOPEN_CLOEXEC));
    if (!ctx) return sys_error("fsopen overlay");
    const std::string dir = fs::dirname(path);
    for (const std::string* layer : {&dir, &empty_dir})
        if (::fsconfig(ctx.get(), FSCONFIG_SET_STRING, "lowerdir+", layer->c_str(), 0) < 0)
            return sys_error("overlay lowerdir+ " + *layer);
    (void)::fsconfig(ctx.get(), FSCONFIG_SET_STRING, "xino", "off", 0);  // spares dmesg its notes
    if (::fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return sys_error("create overlay");
    unique_fd mnt(::fsmount(ctx.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
    if (!mnt) return sys_error("fsmount overlay");
    unique_fd exe = TRY(sys::openat(mnt.get(), fs::basename(path), O_PATH | O_NOFOLLOW));
    // The same file, not one put in its place since this process started from it.
    struct stat a, b;
    if (::fstat(exe.get(), &a) < 0 || ::stat(file.c_str(), &b) < 0 || a.st_size != b.st_size ||
        a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)
        return make_error("skiff's binary changed since it started");
    return exe;
}

Result<unique_fd> sealed_view(const std::string& path, const std::string& file, const std::string& empty_dir) {
    // Whatever keeps the overlay from being made, the copy serves.
    if (!empty_dir.empty() && fs::mkdir_p(empty_dir, 0700).ok()) {
        auto view = overlay_view_of(path, file, empty_dir);
        if (view.ok()) return view;
    }
    return sealed_copy_of(file);
}

}  // namespace

bool running_sealed() {
    auto exe = sys::open("/proc/self/exe", O_RDONLY);
    return exe.ok() && is_sealed(exe->get());
}

Result<unique_fd> sealed_self(const std::string& empty_dir) {
    // Already sealed: the same view again (a view of it would be of its detached directory).
    if (running_sealed()) return sys::open("/proc/self/exe", O_PATH);
    char target[4096];
    ssize_t n = ::readlink("/proc/self/exe", target, sizeof target - 1);
    if (n <= 0) return sys_error("readlink /proc/self/exe");
    return sealed_view(std::string(target, static_cast<size_t>(n)), "/proc/self/exe", empty_dir);
}

Result<unique_fd> sealed_binary(const std::string& path, const std::string& empty_dir) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) return sys_error("resolve " + path);
    return sealed_view(resolved, resolved, empty_dir);
}

Result<void> ensure_sealed_binary(const std::string& empty_dir) {
    if (running_sealed()) return {};
    unique_fd sealed = TRY(sealed_self(empty_dir));
    std::string cmdline = TRY(fs::read_file("/proc/self/cmdline"));
    std::vector<std::string> args = str::split(cmdline, '\0');
    if (!args.empty() && args.back().empty()) args.pop_back();
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::syscall(SYS_execveat, sealed.get(), "", argv.data(), environ, AT_EMPTY_PATH);
    return sys_error("re-execute skiff from its sealed binary");
}

}  // namespace skiff::runtime
