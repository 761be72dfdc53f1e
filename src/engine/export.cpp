// export: a container's root file system as one tar stream. A running container's is read through
// its process's root, leaving out what other mounts put there (/proc, /sys, volumes, /etc/hosts);
// any other container's is mounted detached for the time of the export.
#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "container_root.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/copy.hpp"
#include "skiff/storage/layer_export.hpp"

namespace skiff::engine {

namespace {

// A file written beside its final name and renamed into place by commit(); removed otherwise.
class TempOutput {
public:
    static Result<TempOutput> create(const std::string& final_path) {
        std::string dir = fs::dirname(final_path);
        std::string tmp = fs::join(dir.empty() ? "." : dir, "." + fs::basename(final_path) + ".tmp-" + str::random_hex(6));
        auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644));
        return TempOutput(final_path, tmp, std::move(fd));
    }
    TempOutput(TempOutput&& o) noexcept
        : final_(std::move(o.final_)), tmp_(std::exchange(o.tmp_, {})), fd_(std::move(o.fd_)) {}
    ~TempOutput() {
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
    }
    int fd() const { return fd_.get(); }
    Result<void> commit() {
        if (::fsync(fd_.get()) < 0) return sys_error("sync " + tmp_);
        if (::rename(tmp_.c_str(), final_.c_str()) < 0) return sys_error("rename " + tmp_ + " to " + final_);
        tmp_.clear();
        return {};
    }

private:
    TempOutput(std::string final_path, std::string tmp, unique_fd fd)
        : final_(std::move(final_path)), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
    std::string final_, tmp_;
    unique_fd fd_;
};

}  // namespace

Result<void> export_container(const storage::StoreConfig& store, const std::string& name_or_id, const std::string& output) {
    std::optional<TempOutput> file;
    if (!output.empty()) file.emplace(TRY_CTX(TempOutput::create(output), "export to " + output));
    storage::Container c;
    ContainerRoot root = TRY(open_container_root(store, name_or_id, &c));
    auto dir = TRY(sys::openat(root.fd.get(), ".", O_RDONLY | O_DIRECTORY));
    storage::FdSink sink(file ? file->fd() : STDOUT_FILENO);
    TRY_CTX(storage::export_tree(dir.get(), "container " + c.name, sink, store.idmap, root.running),
            "export container " + c.name);
    if (file) TRY(file->commit());
    return {};
}

}  // namespace skiff::engine
