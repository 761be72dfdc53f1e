// The user's mounts: -v/--volume, --tmpfs and --mount, as podman reads them, turned into the
// configuration's mounts, and those into runtime mounts. Pure.
#include <algorithm>
#include <functional>
#include <cctype>
#include <map>
#include <set>

#include "skiff/base/strings.hpp"
#include "skiff/engine/container_config.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/plan.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

// The words of -v's third part, by kind: at most one of each kind, as podman allows.
const std::map<std::string, std::string, std::less<>> kVolumeWords = {
    {"rw", "rw"}, {"ro", "rw"},
    {"z", "relabel"}, {"Z", "relabel"},
    {"private", "propagation"}, {"rprivate", "propagation"}, {"shared", "propagation"},
    {"rshared", "propagation"}, {"slave", "propagation"}, {"rslave", "propagation"},
    {"unbindable", "propagation"}, {"runbindable", "propagation"},
    {"bind", "bind"}, {"rbind", "bind"},
    {"suid", "suid"}, {"nosuid", "suid"},
    {"dev", "dev"}, {"nodev", "dev"},
    {"exec", "exec"}, {"noexec", "exec"},
};

// podman tells a host path from a volume name by its first character.
bool host_path(std::string_view s) { return !s.empty() && (s.front() == '/' || s.front() == '.'); }

Result<std::string> container_path(const std::string& p) {
    if (p.empty() || p.front() != '/') return make_error("invalid container path \"" + p + "\", must be an absolute path");
    std::string clean = runtime::clean_path(p);
    if (clean == "/") return make_error("invalid container path \"" + p + "\": a mount cannot replace the container's root");
    return clean;
}

Result<std::string> source_path(const std::string& p) {
    if (p.empty() || p.front() != '/')
        return make_error("invalid host path \"" + p + "\": must be an absolute path (or start with \".\")");
    return runtime::clean_path(p);
}

// DST alone: no source. Only an absolute DST makes an anonymous volume. As podman, "/a:ro" is
// SRC:DST with a DST that is not absolute (an error), not an anonymous volume with options.
bool anonymous_form(const std::vector<std::string>& parts) { return parts.size() == 1; }

// Words a bind mount gets unless the user chose: recursive, private propagation.
void bind_defaults(std::vector<std::string>& words, bool has_bind, bool has_propagation) {
    if (!has_bind) words.insert(words.begin(), "rbind");
    if (!has_propagation) words.push_back("rprivate");
}

// A bind mount of `source` (a host path or a volume's name) at `destination`, with -v's option
// words (rw/ro, propagation, [r]bind, [no]suid/dev/exec, z/Z).
Result<MountConfig> bind_mount(const std::string& source, const std::string& destination,
                               const std::vector<std::string>& words) {
    MountConfig m;
    if (host_path(source)) {
        m.kind = MountConfig::Kind::kBind;
        m.source = TRY(source_path(source));
    } else if (storage::valid_name(source)) {
        m.kind = MountConfig::Kind::kVolume;
        m.source = source;
    } else {
        return make_error("invalid volume name \"" + source + "\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*, paths start with / or .");
    }
    m.destination = TRY(container_path(destination));
    bool has_bind = false, has_propagation = false, named = !host_path(source);
    std::map<std::string, std::string> seen;
    for (const std::string& w : words) {
        auto kind = kVolumeWords.find(w);
        if (kind == kVolumeWords.end()) return make_error("invalid option type \"" + w + "\"");
        if (!seen.emplace(kind->second, w).second)
            return make_error("cannot pass " + kind->second + " option more than once (\"" + seen[kind->second] + "\" and \"" + w + "\")");
        if (kind->second == "relabel") continue;  // SELinux labels: none on a host without SELinux
        has_bind |= kind->second == "bind";
        has_propagation |= kind->second == "propagation";
        m.options.push_back(w);
    }
    bind_defaults(m.options, has_bind, has_propagation);
    // As podman: a volume (which an image may fill with its files) is nosuid and nodev unless asked.
    if (named && !seen.count("suid")) m.options.push_back("nosuid");
    if (named && !seen.count("dev")) m.options.push_back("nodev");
    return m;
}

// SRC:DST[:OPTS] where SRC is a host path or a volume's name; DST (an anonymous volume) is given a
// name by name_anonymous_volumes before it gets here.
Result<MountConfig> volume(const std::string& spec) {
    auto parts = str::split(spec, ':');
    if (spec.empty() || parts.size() > 3 || parts[0].empty()) return make_error("invalid volume specification \"" + spec + "\"");
    if (anonymous_form(parts)) {
        TRY(container_path(parts[0]));
        return make_error("anonymous volume \"" + spec + "\" has no name yet");
    }
    std::vector<std::string> words;
    if (parts.size() == 3) {
        if (parts[2].empty()) return make_error("invalid volume specification \"" + spec + "\": empty options");
        words = str::split(parts[2], ',');
    }
    return bind_mount(parts[0], parts[1], words);
}

