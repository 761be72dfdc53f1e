#include "skiff/runtime/rootless.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "skiff/base/fd.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/lock.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

constexpr const char* kPidFile = "pause.pid";

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

// A /proc file written in one write(2), as the kernel wants id maps.
Result<void> write_proc(const std::string& path, std::string_view text) {
    unique_fd fd = TRY(sys::open(path, O_WRONLY));
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return sys_error("write " + path);
    return {};
}

// Field 22 of /proc/PID/stat, the process's start time; 0 when it is gone.
unsigned long long start_time(pid_t pid) {
    auto stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat.ok()) return 0;
    auto close = stat->rfind(')');
    if (close == std::string::npos) return 0;
    auto fields = str::split(stat->substr(close + 2), ' ');
    if (fields.size() < 20 || fields[0] == "Z") return 0;
    return std::strtoull(fields[19].c_str(), nullptr, 10);
}

std::string user_name(uid_t uid) {
    struct passwd pw, *found = nullptr;
    char buf[4096];
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
    return std::to_string(uid);
}

// Runs `tool pid 0 own 1 1 start count …` (newuidmap, newgidmap), its stderr the error's text.
Result<void> run_map_tool(const char* tool, pid_t pid, const std::vector<IdRange>& ranges) {
    std::vector<std::string> args{tool, std::to_string(pid)};
    for (const IdRange& r : ranges) {
        args.push_back(std::to_string(r.container));
        args.push_back(std::to_string(r.host));
        args.push_back(std::to_string(r.size));
    }
    auto ran = TRY_CTX(sys::run_captured(args, STDERR_FILENO, -1, 4096), "Debian's uidmap package");
    if (WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0) return {};
    std::string said = ran.output.substr(0, ran.output.find('\n'));
    return make_error(std::string(tool) + " failed" + (said.empty() ? "" : ": " + said));
}

// The pause process's maps: through the setuid tools with subordinate ids, else the user alone
// (which an unprivileged process may write itself, once setgroups is denied).
Result<void> write_maps(pid_t pid, uid_t uid, gid_t gid) {
    const std::string name = user_name(uid);
    auto subuid_text = fs::read_file("/etc/subuid");
    auto subgid_text = fs::read_file("/etc/subgid");
    auto subuids = parse_subordinate_ids(subuid_text.ok() ? *subuid_text : "", name, uid);
    auto subgids = parse_subordinate_ids(subgid_text.ok() ? *subgid_text : "", name, uid);
    if (!subuids.empty() && !subgids.empty()) {
        TRY(run_map_tool("newuidmap", pid, rootless_ranges(uid, subuids)));
        TRY(run_map_tool("newgidmap", pid, rootless_ranges(gid, subgids)));
        return {};
    }
    log::warn("no subordinate ids for {} in /etc/subuid and /etc/subgid: the user namespace maps {} alone, so "
              "images whose files belong to other users cannot be unpacked and containers run as root only",
              name, name);
    const std::string proc = "/proc/" + std::to_string(pid);
    TRY(write_proc(proc + "/uid_map", IdMap::proc_format({{0, uid, 1}})));
    TRY(write_proc(proc + "/setgroups", "deny"));
    TRY(write_proc(proc + "/gid_map", IdMap::proc_format({{0, gid, 1}})));
    return {};
}

// Forks the pause process: it makes its namespaces and waits for its maps, then executes
// `skiff __pause`. Returns its pid once the maps are written and the pid file names it.
Result<pid_t> make_pause_process(const std::string& dir) {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    int up[2], down[2];
    if (::pipe2(up, O_CLOEXEC) < 0) return sys_error("pipe");
    unique_fd up_rd(up[0]), up_wr(up[1]);
    if (::pipe2(down, O_CLOEXEC) < 0) return sys_error("pipe");
    unique_fd down_rd(down[0]), down_wr(down[1]);
    unique_fd exe = TRY(sys::open("/proc/self/exe", O_PATH));
    unique_fd null = TRY(sys::open("/dev/null", O_RDWR));
    std::string arg0 = "skiff", arg1(kPauseCommand);
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    char* envp[] = {nullptr};
    pid_t pid = ::fork();
    if (pid < 0) return sys_error("fork the rootless pause process");
    if (pid == 0) {
        ::setsid();
        int err = ::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ? errno : 0;
        (void)!::write(up_wr.get(), &err, sizeof err);
        char go = 0;
        if (err != 0 || ::read(down_rd.get(), &go, 1) != 1 || go != 'g') ::_exit(1);
        for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null.get(), fd);
        // It outlives the command: it must hold none of its caller's descriptors (a pipe a script
        // waits on to close, say).
        ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        if (::chdir("/") < 0) ::_exit(1);
        ::syscall(SYS_execveat, exe.get(), "", argv, envp, AT_EMPTY_PATH);
        ::_exit(127);
    }
    up_wr.reset();
    down_rd.reset();
    auto abandon = [&](Error e) -> Result<pid_t> {
        ::kill(pid, SIGKILL);  // our child, not yet reaped
        int st = 0;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return e;
    };
    int err = 0;
    ssize_t n;
    while ((n = ::read(up_rd.get(), &err, sizeof err)) < 0 && errno == EINTR) {
    }
    if (n != sizeof err) return abandon(make_error("the rootless pause process died before it made its namespaces"));
    if (err != 0) return abandon(sys_error("unshare a user namespace (is kernel.unprivileged_userns_clone 0?)", err));
    if (auto maps = write_maps(pid, uid, gid); !maps.ok()) return abandon(Error(maps.error()).context("map the user namespace"));
    std::string record = std::to_string(pid) + " " + std::to_string(start_time(pid)) + "\n";
    if (auto w = fs::write_file_atomic(fs::join(dir, kPidFile), record); !w.ok()) return abandon(w.error());
    if (::write(down_wr.get(), "g", 1) != 1) return abandon(sys_error("release the rootless pause process"));
    return pid;
}

