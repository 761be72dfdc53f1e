// The tar-split record of a pulled layer: enough to write the layer's uncompressed stream again byte
// for byte, so a saved or pushed image keeps the diff ids, and so the image ID, it was pulled with.
// Every byte of the stream that is not the content of a regular file (headers, PAX and GNU long-name
// records, padding, whatever follows the end-of-archive blocks) is kept verbatim; a regular file's
// content is kept as (path, size) and read back from the unpacked file in layers/<hex>/diff/.
// Private to the storage module.
//
// The record is the file layers/<hex>/tar-split.zst: a zstd frame holding
//     "skiff-tar-split" '\1'         16 bytes: magic and format version 1
//     ops, each a tag byte followed by unsigned LEB128 numbers:
//       'R' len <len bytes>          raw bytes of the stream, verbatim
//       'F' len <len bytes> size     `size` bytes: the content of diff/<path>, path being the len bytes
//       'E' total                    the end: `total` is the length of the whole stream
// and nothing after 'E'. Paths are normalised as the unpacker names files (clean_entry_name).
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/storage/layer_export.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

inline constexpr const char* kTarRecordName = "tar-split.zst";

// Watches a tar stream go by (feed) and writes its record into `out`. It parses the tar framing on
// its own and never fails the stream: anything it cannot reproduce (an unparseable header, a file
// whose content a later entry replaces or whites out, two contents for one path, an entry the
// unpacker saw differently) makes the record unusable, and the caller stores none.
class TarRecorder {
public:
    explicit TarRecorder(ByteSink& out) : out_(out) {}

    // The next bytes of the uncompressed stream, all of them, in order.
    void feed(std::string_view bytes);
    // The unpacker's view of its next entry (libarchive's name, whether it is a regular file with
    // content of its own, its size): each must match the recorder's own entry, in order.
    void confirm(std::string_view name, bool regular, uint64_t size);
    // After the last byte: writes the end op. True when the record is usable (then `out` must still
    // be closed by the caller); false, with why_not(), when it must be thrown away.
    bool finish();
    const std::string& why_not() const { return why_not_; }

private:
    enum class State { kHeader, kMeta, kContent, kRaw, kTrailer };
    struct Seen {
        std::string path;
        bool content;
        uint64_t size;
    };

    void fail(std::string why);
    void raw(std::string_view bytes);
    void flush_raw();
    void put(std::string_view bytes);
    void header();
    void meta_done();
    void entry(char type, std::string name, uint64_t size);
    void check_replaces(const std::string& path, char type, bool hardlink);
    void start_data(State s, uint64_t size);

    ByteSink& out_;
    bool failed_ = false;
    std::string why_not_;
    State state_ = State::kHeader;
    uint64_t total_ = 0;
    std::string block_;        // the header block being collected
    std::string pending_raw_;  // raw bytes not yet written out
    uint64_t left_ = 0;        // bytes left of the current data (content, meta or raw)
    uint64_t pad_ = 0;         // padding after the current data
    char meta_type_ = 0;       // 'x', 'g', 'L' or 'K' while collecting a meta record
    std::string meta_;
    // What the meta records said about the next entry.
    std::string next_name_;
    bool has_next_name_ = false;
    uint64_t next_size_ = 0;
    bool has_next_size_ = false;
    bool next_sparse_ = false;
    std::set<std::string> files_;  // paths whose content the record refers to
    std::deque<Seen> unconfirmed_;
};

// Write the stream a record describes into `out`: raw bytes as they are, each file's content read
// from under `diff_fd` (never following a symbolic link), exactly its recorded size. `shown` names
// the layer in errors. A file whose size is not the recorded one is an error ("changed on disk").
Result<void> reassemble(ByteSource& record, int diff_fd, const std::string& shown, ByteSink& out);

}  // namespace skiff::storage
