// What a container (or an image's top layer) changed in the tree below it: `diff`'s listing, and the
// layer `commit` makes of it.
//
// An overlay upper directory (and a stored layer, which keeps overlay's form: whiteouts are 0/0
// character devices or files with the whiteout xattr, opaque directories carry the opaque xattr) says
// its changes itself: each entry is added or changed, each whiteout a deletion. The vfs driver's
// private copy says nothing, so it is compared with the tree the image's layers make: a change is a
// difference in type, mode, owner, size, link target or device, or in content when the sizes are
// equal and the modification times differ.
#pragma once

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layer_export.hpp"

namespace skiff::storage {

enum class ChangeKind { kChanged, kAdded, kDeleted };

struct Change {
    std::string path;  // absolute inside the container: "/etc/passwd"
    ChangeKind kind = ChangeKind::kChanged;
    bool operator==(const Change&) const = default;
};

// "C", "A", "D" as podman prints them.
const char* change_letter(ChangeKind k);

// The changes an overlay-form tree `layer` makes to the tree `lowers` (topmost first) show. A
// directory that holds a change is itself changed. Sorted by path.
Result<std::vector<Change>> layer_changes(const std::string& layer, const std::vector<std::string>& lowers);

// The changes between the tree `lowers` (topmost first) show and a full copy `copy`. Only the
// topmost of a deleted tree is listed; everything under an added directory is. Sorted by path.
Result<std::vector<Change>> copy_changes(const std::string& copy, const std::vector<std::string>& lowers);

// A container's changes to its image: its upper directory (overlay) or its copy (vfs), whichever it
// has; none when it has never been started.
Result<std::vector<Change>> container_changes(const StoreConfig& store, const std::string& container_id,
                                              const ImageRecord& image);

// An image's top layer's changes to the layers below it.
Result<std::vector<Change>> image_changes(const StoreConfig& store, const ImageRecord& image);

// The container's changes as a layer tar stream (see export_tree): its upper directory as it is, or
// the entries of its copy that `copy_changes` names with a whiteout for each deleted one.
Result<void> export_container_changes(const StoreConfig& store, const std::string& container_id,
                                      const ImageRecord& image, ByteSink& out);

}  // namespace skiff::storage