// The words a tmpfs takes, checked now rather than when the container starts.
Result<void> check_tmpfs_word(const std::string& w, const std::string& spec) {
    static const std::set<std::string, std::less<>> kFlags = {
        "rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "atime", "noatime", "relatime",
        "strictatime", "diratime", "nodiratime", "private", "rprivate", "shared", "rshared", "slave", "rslave",
        "unbindable", "runbindable"};
    if (kFlags.count(w)) return {};
    auto eq = w.find('=');
    std::string key = w.substr(0, eq), value = eq == std::string::npos ? "" : w.substr(eq + 1);
    auto all_of = [&](const char* chars) { return !value.empty() && value.find_first_not_of(chars) == std::string::npos; };
    bool ok = (key == "mode" && all_of("01234567")) ||
              ((key == "uid" || key == "gid" || key == "nr_inodes" || key == "nr_blocks") && all_of("0123456789")) ||
              (key == "size" && all_of("0123456789kKmMgG%") && std::isdigit(static_cast<unsigned char>(value.front())));
    if (!ok) return make_error("--tmpfs " + spec + ": invalid tmpfs option \"" + w + "\"");
    return {};
}

// A tmpfs at `destination` with --tmpfs's option words; `spec` names it in errors.
Result<MountConfig> tmpfs_mount(const std::string& destination, const std::vector<std::string>& given,
                                const std::string& spec) {
    MountConfig m;
    m.kind = MountConfig::Kind::kTmpfs;
    m.destination = TRY(container_path(destination));
    std::vector<std::string> words;
    bool copy_up = true, copy_up_chosen = false;  // as podman: the tmpfs starts with what the image has there
    for (const std::string& w : given) {
        if (w.empty()) return make_error("invalid tmpfs options in \"" + spec + "\"");
        if (w == "tmpcopyup" || w == "notmpcopyup") {
            if (copy_up_chosen) return make_error("the 'tmpcopyup' or 'notmpcopyup' option can only be set once");
            copy_up_chosen = true;
            copy_up = w == "tmpcopyup";
            continue;
        }
        TRY(check_tmpfs_word(w, spec));
        words.push_back(w);
    }
    if (copy_up) words.push_back("tmpcopyup");
    // podman's defaults, each unless the user chose its kind.
    auto chose = [&](const char* a, const char* b) {
        return std::find(words.begin(), words.end(), a) != words.end() || std::find(words.begin(), words.end(), b) != words.end();
    };
    if (!chose("rw", "ro")) m.options.push_back("rw");
    if (!chose("exec", "noexec")) m.options.push_back("noexec");
    if (!chose("suid", "nosuid")) m.options.push_back("nosuid");
    if (!chose("dev", "nodev")) m.options.push_back("nodev");
    m.options.insert(m.options.end(), words.begin(), words.end());
    return m;
}

// PATH[:OPTS]
Result<MountConfig> tmpfs(const std::string& spec) {
    auto colon = spec.find(':');
    std::vector<std::string> words;
    if (colon != std::string::npos) words = str::split(spec.substr(colon + 1), ',');
    return tmpfs_mount(spec.substr(0, colon), words, spec);
}

Result<bool> bool_value(const std::string& key, const std::string& v) {
    if (v.empty() || v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    return make_error("--mount: invalid value \"" + v + "\" for " + key + ": want true or false");
}

Result<MountConfig> mount_flag(const std::string& spec) {
    std::string type, source, target, propagation;
    bool readonly = false, recursive = true, has_source = false, rw_given = false;
    std::vector<std::string> tmpfs_words;
    for (const std::string& field : str::split(spec, ',')) {
        auto eq = field.find('=');
        std::string key = field.substr(0, eq), value = eq == std::string::npos ? "" : field.substr(eq + 1);
        if (key == "type") type = value;
        else if (key == "source" || key == "src") source = value, has_source = true;
        else if (key == "target" || key == "destination" || key == "dst") target = value;
        else if (key == "readonly" || key == "ro") readonly = TRY(bool_value(key, value)), rw_given = true;
        else if (key == "rw" || key == "readwrite") readonly = !TRY(bool_value(key, value)), rw_given = true;
        else if (key == "bind-propagation") propagation = value;
        else if (key == "bind-nonrecursive") recursive = !TRY(bool_value(key, value));
        else if (key == "relabel" || key == "consistency") continue;  // no SELinux; consistency is for macOS
        else if (key == "tmpfs-size") tmpfs_words.push_back("size=" + value);
        else if (key == "tmpfs-mode") tmpfs_words.push_back("mode=" + value);
        else if ((key == "tmpcopyup" || key == "notmpcopyup") && eq == std::string::npos) tmpfs_words.push_back(key);
        else return make_error("--mount " + spec + ": unknown option \"" + key + "\"");
    }
    if (target.empty()) return make_error("--mount " + spec + ": a target (target=PATH) is required");
    if (type == "bind" || type == "volume") {
        if (!tmpfs_words.empty())
            return make_error("--mount " + spec + ": tmpfs-size, tmpfs-mode and [no]tmpcopyup are for type=tmpfs only");
        if (type == "bind" && !has_source) return make_error("--mount " + spec + ": a bind mount needs source=PATH");
        if (type == "bind" && !host_path(source)) return make_error("--mount " + spec + ": the source of a bind mount must be a path");
        if (type == "volume" && source.empty()) return make_error("anonymous volume --mount " + spec + " has no name yet");
        if (type == "volume" && host_path(source)) return make_error("--mount " + spec + ": the source of a volume is its name, not a path");
        std::vector<std::string> words = {recursive ? "rbind" : "bind"};
        if (readonly) words.push_back("ro");
        if (!propagation.empty()) words.push_back(propagation);
        return bind_mount(source, target, words);
    }
    if (type == "tmpfs") {
        if (has_source) return make_error("--mount " + spec + ": a tmpfs has no source");
        if (readonly) tmpfs_words.push_back("ro");
        return tmpfs_mount(target, tmpfs_words, spec);
    }
    if (type == "image") {
        // As podman: read-only unless rw=true (then its changes go to the container's own upper
        // directory, never to the image).
        if (source.empty()) return make_error("--mount " + spec + ": an image mount needs source=IMAGE");
        if (!tmpfs_words.empty() || !propagation.empty())
            return make_error("--mount " + spec + ": tmpfs and bind options are not for type=image");
        MountConfig m;
        m.kind = MountConfig::Kind::kImage;
        m.source = source;
        m.destination = TRY(container_path(target));
        m.options = {rw_given && !readonly ? "rw" : "ro"};
        return m;
    }
    return make_error("--mount " + spec + ": unsupported mount type \"" + type + "\": want bind, volume, tmpfs or image");
}

}  // namespace

