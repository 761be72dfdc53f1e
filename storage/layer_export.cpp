// export_tree: a depth-first walk in byte order, writing ustar headers (with PAX records where
// needed) as it goes. Every lookup is relative to a directory descriptor and never follows a link.
#include "skiff/storage/layer_export.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cstring>
#include <map>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "compress.hpp"
#include "skiff/storage/layers.hpp"
#include "tar_record.hpp"
#include "xattrs.hpp"

namespace skiff::storage {

namespace {

constexpr size_t kBlock = 512;

std::string fmt_octal(uint64_t v) {
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('0' + (v & 7)));
        v >>= 3;
    } while (v);
    return s;
}

std::string without_slash(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

// Every xattr but overlay's own and SELinux labels (the host's, not the layer's), sorted by name.
Result<std::map<std::string, std::string>> read_xattrs(int dirfd, const std::string& name, const std::string& shown) {
    std::map<std::string, std::string> out;
    std::string path = proc_path(dirfd, name);
    for (auto& key : TRY(xattr_names(path, shown))) {
        if (key == "security.selinux") continue;
        if (auto value = xattr_value(path, key)) out.emplace(key, std::move(*value));
    }
    return out;
}

bool ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// One PAX record "LEN key=value\n", LEN counting the whole record including its own digits.
std::string pax_record(std::string_view key, std::string_view value) {
    size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
    size_t len = body + 1;
    while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
    return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

// An octal field of `width` bytes (digits, then NUL). False when the value does not fit.
bool put_octal(char* field, size_t width, uint64_t value) {
    std::string digits = fmt_octal(value);
    if (digits.size() > width - 1) return false;
    std::memset(field, '0', width - 1 - digits.size());
    std::memcpy(field + width - 1 - digits.size(), digits.data(), digits.size());
    field[width - 1] = '\0';
    return true;
}

struct Entry {
    std::string name;      // as stored: relative, directories end in '/'
    char type = '0';
    uint32_t mode = 0;     // permission and set-id bits
    uint64_t uid = 0, gid = 0, size = 0;
    int64_t mtime = 0;
    std::string linkname;  // symlink target or hard link's first name
    uint32_t devmajor = 0, devminor = 0;
    std::map<std::string, std::string> xattrs;
};

class TarWriter {
public:
    explicit TarWriter(ByteSink& out) : out_(out) {}

    Result<void> header(const Entry& e) {
        char h[kBlock];
        std::memset(h, 0, sizeof h);
        std::string pax;
        auto put_text = [&](char* field, size_t width, const std::string& value, const char* key) {
            if (value.size() <= width && ascii(value)) {
                std::memcpy(field, value.data(), value.size());
            } else {
                pax += pax_record(key, value);
                std::string cut = value.substr(0, width);
                std::memcpy(field, cut.data(), cut.size());
            }
        };
        put_text(h, 100, e.name, "path");
        put_text(h + 157, 100, e.linkname, "linkpath");
        put_octal(h + 100, 8, e.mode & 07777);
        if (!put_octal(h + 108, 8, e.uid)) {
            pax += pax_record("uid", std::to_string(e.uid));
            put_octal(h + 108, 8, 0);
        }
        if (!put_octal(h + 116, 8, e.gid)) {
            pax += pax_record("gid", std::to_string(e.gid));
            put_octal(h + 116, 8, 0);
        }
        if (!put_octal(h + 124, 12, e.size)) {
            pax += pax_record("size", std::to_string(e.size));
            put_octal(h + 124, 12, 0);
        }
        uint64_t mtime = e.mtime < 0 ? 0 : static_cast<uint64_t>(e.mtime);
        if (!put_octal(h + 136, 12, mtime)) {
            pax += pax_record("mtime", std::to_string(mtime));
            put_octal(h + 136, 12, 0);
        }
        for (auto& [k, v] : e.xattrs) pax += pax_record("SCHILY.xattr." + k, v);
        h[156] = e.type;
        std::memcpy(h + 257, "ustar", 6);  // magic with its NUL
        std::memcpy(h + 263, "00", 2);
        if (e.type == '3' || e.type == '4') {
            put_octal(h + 329, 8, e.devmajor);
            put_octal(h + 337, 8, e.devminor);
        }
        if (!pax.empty()) {
            Entry x;
            x.name = "PaxHeaders/" + fs::basename(without_slash(e.name));
            x.name = ascii(x.name) ? x.name.substr(0, 100) : "PaxHeaders/entry";
            x.type = 'x';
            x.mode = 0644;
            x.size = pax.size();
            x.mtime = e.mtime;
            TRY(header(x));
            TRY(data(pax));
            TRY(pad(pax.size()));
        }
        finish_checksum(h);
        return out_.write(std::string_view(h, sizeof h));
    }

    Result<void> data(std::string_view d) { return out_.write(d); }

    Result<void> pad(uint64_t size) {
        static const char zeros[kBlock] = {};
        size_t rest = static_cast<size_t>(size % kBlock);
        if (rest == 0) return {};
        return out_.write(std::string_view(zeros, kBlock - rest));
    }

    Result<void> end() {
        static const char zeros[2 * kBlock] = {};
        return out_.write(std::string_view(zeros, sizeof zeros));
    }

private:
    static void finish_checksum(char* h) {
        std::memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < kBlock; i++) sum += static_cast<unsigned char>(h[i]);
        std::string digits = fmt_octal(sum);
        std::string field = std::string(6 - std::min<size_t>(6, digits.size()), '0') + digits;
        std::memcpy(h + 148, field.data(), 6);
        h[154] = '\0';
        h[155] = ' ';
    }

    ByteSink& out_;
};

// Host id → the id inside, through the ranges of an IdMap.
unsigned container_id(const std::vector<IdRange>& ranges, unsigned host) {
    for (auto& r : ranges)
        if (host >= r.host && host - r.host < r.size) return r.container + (host - r.host);
    return 65534;
}

class Exporter {
public:
    Exporter(ByteSink& out, std::string shown_root, const IdMap& ids, bool one_fs = false,
             const ExportSelection* sel = nullptr)
        : tar_(out), shown_root_(std::move(shown_root)), ids_(ids), one_fs_(one_fs), sel_(sel), buf_(1 << 20) {}

    Result<void> dir(int dirfd, const std::string& rel) {
        if (sel_) TRY(whiteouts(rel));
        auto names = TRY(fs::list_names(dirfd, shown(rel)));
        for (auto& name : names) {
            if (sel_ && !sel_->keep.contains(rel + name)) continue;
            TRY(entry(dirfd, name, rel + name));
        }
        return {};
    }

    Result<void> end() { return tar_.end(); }

    Result<void> entry(int dirfd, const std::string& name, const std::string& rel) {
        struct stat st;
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + shown(rel));
        bool mounted = one_fs_ && TRY(mount_root(dirfd, name, rel));
        if (mounted && !S_ISDIR(st.st_mode)) return {};
        return write_entry(dirfd, name, rel, st, !mounted);
    }

private:
    // Whether dirfd/name is where another file system is mounted.
    Result<bool> mount_root(int dirfd, const std::string& name, const std::string& rel) const {
        struct statx sx;
        if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &sx) < 0)
            return sys_error("stat " + shown(rel));
        return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    }

    // The selection's deleted entries directly in `rel` ("" or "dir/"), as whiteouts.
    Result<void> whiteouts(const std::string& rel) {
        for (auto it = sel_->deleted.lower_bound(rel); it != sel_->deleted.end() && it->starts_with(rel); ++it) {
            std::string name = it->substr(rel.size());
            if (name.empty() || name.find('/') != std::string::npos) continue;
            Entry w;
            w.name = rel + ".wh." + name;
            TRY(tar_.header(w));
        }
        return {};
    }

    std::string shown(const std::string& rel) const {
        return shown_root_ + "/" + without_slash(rel);
    }

    Result<void> write_entry(int dirfd, const std::string& name, const std::string& rel, const struct stat& st,
                             bool descend) {
        Entry e;
        e.name = rel;
        e.mode = st.st_mode & 07777;
        e.uid = ids_.is_identity() ? st.st_uid : container_id(ids_.uids(), st.st_uid);
        e.gid = ids_.is_identity() ? st.st_gid : container_id(ids_.gids(), st.st_gid);
        e.mtime = st.st_mtim.tv_sec;
        std::string parent = rel.substr(0, rel.size() - name.size());

        bool whiteout = (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) ||
                        (S_ISREG(st.st_mode) && st.st_size == 0 && overlay_attr(dirfd, name, "whiteout"));
        if (whiteout) {
            // Whiteouts are markers: no mode, owner or time of their own (unpacking makes them
            // anew), so an exported layer reads the same whenever its whiteouts were made.
            Entry w;
            w.name = parent + ".wh." + name;
            return tar_.header(w);
        }
        if (!S_ISLNK(st.st_mode)) e.xattrs = TRY(read_xattrs(dirfd, name, shown(rel)));

        if (S_ISDIR(st.st_mode)) {
            e.name += "/";
            e.type = '5';
            TRY(tar_.header(e));
            unique_fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) return sys_error("open " + shown(rel));
            if (overlay_attr(dirfd, name, "opaque") == std::optional<std::string>("y")) {
                Entry opq;
                opq.name = rel + "/.wh..wh..opq";
                TRY(tar_.header(opq));
            }
            return descend ? dir(sub.get(), rel + "/") : Result<void>();
        }
        if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
            if (n < 0) return sys_error("read link " + shown(rel));
            target.resize(static_cast<size_t>(n));
            e.type = '2';
            e.linkname = target;
            return tar_.header(e);
        }
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
            e.type = S_ISCHR(st.st_mode) ? '3' : S_ISBLK(st.st_mode) ? '4' : '6';
            if (!S_ISFIFO(st.st_mode)) {
                e.devmajor = major(st.st_rdev);
                e.devminor = minor(st.st_rdev);
            }
            return tar_.header(e);
        }
        if (!S_ISREG(st.st_mode)) return {};  // sockets have no tar form; they are skipped, as podman does

        if (st.st_nlink > 1) {
            auto key = std::make_pair(st.st_dev, st.st_ino);
            auto [it, first] = links_.emplace(key, rel);
            if (!first) {
                e.type = '1';
                e.linkname = it->second;
                return tar_.header(e);
            }
        }
        e.type = '0';
        e.size = static_cast<uint64_t>(st.st_size);
        TRY(tar_.header(e));
        // O_NONBLOCK: a tree that changes under us (a running container's) may have put a FIFO here.
        unique_fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!fd) return sys_error("open " + shown(rel));
        struct stat now;
        if (::fstat(fd.get(), &now) < 0 || !S_ISREG(now.st_mode))
            return make_error(shown(rel) + ": changed while it was read");
        uint64_t left = e.size;
        while (left > 0) {
            ssize_t n = ::read(fd.get(), buf_.data(), std::min<uint64_t>(left, buf_.size()));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return sys_error("read " + shown(rel));
            if (n == 0) return make_error(shown(rel) + ": the file shrank while it was read");
            TRY(tar_.data(std::string_view(buf_.data(), static_cast<size_t>(n))));
            left -= static_cast<uint64_t>(n);
        }
        return tar_.pad(e.size);
    }

    TarWriter tar_;
    std::string shown_root_;
    const IdMap& ids_;
    bool one_fs_;
    const ExportSelection* sel_;
    std::vector<char> buf_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

