// Image operations the user names: import, load, list, remove, inspect. No printing here: the CLI
// formats what these return.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/image_archive.hpp"
#include "skiff/storage/images.hpp"

namespace skiff::engine {

class PullProgress;  // pull.hpp

struct ImportOptions {
    std::string source;                // a rootfs tarball (plain, gzip, zstd, xz, bzip2), or "-" for stdin
    std::string reference;             // NAME[:TAG], or empty for an unnamed image
    std::vector<std::string> changes;  // --change "CMD …", "ENV K=V", …
    std::string message;               // --message: the history comment
    PullProgress* progress = nullptr;  // told of the blob, the config and the manifest, as a pull's
};

// One layer and a config made for it; podman's: the config's "created" is the tarball's mtime (now
// for stdin), history says "ADD file:<diff id hex> in /".
Result<storage::ImageRecord> import_image(const storage::StoreConfig& store, const ImportOptions& opts);

// An oci-archive or docker-archive from a file, or stdin when `input` is empty or "-". One entry per
// image, in the archive's order. `progress`, when given, is told of it as of a pull.
Result<std::vector<storage::LoadedImage>> load_images(const storage::StoreConfig& store, const std::string& input,
                                                      PullProgress* progress = nullptr);

// Images newest first; with a `reference`, only those with a name it matches ("demo" matches
// "localhost/demo:latest" and every other tag of localhost/demo when no tag is given).
Result<std::vector<storage::ImageRecord>> list_images(const storage::StoreConfig& store, const std::string& reference);

struct RemoveImageResult {
    std::string input;                  // what the user named
    std::vector<std::string> untagged;  // names removed, in order
    std::string deleted;                // the image id when the image itself went
    Error error;                        // error.message empty on success
};

// `rmi`, podman's rules: a name untags (the image goes with its last name); an id deletes, refused for
// an image with several names unless `force`; an image used by a container is refused (exit 2)
// unless `force`, which removes those containers first. `all`: every image (names then ignored).
// A deleted image's parent goes too when that leaves it dangling (nameless, no other image built on
// it, no container), and so on down, each its own result; `prune` false (--no-prune) keeps them.
// A name that is a manifest list removes the list unless it has a local image for this host (that
// goes instead, as podman's); `lists_only` (`manifest rm`): the list always, and an image that is no
// list is an error.
// Exit codes in the errors: 1 not found, 2 in use, 125 otherwise.
struct RemoveImagesOptions {
    bool force = false;
    bool all = false;
    bool prune = true;
    bool lists_only = false;
};
std::vector<RemoveImageResult> remove_images(const storage::StoreConfig& store, const std::vector<std::string>& names,
                                             const RemoveImagesOptions& opts);

// Is `child` built on `parent`: its layers are all of parent's, in order, with more on top?
bool builds_on(const storage::ImageRecord& child, const storage::ImageRecord& parent);

// `history`: the image's config history, newest first; each step that made a layer has that layer's
// size (the layers, bottom first, belong to the non-empty steps in order). A config without history
// gets a step per layer. The newest step carries the image's id, the others "<missing>", as podman.
struct HistoryStep {
    oci::HistoryEntry entry;
    std::string id;
    uint64_t size = 0;
};
struct ImageHistory {
    std::vector<std::string> names;  // the image's
    std::vector<HistoryStep> steps;
};
Result<ImageHistory> image_history(const storage::StoreConfig& store, const std::string& image);

// How podman shows an image's pulled digests: "REPOSITORY@DIGEST" for each name and digest.
std::vector<std::string> repo_digests(const storage::ImageRecord& img);
// The image's names that carry a tag (podman's RepoTags): not those a pull by digest gave it.
std::vector<std::string> repo_tags(const storage::ImageRecord& img);
// A name's repository and tag ("<none>" for a tag it lacks; the name itself when it does not parse).
std::pair<std::string, std::string> repository_and_tag(const std::string& name);
// How many containers use the image (0 when that cannot be told).
size_t containers_using(const storage::StoreConfig& store, const std::string& image_id);

// `tag`: the image `image` (a name or id) gets each of `names` (normalized: "demo" is
// "localhost/demo:latest"); every name is checked before any is added, so a bad one changes nothing.
Result<void> tag_image(const storage::StoreConfig& store, const std::string& image, const std::vector<std::string>& names);

// `untag`: each of `names` is taken from the image `image`; none: all of its names. A name the image
// does not have is an error, before any is taken.
Result<void> untag_image(const storage::StoreConfig& store, const std::string& image, const std::vector<std::string>& names);

// `image exists`: whether `image` (a name or id) is in the store; an error other than its absence
// is an error.
Result<bool> image_exists(const storage::StoreConfig& store, const std::string& image);
// `inspect`: the image a name or id names; and its layers' directories, top first (overlay's
// UpperDir then LowerDir), empty for the vfs driver.
Result<storage::ImageRecord> find_image(const storage::StoreConfig& store, const std::string& name);
Result<std::vector<std::string>> image_layer_dirs(const storage::StoreConfig& store, const storage::ImageRecord& img);

class ImageFilter;

// `image prune`: every image no container uses that is dangling (any such image, with `all`) and
// passes `filter`, removed with its unshared layers. Returns the ids removed.
Result<std::vector<std::string>> prune_images(const storage::StoreConfig& store, bool all, const ImageFilter& filter);

}  // namespace skiff::engine
