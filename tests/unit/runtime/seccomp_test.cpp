#include <catch2/catch.hpp>

#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "../../../src/runtime/seccomp_profile.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/oci/digest.hpp"
#include "skiff/runtime/seccomp.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

const std::vector<std::string> kPodmanCaps = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",      "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP", "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"};

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/skiff-seccomp-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { (void)fs::remove_all(path); }
};

Spec default_spec_with(std::vector<std::string> caps, std::string cache_dir = {}) {
    Spec s;
    s.capabilities = std::move(caps);
    s.seccomp = SeccompMode::kDefault;
    s.cache_dir = std::move(cache_dir);
    return s;
}

bool same(const seccomp::Program& a, const seccomp::Program& b) {
    return a.flags == b.flags && a.instructions.size() == b.instructions.size() &&
           std::memcmp(a.instructions.data(), b.instructions.data(), a.instructions.size() * sizeof(sock_filter)) == 0;
}

std::vector<std::string> cache_files(const std::string& dir) {
    auto names = fs::list_dir(dir);
    REQUIRE(names.ok());
    std::vector<std::string> out;
    for (const std::string& n : *names)
        if (n.rfind("seccomp-", 0) == 0) out.push_back(n);
    return out;
}

std::string status_line(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(std::string(field) + ":", 0) == 0) return line;
    return "";
}

// Runs `body` in a forked child; returns its exit code (0 = every check held, else the first
// failed check's number).
template <class F>
int in_child(F body) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// errno of a failed call, 0 when it succeeded.
int err_of(long rc) {
    return rc < 0 ? errno : 0;
}

Result<seccomp::Program> prepare_profile(const std::string& dir, const std::string& json,
                                         const std::string& name = "profile.json") {
    std::string path = dir + "/" + name;
    REQUIRE(fs::write_file_atomic(path, json, fs::Durability::kNoSync).ok());
    Spec s = default_spec_with(kPodmanCaps);
    s.seccomp = SeccompMode::kProfile;
    s.seccomp_profile = path;
    return seccomp::prepare(s);
}

std::string profile_error(const std::string& json) {
    TempDir dir;
    auto r = prepare_profile(dir.path, json);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().exit_code == kExitFailure);
    std::string prefix = "loading seccomp profile (" + dir.path + "/profile.json) failed: ";
    REQUIRE(r.error().message.rfind(prefix, 0) == 0);
    return r.error().message.substr(prefix.size());
}

}  // namespace

TEST_CASE("unconfined and privileged containers get no filter") {
    Spec s = default_spec_with(kPodmanCaps);
    s.seccomp = SeccompMode::kUnconfined;
    auto u = seccomp::prepare(s);
    REQUIRE(u.ok());
    CHECK(u->empty());
    s.seccomp = SeccompMode::kDefault;
    s.privileged = true;
    auto p = seccomp::prepare(s);
    REQUIRE(p.ok());
    CHECK(p->empty());
    CHECK(seccomp::load(*p).ok());  // a no-op
}

TEST_CASE("the default profile compiles") {
    auto p = seccomp::prepare(default_spec_with(kPodmanCaps));
    REQUIRE(p.ok());
    CHECK_FALSE(p->empty());
    CHECK(p->instructions.size() <= BPF_MAXINSNS);
    CHECK(p->flags == 0);
    // The capabilities change the program.
    auto admin = seccomp::prepare(default_spec_with({"CAP_SYS_ADMIN"}));
    REQUIRE(admin.ok());
    CHECK_FALSE(same(*p, *admin));
}

TEST_CASE("the default table is pinned: a change must bump kDefaultProfileRevision") {
    // Changed the table in seccomp_default.cpp? Bump kDefaultProfileRevision (the cached programs
    // of the old table must not be reused) and put the new digest and revision here.
    std::string text = seccomp::describe(seccomp::default_profile());
    CHECK(oci::sha256_of(text).hex == "775aa745fda2e7f2ee764555a9815a609840dd741cce10d0d4dfff3c34e28b40");
    CHECK(std::string(seccomp::kDefaultProfileRevision) == "containers-common-2025-08.1");
    CHECK(seccomp::default_profile_caps() ==
          std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_BPF", "CAP_DAC_READ_SEARCH", "CAP_PERFMON",
                                   "CAP_SYS_ADMIN", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_SYS_PACCT",
                                   "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG"});
}

