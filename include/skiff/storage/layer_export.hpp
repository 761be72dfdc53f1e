// Layers back to tar streams, and the sinks that carry them on: hashing, gzip, zstd.
//
// export_tree writes a directory tree (an unpacked layer, a container's upper directory) as the tar
// stream a layer's author would have written: overlay's whiteouts (a 0/0 character device, or a file
// marked with the whiteout xattr) become `.wh.NAME` entries, an opaque directory gets a
// `.wh..wh..opq` entry, overlay's own xattrs are left out, hard links within the tree become link
// entries. The stream is deterministic: names in byte order, PAX records only where ustar cannot say
// it (long or non-ASCII names, large ids and sizes, xattrs), no trailing padding beyond the two zero
// blocks. Exporting the same tree twice gives the same bytes, so its digests can be recorded.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "skiff/base/idmap.hpp"
#include "skiff/base/result.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::storage {

// Where a stream of bytes goes. close() flushes what a transforming sink still holds (a compressor's
// trailer) into the next one; it is called once, after the last write.
class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual Result<void> write(std::string_view data) = 0;
    virtual Result<void> close() { return {}; }
};

// Writes to a file descriptor it does not own.
class FdSink : public ByteSink {
public:
    explicit FdSink(int fd) : fd_(fd) {}
    Result<void> write(std::string_view data) override;

private:
    int fd_;
};

// Counts and hashes what passes through on its way to `next`.
class HashingSink : public ByteSink {
public:
    explicit HashingSink(ByteSink& next) : next_(next) {}
    Result<void> write(std::string_view data) override;
    Result<void> close() override { return next_.close(); }
    uint64_t size() const { return size_; }
    std::string digest() { return hash_.finish().str(); }  // once, after close

private:
    ByteSink& next_;
    oci::Sha256 hash_;
    uint64_t size_ = 0;
};

enum class Compression { kNone, kGzip, kZstd };

// "gzip", "zstd", "none"/"uncompressed" → the value; anything else an error naming the choices.
Result<Compression> parse_compression(std::string_view s);
const char* compression_name(Compression c);

// A sink compressing into `next` (zlib for gzip, libzstd for zstd, both loaded on first use).
// `level` < 0: the format's default (gzip 6, zstd 3). kNone passes the bytes on unchanged.
Result<std::unique_ptr<ByteSink>> make_compressor(Compression c, int level, ByteSink& next);

// Write the tree under `dirfd` as a tar stream into `out` (not closed). `shown` names the tree in
// errors. Owners are mapped back through `ids` (host → container; an unmapped id becomes 65534).
// With `one_file_system`, what other mounts put in the tree is left out: a directory where one is
// mounted is written empty, a file mounted over is not written (a running container's /proc, its
// volumes, its /etc/hosts).
Result<void> export_tree(int dirfd, const std::string& shown, ByteSink& out, const IdMap& ids = IdMap::identity(),
                         bool one_file_system = false);

// Write the entry `name` under `dirfd` (with all it holds, when a directory) as a tar stream in which
// it is called `as` ("etc", "etc/passwd"…). Symbolic links are written as links, never followed.
Result<void> export_entry(int dirfd, const std::string& name, const std::string& as, const std::string& shown,
                          ByteSink& out, const IdMap& ids = IdMap::identity());

// Part of a tree, for a layer of changes made without an overlay (the vfs driver's copy): paths
// relative to the tree, no leading or trailing '/' ("etc/passwd"). `keep` names every entry to write
// (a directory is written only if named; its entries only those named), `deleted` those to write a
// whiteout for.
struct ExportSelection {
    std::set<std::string> keep;
    std::set<std::string> deleted;
};

// export_tree of the entries `sel` names, with a `.wh.NAME` entry for each deleted one.
Result<void> export_selection(int dirfd, const std::string& shown, const ExportSelection& sel, ByteSink& out,
                              const IdMap& ids = IdMap::identity());

// A stored layer as a tar stream: the very stream it was unpacked from when the layer has a tar-split
// record (a pulled layer; checked against its diff id, an error if its files changed on disk), else
// its tree as export_tree writes it.
Result<void> export_layer(const StoreConfig& store, const std::string& diff_id, ByteSink& out);

}  // namespace skiff::storage
