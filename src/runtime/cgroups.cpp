// Cgroup: making, limiting, freezing, killing, measuring and removing one container's cgroup.
#include "skiff/runtime/cgroups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cgroup_files.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

constexpr const char* kV2Controllers[] = {"memory", "pids", "cpu", "cpuset", "io"};

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string under(const std::string& mount, const std::string& path) {
    return path == "/" ? mount : fs::join(mount, path);
}

// Polls `done` every few milliseconds for up to two seconds.
template <class F>
bool wait_for(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (auto delay = std::chrono::milliseconds(1);; delay = std::min(delay * 2, std::chrono::milliseconds(50))) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(delay);
    }
}

// --cgroup-parent as directory names beneath `own`: relative to it, or absolute at or beneath it.
Result<std::vector<std::string>> parent_names(const std::string& own, const std::string& parent) {
    std::vector<std::string> names;
    for (std::string& n : str::split(parent, '/')) {
        if (n == "..") return make_error("--cgroup-parent " + parent + ": \"..\" is not allowed");
        if (!n.empty() && n != ".") names.push_back(std::move(n));
    }
    if (parent.empty() || parent[0] != '/') return names;
    std::vector<std::string> own_names;
    for (std::string& n : str::split(own, '/'))
        if (!n.empty()) own_names.push_back(std::move(n));
    if (names.size() < own_names.size() || !std::equal(own_names.begin(), own_names.end(), names.begin()))
        return make_error("--cgroup-parent " + parent + " is not beneath this process's own cgroup " + own +
                          ": skiff makes cgroups only there");
    names.erase(names.begin(), names.begin() + static_cast<long>(own_names.size()));
    return names;
}

// Whether a cgroup may be taken as ours: it has no processes.
Result<bool> is_empty(const std::string& dir) {
    std::string procs = TRY(cgfile::read(dir, "cgroup.procs"));
    return procs.empty();
}

// A new v1 cpuset cgroup has no cpus and no mems, and so cannot hold a process: copy its parent's.
Result<void> init_cpuset(const std::string& dir) {
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (!TRY(cgfile::read(dir, file)).empty()) continue;
        std::string from_parent = TRY(cgfile::read(fs::dirname(dir), file));
        TRY(cgfile::write(dir, file, from_parent));
    }
    return {};
}

// Enables in `dir`'s cgroup.subtree_control the wanted controllers it has and has not enabled.
// Failure is not an error here: apply() names the controller a limit needs when it is missing.
void enable_controllers(const std::string& dir) {
    std::vector<std::string> available = cgfile::words(dir, "cgroup.controllers");
    std::vector<std::string> enabled = cgfile::words(dir, "cgroup.subtree_control");
    std::string add;
    for (const char* c : kV2Controllers)
        if (contains(available, c) && !contains(enabled, c)) add += (add.empty() ? "+" : " +") + std::string(c);
    if (add.empty()) return;
    auto r = cgfile::write(dir, "cgroup.subtree_control", add);
    if (!r.ok()) log::debug("cgroup: {}", r.error().message);
}

struct Made {
    std::string leaf;
    std::vector<std::string> parents;  // made here, top down
};

// Makes own/names.../leaf beneath `base` (the process's own cgroup directory); `each` runs on each
// directory on the way down (the parent already in place), before its child is made. What was
// made is recorded in `made` as it happens, so a failure part way can be undone.
template <class F>
Result<void> make_tree(const std::string& base, const std::vector<std::string>& names,
                       const std::string& leaf, Made& made, F each) {
    std::string dir = base;
    TRY(each(dir, false));
    for (const std::string& n : names) {
        dir = fs::join(dir, n);
        if (::mkdir(dir.c_str(), 0755) == 0) {
            made.parents.push_back(dir);
            TRY(each(dir, true));
        } else if (errno != EEXIST) {
            return sys_error("create cgroup " + dir);
        } else {
            TRY(each(dir, false));
        }
    }
    dir = fs::join(dir, leaf);
    if (::mkdir(dir.c_str(), 0755) < 0) {
        if (errno != EEXIST) return sys_error("create cgroup " + dir);
        if (!TRY_CTX(is_empty(dir), "cgroup " + dir))
            return Error{EEXIST, "cgroup " + dir + " already exists and has processes"};
    }
    made.leaf = dir;
    return {};
}

Result<void> remove_dir(const std::string& dir) {
    if (dir.empty()) return {};
    int err = 0;
    wait_for([&] {
        err = ::rmdir(dir.c_str()) == 0 ? 0 : errno;
        return err != EBUSY;
    });
    if (err == 0 || err == ENOENT) return {};
    return sys_error("remove cgroup " + dir, err);
}

}  // namespace