TEST_CASE("the compiled program is cached and a hit returns the same bytes") {
    TempDir dir;
    auto first = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path));
    REQUIRE(first.ok());
    auto files = cache_files(dir.path);
    REQUIRE(files.size() == 1);
    auto second = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path));
    REQUIRE(second.ok());
    CHECK(same(*first, *second));
    auto uncached = seccomp::prepare(default_spec_with(kPodmanCaps));
    REQUIRE(uncached.ok());
    CHECK(same(*first, *uncached));

    // A capability the profile does not look at shares the file; one it does look at does not.
    std::vector<std::string> with_raw = kPodmanCaps;
    with_raw.push_back("CAP_NET_RAW");
    REQUIRE(seccomp::prepare(default_spec_with(with_raw, dir.path)).ok());
    CHECK(cache_files(dir.path).size() == 1);
    std::vector<std::string> with_admin = kPodmanCaps;
    with_admin.push_back("CAP_SYS_ADMIN");
    REQUIRE(seccomp::prepare(default_spec_with(with_admin, dir.path)).ok());
    CHECK(cache_files(dir.path).size() == 2);
}

TEST_CASE("a hit really reads the file, and a bad file is ignored and rewritten") {
    TempDir dir;
    auto real = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path));
    REQUIRE(real.ok());
    std::string path = dir.path + "/" + cache_files(dir.path).at(0);
    auto bytes = fs::read_file(path);
    REQUIRE(bytes.ok());
    std::string key = bytes->substr(8, 64);

    // A valid file for the same key with other contents is what prepare() returns.
    seccomp::Program tiny;
    tiny.instructions = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    REQUIRE(fs::write_file_atomic(path, seccomp::encode_cache(tiny, key), fs::Durability::kNoSync).ok());
    auto hit = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path));
    REQUIRE(hit.ok());
    CHECK(same(*hit, tiny));

    // Short, flipped, empty, another key's: each is ignored and the file rewritten.
    std::string flipped = *bytes;
    flipped[100] ^= 0x10;
    std::string other_key = seccomp::encode_cache(*real, std::string(64, 'a'));
    for (const std::string& bad : {bytes->substr(0, bytes->size() - 3), flipped, std::string(), other_key,
                                   *bytes + "x"}) {
        REQUIRE(fs::write_file_atomic(path, bad, fs::Durability::kNoSync).ok());
        auto again = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path));
        REQUIRE(again.ok());
        CHECK(same(*again, *real));
        auto rewritten = fs::read_file(path);
        REQUIRE(rewritten.ok());
        CHECK(*rewritten == *bytes);
    }
}

TEST_CASE("an unwritable cache directory only costs the compile") {
    Spec s = default_spec_with(kPodmanCaps, "/proc/skiff-no-such-dir");
    auto p = seccomp::prepare(s);
    REQUIRE(p.ok());
    CHECK_FALSE(p->empty());
}

TEST_CASE("decode_cache round trip") {
    seccomp::Program p;
    p.flags = 2;
    p.instructions = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    std::string key(64, 'b');
    auto back = seccomp::decode_cache(seccomp::encode_cache(p, key), key);
    REQUIRE(back);
    CHECK(same(*back, p));
    CHECK_FALSE(seccomp::decode_cache(seccomp::encode_cache(p, key), std::string(64, 'c')));
    seccomp::Program empty;
    CHECK_FALSE(seccomp::decode_cache(seccomp::encode_cache(empty, key), key));
}

TEST_CASE("a JSON profile parses with every field") {
    const char* json = R"({
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "ignored"},
        {"name": "dup", "action": "SCMP_ACT_ERRNO", "errno": "E2BIG",
         "args": [{"index": 0, "value": 100, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["mmap"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 2, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}],
         "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"},
         "excludes": {"caps": ["CAP_BPF"]}},
        {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
        {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 3}
      ]
    })";
    auto p = seccomp::parse_profile(json);
    REQUIRE(p.ok());
    CHECK(p->default_action == seccomp::Action{seccomp::ActionKind::kErrno, 38});
    REQUIRE(p->arch_map.size() == 1);
    CHECK(p->arch_map[0].sub_arches == std::vector<std::string>{"SCMP_ARCH_X86"});
    CHECK(p->flags == 2);
    REQUIRE(p->syscalls.size() == 5);
    CHECK(p->syscalls[0].names == std::vector<std::string>{"read", "write"});
    CHECK(p->syscalls[1].names == std::vector<std::string>{"dup"});
    CHECK(p->syscalls[1].action == seccomp::Action{seccomp::ActionKind::kErrno, E2BIG});
    REQUIRE(p->syscalls[2].args.size() == 1);
    CHECK(p->syscalls[2].args[0].op == seccomp::ArgOp::kMaskedEqual);
    CHECK(p->syscalls[2].args[0].index == 2);
    CHECK(p->syscalls[2].includes.caps == std::vector<std::string>{"CAP_SYS_ADMIN"});
    CHECK(p->syscalls[2].includes.min_kernel == "4.8");
    CHECK(p->syscalls[2].excludes.caps == std::vector<std::string>{"CAP_BPF"});
    CHECK(p->syscalls[3].action.kind == seccomp::ActionKind::kKillProcess);
    CHECK(p->syscalls[4].action == seccomp::Action{seccomp::ActionKind::kTrace, 3});
    auto compiled = seccomp::compile(*p, kPodmanCaps);
    REQUIRE(compiled.ok());
    CHECK(compiled->flags == 2);
}

