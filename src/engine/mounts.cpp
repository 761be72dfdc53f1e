// The user's mounts: -v/--volume, --tmpfs and --mount, as podman reads them, turned into runtime
// mounts. Pure, but for absolute_mount_sources's working directory, which the caller passes.
#include <map>

#include "skiff/base/strings.hpp"
#include "skiff/engine/run.hpp"
#include "skiff/runtime/plan.hpp"

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
    return runtime::clean_path(p);
}

Result<std::string> source_path(const std::string& p) {
    if (p.empty() || p.front() != '/')
        return make_error("invalid host path \"" + p + "\": must be an absolute path (or start with \".\")");
    return runtime::clean_path(p);
}

std::string named_volume_error(const std::string& name) {
    std::string what = name.empty() || name.front() == '/' ? "anonymous volumes" : "named volumes (\"" + name + "\")";
    return what + " are not supported by skiff yet: give a host path (/PATH or ./PATH) to bind-mount";
}

// Words a bind mount gets unless the user chose: recursive, private propagation.
void bind_defaults(std::vector<std::string>& words, bool has_bind, bool has_propagation) {
    if (!has_bind) words.insert(words.begin(), "rbind");
    if (!has_propagation) words.push_back("rprivate");
}

Result<runtime::Mount> volume(const std::string& spec) {
    auto parts = str::split(spec, ':');
    if (spec.empty() || parts.size() > 3 || parts[0].empty()) return make_error("invalid volume specification \"" + spec + "\"");
    // SRC:DST[:OPTS], or DST[:OPTS] for an anonymous volume.
    if (parts.size() == 1 || (parts.size() == 2 && !parts[1].empty() && parts[1].front() != '/'))
        return make_error(named_volume_error(parts[0]));
    if (!host_path(parts[0])) return make_error(named_volume_error(parts[0]));
    runtime::Mount m;
    m.type = "bind";
    m.source = TRY(source_path(parts[0]));
    m.destination = TRY(container_path(parts[1]));
    bool has_bind = false, has_propagation = false;
    std::map<std::string, std::string> seen;
    if (parts.size() == 3) {
        if (parts[2].empty()) return make_error("invalid volume specification \"" + spec + "\": empty options");
        for (const std::string& w : str::split(parts[2], ',')) {
            auto kind = kVolumeWords.find(w);
            if (kind == kVolumeWords.end()) return make_error("invalid option type \"" + w + "\"");
            if (!seen.emplace(kind->second, w).second)
                return make_error("cannot pass " + kind->second + " option more than once (\"" + seen[kind->second] + "\" and \"" + w + "\")");
            if (kind->second == "relabel") continue;  // SELinux labels: none on a host without SELinux
            has_bind |= kind->second == "bind";
            has_propagation |= kind->second == "propagation";
            m.options.push_back(w);
        }
    }
    bind_defaults(m.options, has_bind, has_propagation);
    return m;
}

Result<runtime::Mount> tmpfs(const std::string& spec) {
    auto colon = spec.find(':');
    runtime::Mount m;
    m.type = "tmpfs";
    m.source = "tmpfs";
    m.destination = TRY(container_path(spec.substr(0, colon)));
    std::vector<std::string> words;
    if (colon != std::string::npos) {
        for (const std::string& w : str::split(spec.substr(colon + 1), ',')) {
            if (w.empty()) return make_error("invalid tmpfs options in \"" + spec + "\"");
            if (w == "tmpcopyup")
                return make_error("--tmpfs " + spec + ": tmpcopyup is not supported by skiff: the tmpfs starts empty");
            if (w != "notmpcopyup") words.push_back(w);
        }
    }
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

Result<bool> bool_value(const std::string& key, const std::string& v) {
    if (v.empty() || v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    return make_error("--mount: invalid value \"" + v + "\" for " + key + ": want true or false");
}

Result<runtime::Mount> mount_flag(const std::string& spec) {
    std::string type, source, target, propagation;
    bool readonly = false, recursive = true, has_source = false;
    std::vector<std::string> tmpfs_words;
    for (const std::string& field : str::split(spec, ',')) {
        auto eq = field.find('=');
        std::string key = field.substr(0, eq), value = eq == std::string::npos ? "" : field.substr(eq + 1);
        if (key == "type") type = value;
        else if (key == "source" || key == "src") source = value, has_source = true;
        else if (key == "target" || key == "destination" || key == "dst") target = value;
        else if (key == "readonly" || key == "ro") readonly = TRY(bool_value(key, value));
        else if (key == "rw") readonly = !TRY(bool_value(key, value));
        else if (key == "bind-propagation") propagation = value;
        else if (key == "bind-nonrecursive") recursive = !TRY(bool_value(key, value));
        else if (key == "relabel" || key == "consistency") continue;  // no SELinux; consistency is for macOS
        else if (key == "tmpfs-size") tmpfs_words.push_back("size=" + value);
        else if (key == "tmpfs-mode") tmpfs_words.push_back("mode=" + value);
        else return make_error("--mount " + spec + ": unknown option \"" + key + "\"");
    }
    if (target.empty()) return make_error("--mount " + spec + ": a target (target=PATH) is required");
    if (type == "bind") {
        if (!has_source) return make_error("--mount " + spec + ": a bind mount needs source=PATH");
        if (!host_path(source)) return make_error("--mount " + spec + ": the source of a bind mount must be a path");
        std::string words = recursive ? "rbind" : "bind";
        if (readonly) words += ",ro";
        if (!propagation.empty()) words += "," + propagation;
        return volume(source + ":" + target + ":" + words);
    }
    if (type == "tmpfs") {
        if (has_source) return make_error("--mount " + spec + ": a tmpfs has no source");
        if (readonly) tmpfs_words.push_back("ro");
        return tmpfs(target + (tmpfs_words.empty() ? "" : ":" + str::join(tmpfs_words, ",")));
    }
    if (type == "volume") return make_error(named_volume_error(source));
    return make_error("--mount " + spec + ": unsupported mount type \"" + type + "\": want bind or tmpfs");
}

}  // namespace

Result<std::vector<runtime::Mount>> user_mounts(const RunOptions& opts) {
    std::vector<runtime::Mount> out;
    for (auto& v : opts.volumes) out.push_back(TRY(volume(v)));
    for (auto& t : opts.tmpfs) out.push_back(TRY(tmpfs(t)));
    for (auto& m : opts.mounts) out.push_back(TRY(mount_flag(m)));
    std::map<std::string, bool> seen;
    for (auto& m : out)
        if (!seen.emplace(m.destination, true).second) return make_error(m.destination + ": duplicate mount destination");
    return out;
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