Result<Cgroup> Cgroup::create(const CgroupHost& host, const std::string& name, const std::string& parent) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        return make_error("invalid cgroup name \"" + name + "\"");
    if (host.unified.empty() && host.v1.empty()) return make_error("this host has no cgroup file system");

    Cgroup cg;
    auto record = [&](Made& made, std::string& leaf_out) {
        for (auto it = made.parents.rbegin(); it != made.parents.rend(); ++it)
            cg.paths_.created_parents.push_back(*it);
        leaf_out = made.leaf;
    };
    auto build = [&]() -> Result<void> {
        for (const CgroupHost::V1& h : host.v1) {
            auto names = TRY(parent_names(h.own, parent));
            bool cpuset = contains(h.controllers, "cpuset");
            Made made;
            auto made_ok = make_tree(under(h.mount, h.own), names, name, made, [&](const std::string& dir, bool is_new) {
                return cpuset && is_new ? init_cpuset(dir) : Result<void>();
            });
            cg.paths_.v1.emplace_back(h.hierarchy, std::string());
            record(made, cg.paths_.v1.back().second);
            TRY(std::move(made_ok));
            if (cpuset) TRY(init_cpuset(made.leaf));
        }
        if (!host.unified.empty()) {
            auto names = TRY(parent_names(host.unified_own, parent));
            Made made;
            auto made_ok = make_tree(under(host.unified, host.unified_own), names, name, made,
                                     [](const std::string& dir, bool) {
                                         enable_controllers(dir);
                                         return Result<void>();
                                     });
            record(made, cg.paths_.unified);
            TRY(std::move(made_ok));
            cg.unified_fd_ = TRY_CTX(sys::open(cg.paths_.unified, O_PATH | O_DIRECTORY), "open cgroup");
        }
        return {};
    };
    auto built = build();
    if (!built.ok()) {
        (void)cg.remove();
        return built.take_error();
    }
    return cg;
}

Result<Cgroup> Cgroup::open(const CgroupPaths& paths) {
    Cgroup cg;
    cg.paths_ = paths;
    if (!paths.unified.empty())
        cg.unified_fd_ = TRY_CTX(sys::open(paths.unified, O_PATH | O_DIRECTORY), "open cgroup");
    return cg;
}

Result<void> Cgroup::add(pid_t pid) {
    std::string p = std::to_string(pid);
    for (const auto& [hierarchy, dir] : paths_.v1) TRY(cgfile::write(dir, "cgroup.procs", p));
    if (!paths_.unified.empty()) TRY(cgfile::write(paths_.unified, "cgroup.procs", p));
    return {};
}

Result<CgroupSelfJoin> Cgroup::self_join() const {
    std::vector<std::string> dirs;
    for (const auto& [hierarchy, dir] : paths_.v1) dirs.push_back(dir);
    return CgroupSelfJoin::open(dirs);
}

Result<CgroupSelfJoin> CgroupSelfJoin::open(const std::vector<std::string>& dirs, bool skip_missing) {
    CgroupSelfJoin j;
    for (const std::string& dir : dirs) {
        std::string path = fs::join(dir, "tasks");
        auto fd = sys::open(path, O_WRONLY);
        if (!fd.ok() && skip_missing && fd.error().code == ENOENT) continue;
        if (!fd.ok()) return fd.take_error();
        j.tasks_.emplace_back(std::move(path), std::move(*fd));
    }
    return j;
}

Result<void> CgroupSelfJoin::join() const {
    for (const auto& [path, fd] : tasks_) TRY_CTX(sys::write_all(fd.get(), "0"), "join " + path);
    return {};
}

