#include "skiff/base/lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "skiff/base/sys.hpp"

namespace skiff {

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode) {
    auto fd = TRY(sys::open(path, O_RDWR | O_CREAT, 0600));
    struct flock fl {};
    fl.l_type = mode == Mode::kShared ? F_RDLCK : F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd.get(), F_OFD_SETLKW, &fl) < 0) {
        if (errno != EINTR) return sys_error("lock " + path);
    }
    return FileLock(std::move(fd));
}

Result<FileLock> FileLock::try_acquire(const std::string& path, Mode mode) {
    auto fd = TRY(sys::open(path, O_RDWR | O_CREAT, 0600));
    struct flock fl {};
    fl.l_type = mode == Mode::kShared ? F_RDLCK : F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_OFD_SETLK, &fl) < 0) {
        int e = (errno == EACCES || errno == EAGAIN) ? EWOULDBLOCK : errno;
        return sys_error("lock " + path, e);
    }
    return FileLock(std::move(fd));
}

Result<FileLock> FileLock::acquire_existing(const std::string& path, Mode mode) {
    auto fd = sys::open(path, O_RDWR);
    if (!fd.ok()) {
        if (fd.error().code != ENOENT) return fd.take_error();
        return missing_error("lock " + path + ": it does not exist");
    }
    struct flock fl {};
    fl.l_type = mode == Mode::kShared ? F_RDLCK : F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd->get(), F_OFD_SETLKW, &fl) < 0) {
        if (errno != EINTR) return sys_error("lock " + path);
    }
    struct stat st;
    if (::fstat(fd->get(), &st) < 0) return sys_error("lock " + path);
    if (st.st_nlink == 0) return missing_error("lock " + path + ": it was removed");
    return FileLock(fd.take());
}

}  // namespace skiff
