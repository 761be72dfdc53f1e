// The unpack pipeline: one pass over a layer's stream, on two threads, into a new staging directory.
//   producer: source bytes ─(hash: compressed digest)─► inflate (ISA-L for gzip, else libarchive's
//             "raw" reader: zstd/xz/bzip2 or none) ─(hash: diff id)─► a bounded queue
//   consumer: the queue ─► TarRecorder ─► libarchive tar reader ─► Unpacker (*at() calls under the
//             staging root)
// Both digests come out of the same read. The producer's work (hashing and inflating) and the
// consumer's (parsing, and the file system calls) are about equal for a typical layer, so on two cores
// a pull takes about half the time of one thread doing both. The recorder's record (tar-split.zst
// beside layer.json) lets export_layer write the same bytes again. Private to storage.
#pragma once

#include <string>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"
#include "skiff/storage/store.hpp"
#include "staging.hpp"

namespace skiff::storage {

struct Staged {
    StagingEntry dir;
    LayerInfo layer;
    std::string compressed_digest;
};

// Unpack the whole stream into a new staging directory; digests computed, nothing verified yet.
Result<Staged> unpack_to_staging(const StoreConfig& store, ByteSource& src, const std::string& label);

}  // namespace skiff::storage