Result<std::vector<pid_t>> Cgroup::pids() const {
    std::vector<std::string> dirs;
    if (!paths_.unified.empty()) dirs.push_back(paths_.unified);
    for (const auto& [hierarchy, dir] : paths_.v1) dirs.push_back(dir);
    std::vector<pid_t> out;
    for (const std::string& dir : dirs) {
        std::string text = TRY(cgfile::read(dir, "cgroup.procs"));
        for (const std::string& line : str::split(text, '\n'))
            if (auto v = cgfile::to_u64(line)) out.push_back(static_cast<pid_t>(*v));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Result<void> Cgroup::freeze(bool frozen) {
    if (std::string dir = cgfile::v1_dir(paths_, "freezer"); !dir.empty()) {
        const char* state = frozen ? "FROZEN" : "THAWED";
        TRY(cgfile::write(dir, "freezer.state", state));
        // A freezer stuck in FREEZING finishes when asked again.
        if (frozen && !wait_for([&] {
                auto s = cgfile::read(dir, "freezer.state");
                if (s.ok() && *s == state) return true;
                (void)cgfile::write(dir, "freezer.state", state);
                return false;
            }))
            return make_error("freeze cgroup " + dir + ": still FREEZING after 2 s");
        return {};
    }
    if (paths_.unified.empty()) return make_error("freezing needs cgroup2 or the cgroup v1 freezer controller");
    TRY(cgfile::write(paths_.unified, "cgroup.freeze", frozen ? "1" : "0"));
    if (frozen && !wait_for([&] {
            auto events = cgfile::read(paths_.unified, "cgroup.events");
            return events.ok() && cgfile::keyed(*events, "frozen") == 1u;
        }))
        return make_error("freeze cgroup " + paths_.unified + ": not frozen after 2 s");
    return {};
}

Result<void> Cgroup::kill_all(int sig) {
    if (sig == SIGKILL && !paths_.unified.empty() && cgfile::exists(paths_.unified, "cgroup.kill"))
        return cgfile::write(paths_.unified, "cgroup.kill", "1");
    // Frozen, nothing forks between listing the processes and killing them; SIGKILL reaches a
    // frozen process once it is thawed.
    bool frozen = sig == SIGKILL && freeze(true).ok();
    auto listed = pids();
    Result<void> result;
    if (!listed.ok()) result = listed.take_error();
    for (pid_t pid : listed.ok() ? *listed : std::vector<pid_t>{})
        if (::kill(pid, sig) < 0 && errno != ESRCH && result.ok())
            result = sys_error("kill " + std::to_string(pid) + " with signal " + std::to_string(sig));
    if (frozen) TRY(freeze(false));
    return result;
}

Result<CgroupStats> Cgroup::stats() const {
    CgroupStats s;
    auto num = [](const std::string& dir, std::string_view file) -> std::optional<uint64_t> {
        auto text = cgfile::read(dir, file);
        return text.ok() ? cgfile::to_u64(*text) : std::nullopt;
    };
    const std::string& v2 = paths_.unified;
    if (std::string dir = cgfile::v1_dir(paths_, "memory"); !dir.empty()) {
        s.memory_usage = num(dir, "memory.usage_in_bytes");
        s.memory_limit = num(dir, "memory.limit_in_bytes");
        if (s.memory_limit && *s.memory_limit >= (uint64_t{1} << 62)) s.memory_limit.reset();  // unlimited
    } else if (!v2.empty()) {
        s.memory_usage = num(v2, "memory.current");
        s.memory_limit = num(v2, "memory.max");  // "max" is no number: unlimited
    }
    if (std::string dir = cgfile::v1_dir(paths_, "cpuacct"); !dir.empty()) {
        s.cpu_usage_ns = num(dir, "cpuacct.usage");
    } else if (!v2.empty()) {
        auto text = cgfile::read(v2, "cpu.stat");
        if (text.ok())
            if (auto usec = cgfile::keyed(*text, "usage_usec")) s.cpu_usage_ns = *usec * 1000;
    }
    if (std::string dir = cgfile::v1_dir(paths_, "pids"); !dir.empty())
        s.pids_current = num(dir, "pids.current");
    else if (!v2.empty())
        s.pids_current = num(v2, "pids.current");
    return s;
}

Result<bool> Cgroup::oom_killed() const {
    std::string dir = cgfile::v1_dir(paths_, "memory");
    const char* file = "memory.oom_control";
    if (dir.empty()) {
        dir = paths_.unified;
        file = "memory.events";
    }
    if (dir.empty() || !cgfile::exists(dir, file)) return false;
    std::string text = TRY(cgfile::read(dir, file));
    return cgfile::keyed(text, "oom_kill").value_or(0) > 0;
}

Result<void> Cgroup::remove() {
    unified_fd_.reset();
    Result<void> result;
    auto keep_first = [&](Result<void> r) {
        if (!r.ok() && result.ok()) result = r.take_error();
    };
    keep_first(remove_dir(paths_.unified));
    for (const auto& [hierarchy, dir] : paths_.v1) keep_first(remove_dir(dir));
    // A parent another container still uses stays.
    for (const std::string& dir : paths_.created_parents)
        if (::rmdir(dir.c_str()) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
            keep_first(sys_error("remove cgroup " + dir));
    return result;
}

}  // namespace skiff::runtime
