// gzip decompression with ISA-L's igzip (several times faster than zlib), for the layer pipeline.
// libisal is opened with dlopen on first use, so only commands that unpack layers load it; when it
// is missing the caller falls back to libarchive's own gzip filter (zlib).
#pragma once

#include <memory>
#include <string_view>

#include "skiff/storage/layers.hpp"

namespace skiff::storage {

// True when `head` (the first bytes of a stream) starts a gzip member.
bool looks_gzip(std::string_view head);

// A source of the bytes that `compressed` (every gzip member of it, in turn) inflates to, or null
// when libisal cannot be loaded. Corrupt data and bad CRCs are read errors.
std::unique_ptr<ByteSource> isal_gunzip(ByteSource& compressed);

}  // namespace skiff::storage
