// Decompression for the store's own files (the compressing sinks are in layer_export.hpp). Private
// to the storage module.
#pragma once

#include <memory>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

// A source that inflates the zstd stream read from `in` (libzstd, loaded on first use).
Result<std::unique_ptr<ByteSource>> make_zstd_reader(ByteSource& in);

}  // namespace skiff::storage
