// Writes the entries of one layer's tar stream under a layer root, with *at() calls relative to the
// root's descriptor only. Private to the storage module.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive_lib.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/idmap.hpp"
#include "skiff/base/result.hpp"

namespace skiff::storage {

// A tar entry name made relative and split into components. Leading "/" and "." components are
// dropped as podman does; any ".." component is refused. An empty result names the root itself.
Result<std::vector<std::string>> clean_entry_name(std::string_view name);

// The overlay xattr names: "trusted.overlay.*" for real root, "user.overlay.*" otherwise.
std::string overlay_xattr(std::string_view what);

class Unpacker {
public:
    // `root` is an O_PATH descriptor of the (empty) layer directory; `label` names the layer in errors.
    Unpacker(const ArchiveLib& lib, int root, const IdMap& idmap, std::string label);

    // Unpack a plain archive (cp) rather than a layer: `.wh.` names are ordinary files, errors do not
    // say "layer", with `force_owner` every entry belongs to host uid:gid instead of its own, and a
    // directory and a non-directory replace each other only with `overwrite`.
    void copy_mode(bool overwrite, bool force_owner, uid_t uid, gid_t gid) {
        layer_ = false;
        overwrite_ = overwrite;
        force_owner_ = force_owner;
        owner_uid_ = uid;
        owner_gid_ = gid;
    }

    // Write one entry; its data is read from `a`.
    Result<void> entry(struct archive* a, struct archive_entry* e);
    // Directory modes and times, applied last (writing into a directory changes its mtime).
    Result<void> finish();

private:
    struct DeferredDir {
        std::vector<std::string> path;
        mode_t mode;
        struct timespec times[2];
    };

    Error refuse(std::string_view name, std::string_view why) const;
    Result<int> open_dir(const std::vector<std::string>& comps, size_t n, std::string_view shown, bool create);
    Result<void> check_replace(int dirfd, const std::string& name, bool new_is_dir, std::string_view shown) const;
    Result<void> remove_existing(int dirfd, const std::string& name, std::string_view shown);
    Result<void> make_opaque(int dirfd, const std::string& name, std::string_view shown);
    Result<void> whiteout(int dirfd, const std::string& name, std::string_view shown);
    Result<void> write_file(struct archive* a, int dirfd, const std::string& name, struct archive_entry* e,
                            std::string_view shown);
    Result<void> hardlink(struct archive_entry* e, int dirfd, const std::string& name, std::string_view shown);
    Result<std::pair<uid_t, gid_t>> host_owner(struct archive_entry* e, std::string_view shown) const;
    Result<void> set_owner(int dirfd, const std::string& name, struct archive_entry* e, std::string_view shown);
    Result<void> set_file_owner(int fd, struct archive_entry* e, std::string_view shown);
    Result<void> set_xattrs(int dirfd, const std::string& name, struct archive_entry* e, std::string_view shown);
    void entry_times(struct archive_entry* e, struct timespec times[2]) const;

    const ArchiveLib& lib_;
    int root_;
    const IdMap& idmap_;
    std::string label_;
    bool layer_ = true;
    bool overwrite_ = false;
    bool force_owner_ = false;
    uid_t owner_uid_ = 0;
    gid_t owner_gid_ = 0;
    std::vector<DeferredDir> dirs_;
    // Who owns a new file, and what the umask takes from a new file's mode: a file needs no chown
    // or chmod after it is created when it already has what the entry says.
    uid_t self_uid_;
    gid_t self_gid_;
    mode_t umask_;
    // The last parent directory opened, reused while entries stay in it (an entry only ever removes
    // a child of it); whether it is setgid (its new files take its group).
    std::string cached_parent_;
    unique_fd cached_fd_;
    bool cached_setgid_ = false;
};

}  // namespace skiff::storage