Result<void> FdSink::write(std::string_view data) { return sys::write_all(fd_, data); }

Result<void> HashingSink::write(std::string_view data) {
    hash_.update(data);
    size_ += data.size();
    return next_.write(data);
}

Result<void> export_tree(int dirfd, const std::string& shown, ByteSink& out, const IdMap& ids, bool one_file_system) {
    Exporter ex(out, shown, ids, one_file_system);
    TRY(ex.dir(dirfd, ""));
    return ex.end();
}

Result<void> export_entry(int dirfd, const std::string& name, const std::string& as, const std::string& shown,
                          ByteSink& out, const IdMap& ids) {
    Exporter ex(out, shown, ids);
    TRY(ex.entry(dirfd, name, as));
    return ex.end();
}

Result<void> export_selection(int dirfd, const std::string& shown, const ExportSelection& sel, ByteSink& out,
                              const IdMap& ids) {
    Exporter ex(out, shown, ids, false, &sel);
    TRY(ex.dir(dirfd, ""));
    return ex.end();
}

// The layer's stream as it was pulled, from its tar-split record; the result must hash to the diff id.
Result<void> export_recorded(int layer_fd, int record_fd, const std::string& diff_id, ByteSink& out) {
    unique_fd diff(::openat(layer_fd, "diff", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!diff) return sys_error("layer " + diff_id + ": open diff");
    FdSource file(record_fd);
    auto record = TRY_CTX(make_zstd_reader(file), "layer " + diff_id + ": tar-split record");
    HashingSink hashed(out);
    TRY(reassemble(*record, diff.get(), diff_id, hashed));
    std::string got = hashed.digest();
    if (got != diff_id)
        return make_error("layer " + diff_id + " changed on disk: the stream its tar-split record rebuilds has digest " + got);
    return {};
}

Result<void> export_layer(const StoreConfig& store, const std::string& diff_id, ByteSink& out) {
    std::string dir = layer_diff_dir(store, diff_id);
    std::string layer_dir = dir.substr(0, dir.size() - std::string("/diff").size());
    unique_fd layer(::open(layer_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!layer) return sys_error("layer " + diff_id + ": open " + layer_dir);
    unique_fd record(::openat(layer.get(), kTarRecordName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (record) return export_recorded(layer.get(), record.get(), diff_id, out);
    if (errno != ENOENT) return sys_error("layer " + diff_id + ": open " + layer_dir + "/" + kTarRecordName);
    unique_fd fd(::openat(layer.get(), "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_error("layer " + diff_id + ": open " + dir);
    TRY_CTX(export_tree(fd.get(), dir, out, store.idmap), "export layer " + diff_id);
    return {};
}

}  // namespace skiff::storage