Result<void> join(pid_t pid) {
    const std::string proc = "/proc/" + std::to_string(pid) + "/ns/";
    unique_fd user = TRY(sys::open(proc + "user", O_RDONLY));
    unique_fd mnt = TRY(sys::open(proc + "mnt", O_RDONLY));
    // Joining the mount namespace moves the working directory to its root: the same path again.
    char cwd[4096];
    bool have_cwd = ::getcwd(cwd, sizeof cwd) != nullptr;
    if (::setns(user.get(), CLONE_NEWUSER) < 0) return sys_error("join the rootless user namespace");
    if (::setns(mnt.get(), CLONE_NEWNS) < 0) return sys_error("join the rootless mount namespace");
    if (have_cwd && ::chdir(cwd) < 0) return sys_error(std::string("chdir ") + cwd);
    // The user's own supplementary groups are not mapped; with subordinate ids they can be dropped.
    (void)::setgroups(0, nullptr);
    if (::setresgid(0, 0, 0) < 0) return sys_error("setresgid 0 in the rootless user namespace");
    if (::setresuid(0, 0, 0) < 0) return sys_error("setresuid 0 in the rootless user namespace");
    return {};
}

}  // namespace

std::vector<IdRange> parse_subordinate_ids(std::string_view text, const std::string& user, uid_t uid) {
    std::vector<IdRange> out;
    const std::string number = std::to_string(uid);
    for (const std::string& raw : str::split(std::string(text), '\n')) {
        std::string line(str::trim(raw));
        if (line.empty() || line[0] == '#') continue;
        auto f = str::split(line, ':');
        if (f.size() != 3 || (f[0] != user && f[0] != number)) continue;
        char* end = nullptr;
        unsigned long long start = std::strtoull(f[1].c_str(), &end, 10);
        if (f[1].empty() || *end) continue;
        unsigned long long count = std::strtoull(f[2].c_str(), &end, 10);
        if (f[2].empty() || *end || count == 0 || start + count > 4294967295ull) continue;
        out.push_back({0, static_cast<unsigned>(start), static_cast<unsigned>(count)});
    }
    return out;
}

std::vector<IdRange> rootless_ranges(unsigned own, const std::vector<IdRange>& subordinate) {
    std::vector<IdRange> out{{0, own, 1}};
    unsigned next = 1;
    for (const IdRange& r : subordinate) {
        out.push_back({next, r.host, r.size});
        next += r.size;
    }
    return out;
}

pid_t rootless_pause_pid(const std::string& state_dir) {
    auto record = fs::read_file(fs::join(state_dir, kPidFile));
    if (!record.ok()) return 0;
    auto w = words(*record);
    if (w.size() != 2) return 0;
    pid_t pid = static_cast<pid_t>(std::strtol(w[0].c_str(), nullptr, 10));
    if (pid <= 0 || start_time(pid) != std::strtoull(w[1].c_str(), nullptr, 10)) return 0;
    return pid;
}

Result<void> join_rootless_namespace(const std::string& state_dir) {
    TRY(fs::mkdir_p(state_dir, 0700));
    pid_t pid = rootless_pause_pid(state_dir);
    if (pid == 0) {
        auto lock = TRY(FileLock::acquire(fs::join(state_dir, "pause.lock")));
        pid = rootless_pause_pid(state_dir);
        if (pid == 0) pid = TRY(make_pause_process(state_dir));
    }
    return join(pid);
}

int pause_process_main() {
    for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGTSTP, SIGTTIN, SIGTTOU}) ::signal(sig, SIG_IGN);
    for (;;) ::pause();
}

}  // namespace skiff::runtime