TEST_CASE("an empty profile means no filter, as podman") {
    TempDir dir;
    auto r = prepare_profile(dir.path, "{}");
    REQUIRE(r.ok());
    CHECK(r->empty());
}

TEST_CASE("bad profiles give clear errors") {
    CHECK(profile_error("{\"defaultAction\": ").rfind("invalid JSON at offset", 0) == 0);
    CHECK(profile_error("[]") == "the profile must be a JSON object");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_FOO"})") == "defaultAction: unknown action \"SCMP_ACT_FOO\"");
    CHECK(profile_error(R"({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})") ==
          "defaultAction: missing");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]})") ==
          "syscalls[0].action: missing");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]})") ==
          "syscalls[0].names: must be an array of strings");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ERRNO"}]})") ==
          "syscalls[0]: 'name' and 'names' were both given, use either 'name' or 'names'");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["dup"], "action": "SCMP_ACT_ERRNO",
          "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})") ==
          "syscalls[0].args[0].index: must be a number from 0 to 5");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["dup"], "action": "SCMP_ACT_ERRNO",
          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]})") ==
          "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errno": "EWHATEVER"}]})") ==
          "syscalls[0].errno: unknown errno \"EWHATEVER\"");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1}]})") ==
          "syscalls[0].errnoRet: must be a number from 0 to 4095");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
          "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})") ==
          "'architectures' and 'archMap' were both given, use either 'architectures' or 'archMap'");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})") ==
          "unknown architecture \"SCMP_ARCH_VAX\"");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_MAGIC"]})") ==
          "flags: unsupported flag \"SECCOMP_FILTER_FLAG_MAGIC\"");
    CHECK(profile_error(R"({"defaultAction": "SCMP_ACT_NOTIFY"})") == "defaultAction: SCMP_ACT_NOTIFY is not supported");

    TempDir dir;
    Spec s = default_spec_with(kPodmanCaps);
    s.seccomp = SeccompMode::kProfile;
    s.seccomp_profile = dir.path + "/missing.json";
    auto missing = seccomp::prepare(s);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.rfind("loading seccomp profile (" + dir.path + "/missing.json) failed: ", 0) == 0);
    CHECK(missing.error().message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("a child that loads a JSON profile gets its actions (root or not)") {
    TempDir dir;
    auto prog = prepare_profile(dir.path, R"({
      "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [
        {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
        {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errno": "E2BIG",
         "args": [{"index": 0, "value": 100, "op": "SCMP_CMP_EQ"}]},
        {"names": ["dup2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
         "args": [{"index": 1, "value": 200, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 201, "op": "SCMP_CMP_EQ"}]},
        {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"}
      ]})");
    REQUIRE(prog.ok());
    int rc = in_child([&] {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 1;
        if (!seccomp::load(*prog).ok()) return 2;
        char buf[256];
        if (err_of(::syscall(SYS_getcwd, buf, sizeof buf)) != EXDEV) return 3;
        if (err_of(::syscall(SYS_dup, 100)) != E2BIG) return 4;
        long fd = ::syscall(SYS_dup, 1);
        if (fd < 0) return 5;
        ::close(static_cast<int>(fd));
        // Two conditions on one argument: either matches (OR), as runc and crun read it.
        if (err_of(::syscall(SYS_dup2, 1, 200)) != EBADF) return 6;
        if (err_of(::syscall(SYS_dup2, 1, 201)) != EBADF) return 7;
        if (::syscall(SYS_dup2, 1, 202) != 202) return 8;
        if (status_line("Seccomp") != "Seccomp:\t2") return 9;
        return 0;
    });
    CHECK(rc == 0);
}

namespace {

// The default program's behaviour in a child. `admin` says whether it was compiled with
// CAP_SYS_ADMIN and CAP_AUDIT_WRITE (the child itself is root and keeps all its capabilities, so
// an EPERM can only come from the filter).
int check_default_program(const seccomp::Program& prog, bool nnp, bool admin) {
    if (nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 1;
    // A private UTS namespace first: if the filter wrongly allowed sethostname, the host keeps its name.
    if (::unshare(CLONE_NEWUTS) < 0) return 2;
    if (!seccomp::load(prog).ok()) return 3;
    if (status_line("Seccomp") != "Seccomp:\t2") return 4;
    // Ordinary calls work.
    if (::getpid() <= 0) return 5;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 6;
    if (::personality(0xffffffff) < 0) return 7;
    // Refused outright: EPERM.
    if (err_of(::swapoff("/skiff-no-such-swap")) != EPERM) return 8;
    if (err_of(::syscall(SYS_kexec_load, 0, 0, nullptr, 0)) != EPERM) return 9;
    // Unknown to the profile: ENOSYS, so programs fall back.
    if (err_of(::syscall(SYS_add_key, "user", "k", "v", 1, 0)) != ENOSYS) return 10;
    if (err_of(::syscall(SYS_request_key, "user", "k", nullptr, 0)) != ENOSYS) return 11;
    // Capability-guarded.
    int host = err_of(::sethostname("skiff-seccomp-test", 18));
    if (admin ? host != 0 : host != EPERM) return 12;
    int audit_fd = ::socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
    if (admin ? audit_fd < 0 : (audit_fd >= 0 || errno != EINVAL)) return 13;
    int route_fd = ::socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    if (route_fd < 0) return 14;
    return 0;
}

}  // namespace

TEST_CASE("a child that loads the default program is confined (root)") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root (unshare of the UTS namespace)");
        return;
    }
    auto plain = seccomp::prepare(default_spec_with(kPodmanCaps));
    REQUIRE(plain.ok());
    std::vector<std::string> admin_caps = kPodmanCaps;
    admin_caps.push_back("CAP_SYS_ADMIN");
    admin_caps.push_back("CAP_AUDIT_WRITE");
    auto admin = seccomp::prepare(default_spec_with(admin_caps));
    REQUIRE(admin.ok());

    CHECK(in_child([&] { return check_default_program(*plain, true, false); }) == 0);
    // Without no_new_privs, root holding CAP_SYS_ADMIN may load it too.
    CHECK(in_child([&] { return check_default_program(*plain, false, false); }) == 0);
    CHECK(in_child([&] { return check_default_program(*admin, true, true); }) == 0);
}

TEST_CASE("without no_new_privs or CAP_SYS_ADMIN, load says why it failed") {
    auto prog = seccomp::prepare(default_spec_with(kPodmanCaps));
    REQUIRE(prog.ok());
    int rc = in_child([&] {
        if (::geteuid() == 0) {
            // Drop CAP_SYS_ADMIN from the effective set only.
            if (::setresuid(65534, 65534, 65534) < 0) return 1;
        }
        auto r = seccomp::load(*prog);
        if (r.ok()) return 2;
        if (r.error().code != EACCES) return 3;
        if (r.error().message.find("no-new-privileges or CAP_SYS_ADMIN") == std::string::npos) return 4;
        return 0;
    });
    CHECK(rc == 0);
}

TEST_CASE("seccomp timings: compile vs cached load", "[.bench]") {
    using Clock = std::chrono::steady_clock;
    auto us = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
    TempDir dir;
    constexpr int kRounds = 50;
    auto t0 = Clock::now();
    for (int i = 0; i < kRounds; ++i) REQUIRE(seccomp::prepare(default_spec_with(kPodmanCaps)).ok());
    auto t1 = Clock::now();
    REQUIRE(seccomp::prepare(default_spec_with(kPodmanCaps, dir.path)).ok());
    auto t2 = Clock::now();
    seccomp::Program last;
    for (int i = 0; i < kRounds; ++i) last = seccomp::prepare(default_spec_with(kPodmanCaps, dir.path)).take();
    auto t3 = Clock::now();
    // The load alone, timed inside a child (a filter cannot be taken off again).
    long load_ns = 0;
    for (int i = 0; i < kRounds; ++i) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        int rc = in_child([&] {
            ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            auto s = Clock::now();
            bool ok = seccomp::load(last).ok();
            long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s).count();
            return ok && ::write(fds[1], &ns, sizeof ns) == sizeof ns ? 0 : 1;
        });
        REQUIRE(rc == 0);
        long ns = 0;
        REQUIRE(::read(fds[0], &ns, sizeof ns) == sizeof ns);
        ::close(fds[0]);
        ::close(fds[1]);
        load_ns += ns;
    }
    std::printf("seccomp default profile: %zu instructions\n", last.instructions.size());
    std::printf("  compile (no cache):   %ld us\n", static_cast<long>(us(t1 - t0) / kRounds));
    std::printf("  compile + write:      %ld us\n", static_cast<long>(us(t2 - t1)));
    std::printf("  cached prepare:       %ld us\n", static_cast<long>(us(t3 - t2) / kRounds));
    std::printf("  load (seccomp(2)):    %ld us\n", load_ns / kRounds / 1000);
}