Result<std::vector<MountConfig>> parse_mounts(const RunOptions& opts) {
    std::vector<MountConfig> out;
    for (auto& v : opts.volumes) out.push_back(TRY(volume(v)));
    for (auto& t : opts.tmpfs) out.push_back(TRY(tmpfs(t)));
    for (auto& m : opts.mounts) out.push_back(TRY(mount_flag(m)));
    // As podman: a mount given twice exactly alike is one mount; two different ones on one
    // destination are an error.
    std::vector<MountConfig> unique;
    std::map<std::string, const MountConfig*> seen;
    for (auto& m : out) {
        auto [it, fresh] = seen.emplace(m.destination, &m);
        if (fresh) unique.push_back(m);
        else if (!(*it->second == m)) return make_error(m.destination + ": duplicate mount destination");
    }
    return unique;
}

std::vector<runtime::Mount> runtime_mounts(const std::vector<MountConfig>& mounts, const std::string& volumes_dir) {
    std::vector<runtime::Mount> out;
    for (const MountConfig& m : mounts) {
        switch (m.kind) {
            case MountConfig::Kind::kBind: out.push_back({m.destination, "bind", m.source, m.options}); break;
            case MountConfig::Kind::kVolume:
                out.push_back({m.destination, "bind", volumes_dir + "/" + m.source + "/_data", m.options});
                break;
            case MountConfig::Kind::kTmpfs: out.push_back({m.destination, "tmpfs", "tmpfs", m.options}); break;
            // Its layers are found when the container starts (mount_container_images).
            case MountConfig::Kind::kImage: out.push_back({m.destination, "image", m.source, m.options}); break;
        }
    }
    return out;
}

std::vector<std::string> name_anonymous_volumes(RunOptions& opts, const std::function<std::string()>& make_name) {
    std::vector<std::string> made;
    for (auto& v : opts.volumes) {
        if (v.empty() || v.front() != '/' || !anonymous_form(str::split(v, ':'))) continue;
        made.push_back(make_name());
        v = made.back() + ":" + v;
    }
    for (auto& m : opts.mounts) {
        auto fields = str::split(m, ',');
        bool is_volume = std::find(fields.begin(), fields.end(), "type=volume") != fields.end();
        bool has_source = std::any_of(fields.begin(), fields.end(), [](const std::string& f) {
            return f.starts_with("source=") || f.starts_with("src=");
        });
        if (!is_volume || has_source) continue;
        made.push_back(make_name());
        m += ",source=" + made.back();
    }
    opts.anonymous_volumes.insert(opts.anonymous_volumes.end(), made.begin(), made.end());
    return made;
}

void absolute_mount_sources(RunOptions& opts, const std::string& cwd) {
    auto absolute = [&](std::string& p) {
        if (!p.empty() && p.front() == '.') p = runtime::clean_path(cwd + "/" + p);
    };
    for (auto& v : opts.volumes) {
        auto colon = v.find(':');
        if (colon == std::string::npos) continue;
        std::string src = v.substr(0, colon);
        absolute(src);
        v = src + v.substr(colon);
    }
    for (auto& m : opts.mounts) {
        auto fields = str::split(m, ',');
        for (auto& f : fields) {
            auto eq = f.find('=');
            std::string key = f.substr(0, eq);
            if (eq == std::string::npos || (key != "source" && key != "src")) continue;
            std::string src = f.substr(eq + 1);
            absolute(src);
            f = key + "=" + src;
        }
        m = str::join(fields, ",");
    }
}

}  // namespace skiff::engine
