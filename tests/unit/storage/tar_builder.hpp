// Builds tar streams in memory for the layer tests: ustar headers, with a pax header in front of an
// entry whose name or link is long, non-ASCII, or that carries xattrs. Hostile names are written
// exactly as given (that is the point).
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace skiff::test {

struct TarEntry {
    std::string name;
    char type = '0';  // '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo
    std::string data;
    std::string link;
    unsigned mode = 0644;
    unsigned uid = 0, gid = 0;
    long mtime = 1700000000;
    unsigned devmajor = 0, devminor = 0;
    std::map<std::string, std::string> xattrs;
};

inline TarEntry tar_file(std::string name, std::string data, unsigned mode = 0644) {
    TarEntry e;
    e.name = std::move(name);
    e.data = std::move(data);
    e.mode = mode;
    return e;
}
inline TarEntry tar_dir(std::string name, unsigned mode = 0755) {
    TarEntry e;
    e.name = std::move(name);
    e.type = '5';
    e.mode = mode;
    return e;
}
inline TarEntry tar_symlink(std::string name, std::string target) {
    TarEntry e;
    e.name = std::move(name);
    e.type = '2';
    e.link = std::move(target);
    e.mode = 0777;
    return e;
}
inline TarEntry tar_hardlink(std::string name, std::string target) {
    TarEntry e;
    e.name = std::move(name);
    e.type = '1';
    e.link = std::move(target);
    return e;
}

class TarBuilder {
public:
    TarBuilder& add(const TarEntry& e) {
        bool ascii = true;
        for (unsigned char c : e.name + e.link)
            if (c >= 0x80) ascii = false;
        if (e.name.size() > 99 || e.link.size() > 99 || !e.xattrs.empty() || !ascii) add_pax(e);
        header(e.name.substr(0, 99), e.type, e.type == '0' ? e.data.size() : 0, e);
        if (e.type == '0') body(e.data);
        return *this;
    }
    TarBuilder& add_raw(const std::string& bytes) {
        out_ += bytes;
        return *this;
    }
    std::string finish() const { return out_ + std::string(1024, '\0'); }

private:
    // width-1 octal digits, zero-padded, then NUL.
    static void octal(char* field, size_t width, unsigned long long v) {
        for (size_t i = width - 1; i-- > 0; v >>= 3) field[i] = static_cast<char>('0' + (v & 7));
        field[width - 1] = '\0';
    }

    void header(const std::string& name, char type, size_t size, const TarEntry& e) {
        char h[512];
        std::memset(h, 0, sizeof h);
        std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
        octal(h + 100, 8, e.mode);
        octal(h + 108, 8, e.uid);
        octal(h + 116, 8, e.gid);
        octal(h + 124, 12, size);
        octal(h + 136, 12, static_cast<unsigned long long>(e.mtime));
        h[156] = type;
        std::memcpy(h + 157, e.link.data(), std::min<size_t>(e.link.size(), 100));
        std::memcpy(h + 257, "ustar", 6);
        std::memcpy(h + 263, "00", 2);
        octal(h + 329, 8, e.devmajor);
        octal(h + 337, 8, e.devminor);
        std::memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : h) sum += c;
        octal(h + 148, 7, sum);
        h[155] = ' ';
        out_.append(h, sizeof h);
    }

    void body(const std::string& data) {
        out_ += data;
        out_.append((512 - data.size() % 512) % 512, '\0');
    }

    static std::string record(const std::string& key, const std::string& value) {
        std::string rest = " " + key + "=" + value + "\n";
        size_t len = rest.size() + 1;
        while (std::to_string(len).size() + rest.size() != len) ++len;
        return std::to_string(len) + rest;
    }

    void add_pax(const TarEntry& e) {
        std::string pax = record("path", e.name);
        if (!e.link.empty()) pax += record("linkpath", e.link);
        for (auto& [k, v] : e.xattrs) pax += record("SCHILY.xattr." + k, v);
        TarEntry h;
        h.mode = 0644;
        header("PaxHeaders/entry", 'x', pax.size(), h);
        body(pax);
    }

    std::string out_;
};

}  // namespace skiff::test
