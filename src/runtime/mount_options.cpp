// Mount(8) words → mount attributes, propagation and file-system data.
#include <array>

#include "skiff/runtime/plan.hpp"

namespace skiff::runtime {

namespace {

struct AttrWord {
    std::string_view word;
    uint32_t set;
    uint32_t clear;
};

constexpr uint32_t kAtimeBits = MountOptions::kNoAtime | MountOptions::kStrictAtime;

constexpr std::array kAttrWords = {
    AttrWord{"ro", MountOptions::kReadOnly, 0},
    AttrWord{"rw", 0, MountOptions::kReadOnly},
    AttrWord{"nosuid", MountOptions::kNoSuid, 0},
    AttrWord{"suid", 0, MountOptions::kNoSuid},
    AttrWord{"nodev", MountOptions::kNoDev, 0},
    AttrWord{"dev", 0, MountOptions::kNoDev},
    AttrWord{"noexec", MountOptions::kNoExec, 0},
    AttrWord{"exec", 0, MountOptions::kNoExec},
    AttrWord{"noatime", MountOptions::kNoAtime, kAtimeBits},
    AttrWord{"strictatime", MountOptions::kStrictAtime, kAtimeBits},
    AttrWord{"relatime", 0, kAtimeBits},
    AttrWord{"atime", 0, MountOptions::kNoAtime},
    AttrWord{"nodiratime", MountOptions::kNoDirAtime, 0},
    AttrWord{"diratime", 0, MountOptions::kNoDirAtime},
};

struct PropagationWord {
    std::string_view word;
    MountOptions::Propagation type;
    bool recursive;
};

constexpr std::array kPropagationWords = {
    PropagationWord{"private", MountOptions::Propagation::kPrivate, false},
    PropagationWord{"rprivate", MountOptions::Propagation::kPrivate, true},
    PropagationWord{"slave", MountOptions::Propagation::kSlave, false},
    PropagationWord{"rslave", MountOptions::Propagation::kSlave, true},
    PropagationWord{"shared", MountOptions::Propagation::kShared, false},
    PropagationWord{"rshared", MountOptions::Propagation::kShared, true},
    PropagationWord{"unbindable", MountOptions::Propagation::kUnbindable, false},
    PropagationWord{"runbindable", MountOptions::Propagation::kUnbindable, true},
};

bool apply_word(MountOptions& o, std::string_view w) {
    for (const AttrWord& a : kAttrWords) {
        if (a.word == w) {
            o.attrs = (o.attrs & ~a.clear) | a.set;
            return true;
        }
    }
    for (const PropagationWord& p : kPropagationWords) {
        if (p.word == w) {
            o.propagation = p.type;
            o.recursive_propagation = p.recursive;
            return true;
        }
    }
    if (w == "bind" || w == "rbind") {
        o.bind = true;
        o.recursive = w == "rbind";
        return true;
    }
    if (w == "tmpcopyup") {
        o.copy_up = true;
        return true;
    }
    return w == "defaults";
}

}  // namespace

Result<MountOptions> parse_mount_options(const std::vector<std::string>& words, bool is_bind) {
    MountOptions o;
    o.bind = is_bind;
    for (const std::string& w : words) {
        if (w.empty()) return make_error("empty mount option");
        if (!apply_word(o, w)) o.data.push_back(w);
    }
    if (o.bind && !o.data.empty())
        return make_error("unknown mount option \"" + o.data.front() + "\" for a bind mount");
    return o;
}

std::string clean_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!c.empty() && c != ".") {
            parts.push_back(c);
        }
        i = j + 1;
    }
    std::string out;
    for (std::string_view c : parts) {
        out += '/';
        out += c;
    }
    return out.empty() ? "/" : out;
}

}  // namespace skiff::runtime
