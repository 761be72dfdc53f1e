#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "real_cgroups.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

// A temporary directory standing in for /sys/fs/cgroup (as "sys") and /proc/self/cgroup.
struct Fixture {
    std::string root;
    Fixture() {
        char tmpl[] = "/tmp/skiff-cgroup-test-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    ~Fixture() { (void)fs::remove_all(root); }
    std::string sys() const { return root + "/sys"; }
    std::string proc() const { return root + "/proc-self-cgroup"; }
    std::string path(const std::string& rel) const { return fs::join(sys(), rel); }
    void file(const std::string& rel, const std::string& content) const { write(path(rel), content); }
    void proc_cgroup(const std::string& content) const { write(proc(), content); }
    static void write(const std::string& p, const std::string& content) {
        REQUIRE(fs::mkdir_p(fs::dirname(p)).ok());
        REQUIRE(fs::write_file_atomic(p, content, fs::Durability::kNoSync).ok());
    }
    std::string read(const std::string& rel) const {
        auto text = fs::read_file(path(rel));
        REQUIRE(text.ok());
        return std::string(str::trim(*text));
    }
    // Each file beneath `dir` holds what is expected.
    void expect(const std::string& dir, std::initializer_list<std::pair<const char*, const char*>> files) const {
        for (auto [name, content] : files) {
            std::string rel = dir.empty() ? name : dir + "/" + name;
            INFO(rel);
            CHECK(read(rel) == content);
        }
    }
    CgroupHost probe() const {
        auto host = probe_cgroups(sys(), proc());
        REQUIRE(host.ok());
        return *host;
    }
};

// A pure cgroup2 host; this process lives in /skiffd, which delegates cpu io memory pids (no cpuset).
// The kernel would fill in a new cgroup's files: here "skiff-1" is made beforehand, empty.
struct PureV2 : Fixture {
    PureV2() {
        proc_cgroup("0::/skiffd\n");
        file("cgroup.controllers", "cpuset cpu io memory pids");
        file("cgroup.subtree_control", "cpuset cpu io memory pids");
        file("skiffd/cgroup.controllers", "cpu io memory pids");
        file("skiffd/cgroup.subtree_control", "");
        file("skiffd/cgroup.procs", "");
        const std::pair<const char*, const char*> leaf[] = {
            {"cgroup.controllers", "cpu io memory pids"}, {"cgroup.procs", ""}, {"cgroup.kill", ""},
            {"cgroup.freeze", "0"}, {"cgroup.events", "populated 1\nfrozen 1"},
            {"memory.max", "max"}, {"memory.swap.max", "max"}, {"memory.current", "8192"},
            {"memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0"}, {"cpu.max", "max 100000"},
            {"cpu.weight", "100"}, {"cpu.stat", "usage_usec 1500\nuser_usec 1000"}, {"pids.max", "max"},
            {"pids.current", "2"}, {"io.weight", "default 100"}};
        for (auto [name, content] : leaf) file(std::string("skiffd/skiff-1/") + name, content);
    }
};

// A hybrid host: v1 controllers (cpu and cpuacct mounted together, as most distributions do),
// this process's memory cgroup at /box, and a cgroup2 tree with only hugetlb.
struct Hybrid : Fixture {
    Hybrid() {
        proc_cgroup(
             "10:name=systemd:/\n9:pids:/\n8:memory:/box\n7:cpu,cpuacct:/\n6:cpuset:/\n5:blkio:/\n"
             "4:freezer:/\n0::/\n");
        for (const char* mount : {"systemd", "pids", "memory", "memory/box", "cpu,cpuacct", "cpuset", "blkio",
                                  "freezer"})
            file(std::string(mount) + "/cgroup.procs", "");
        file("unified/cgroup.controllers", "hugetlb");
        file("unified/cgroup.subtree_control", "");
        file("cpuset/cpuset.cpus", "0-3");
        file("cpuset/cpuset.mems", "0");
        const std::pair<const char*, const char*> leaves[] = {
            {"memory/box/skiff-2/memory.limit_in_bytes", "9223372036854771712"},
            {"memory/box/skiff-2/memory.memsw.limit_in_bytes", "9223372036854771712"},
            {"memory/box/skiff-2/memory.usage_in_bytes", "4096"},
            {"memory/box/skiff-2/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0"},
            {"pids/skiff-2/pids.max", "max"}, {"pids/skiff-2/pids.current", "1"},
            {"cpu,cpuacct/skiff-2/cpu.cfs_period_us", "100000"}, {"cpu,cpuacct/skiff-2/cpu.cfs_quota_us", "-1"},
            {"cpu,cpuacct/skiff-2/cpu.shares", "1024"}, {"cpu,cpuacct/skiff-2/cpuacct.usage", "123456"},
            {"cpuset/skiff-2/cpuset.cpus", ""}, {"cpuset/skiff-2/cpuset.mems", ""},
            {"blkio/skiff-2/blkio.bfq.weight", "100"}, {"freezer/skiff-2/freezer.state", "THAWED"},
            {"unified/skiff-2/cgroup.controllers", ""}};
        for (auto [rel, content] : leaves) file(rel, content);
        for (const char* leaf : {"memory/box/skiff-2", "pids/skiff-2", "cpu,cpuacct/skiff-2", "cpuset/skiff-2",
                                 "blkio/skiff-2", "freezer/skiff-2", "unified/skiff-2"})
            file(std::string(leaf) + "/cgroup.procs", "");
    }
};

}  // namespace

TEST_CASE("cgroups: weights convert as crun and runc do", "[cgroup]") {
    CHECK(cpu_shares_to_weight(2) == 1);
    CHECK(cpu_shares_to_weight(1024) == 39);
    CHECK(cpu_shares_to_weight(262144) == 10000);
    CHECK(cpu_shares_to_weight(1) == 1);  // clamped
    CHECK(blkio_to_io_weight(10) == 1);
    CHECK(blkio_to_io_weight(500) == 4950);
    CHECK(blkio_to_io_weight(1000) == 10000);
}

TEST_CASE("cgroups: probe a pure cgroup2 host", "[cgroup]") {
    PureV2 f;
    CgroupHost host = f.probe();
    CHECK(host.mode == CgroupMode::kUnified);
    CHECK(host.cgroup2_mount == f.sys());
    CHECK(host.unified == f.sys());
    CHECK(host.unified_own == "/skiffd");
    CHECK(host.v1.empty());
    CHECK(host.v1_hierarchies.empty());
    CHECK(host.pure_v2());
    CHECK(describe(host) == "v2: cgroup2 at " + f.sys() + ", own cgroup /skiffd (controllers: cpu io memory pids)");
}

TEST_CASE("cgroups: probe a hybrid host", "[cgroup]") {
    Hybrid f;
    CgroupHost host = f.probe();
    CHECK(host.mode == CgroupMode::kHybrid);
    CHECK(host.cgroup2_mount == f.path("unified"));
    CHECK(host.unified == f.path("unified"));
    CHECK(host.unified_own == "/");
    // What a container's cgroup mount holds: every v1 hierarchy, named ones too, in their order.
    CHECK(host.v1_hierarchies ==
          std::vector<std::string>{"name=systemd", "pids", "memory", "cpu,cpuacct", "cpuset", "blkio", "freezer"});
    REQUIRE(host.v1.size() == 6);  // name=systemd left out
    CHECK(host.v1[0].hierarchy == "pids");
    CHECK(host.v1[1].hierarchy == "memory");
    CHECK(host.v1[1].own == "/box");
    CHECK(host.v1[1].mount == f.path("memory"));
    CHECK(host.v1[2].controllers == std::vector<std::string>{"cpu", "cpuacct"});
    CHECK(host.v1[2].mount == f.path("cpu,cpuacct"));
    CHECK_FALSE(host.pure_v2());
    CHECK(str::starts_with(describe(host), "v1 (hybrid): controllers pids memory cpu,cpuacct cpuset blkio freezer; cgroup2"));
}

TEST_CASE("cgroups: a hierarchy whose own cgroup is missing is left out", "[cgroup]") {
    Hybrid f;
    f.proc_cgroup("8:memory:/elsewhere\n9:pids:/\n0::/gone\n");
    CgroupHost host = f.probe();
    REQUIRE(host.v1.size() == 1);
    CHECK(host.v1[0].hierarchy == "pids");
    CHECK(host.unified.empty());
    // Still a hybrid host, its cgroup2 where it was, and the container's mount still gets memory.
    CHECK(host.mode == CgroupMode::kHybrid);
    CHECK(host.cgroup2_mount == f.path("unified"));
    CHECK(host.v1_hierarchies == std::vector<std::string>{"memory", "pids"});
}

TEST_CASE("cgroups: probe a legacy host, and a host without cgroups", "[cgroup]") {
    Fixture f;
    f.proc_cgroup("3:name=systemd:/\n2:memory:/\n1:cpu,cpuacct:/a\n");
    f.file("systemd/cgroup.procs", "");
    f.file("memory/cgroup.procs", "");
    f.file("cpu,cpuacct/cgroup.procs", "");
    f.file("cpu,cpuacct/a/cgroup.procs", "");
    CgroupHost host = f.probe();
    CHECK(host.mode == CgroupMode::kLegacy);
    CHECK(host.cgroup2_mount.empty());
    CHECK(host.unified.empty());
    REQUIRE(host.v1.size() == 2);
    CHECK(host.v1[1].own == "/a");
    CHECK(host.v1_hierarchies == std::vector<std::string>{"name=systemd", "memory", "cpu,cpuacct"});
    CHECK(describe(host) == "v1: controllers memory cpu,cpuacct");

    // The same process on a host where none of its hierarchies is mounted under the root.
    Fixture bare;
    bare.proc_cgroup("2:memory:/\n1:cpu,cpuacct:/a\n");
    REQUIRE(fs::mkdir_p(bare.sys()).ok());
    CgroupHost none = bare.probe();
    CHECK(none.mode == CgroupMode::kNone);
    CHECK(none.v1.empty());
    CHECK(describe(none) == "no cgroups");
}

TEST_CASE("cgroups: the mode's names are podman's cgroupVersion words", "[cgroup]") {
    CHECK(std::string(cgroup_mode_name(CgroupMode::kUnified)) == "v2");
    CHECK(std::string(cgroup_mode_name(CgroupMode::kHybrid)) == "hybrid");
    CHECK(std::string(cgroup_mode_name(CgroupMode::kLegacy)) == "v1");
    CHECK(std::string(cgroup_mode_name(CgroupMode::kNone)) == "none");
}

// The files tell what the kernel's own file-system types tell (what `info` and the plan read before).
TEST_CASE("cgroups: the probe's mode on this host is what statfs says", "[cgroup]") {
    auto magic = [](const char* path) {
        struct statfs st;
        return ::statfs(path, &st) == 0 ? static_cast<long>(st.f_type) : 0L;
    };
    CgroupMode expected = CgroupMode::kNone;
    std::string cgroup2;
    if (magic("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC) {
        expected = CgroupMode::kUnified;
        cgroup2 = "/sys/fs/cgroup";
    } else if (magic("/sys/fs/cgroup") == TMPFS_MAGIC) {
        bool hybrid = magic("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC;
        expected = hybrid ? CgroupMode::kHybrid : CgroupMode::kLegacy;
        if (hybrid) cgroup2 = "/sys/fs/cgroup/unified";
    }
    auto host = probe_cgroups();
    REQUIRE(host.ok());
    CHECK(host->mode == expected);
    CHECK(host->cgroup2_mount == cgroup2);
}

TEST_CASE("cgroups v2: create enables controllers in the parent and writes each limit's file", "[cgroup]") {
    PureV2 f;
    auto cg = Cgroup::create(f.probe(), "skiff-1");
    REQUIRE(cg.ok());
    CHECK(cg->paths().unified == f.path("skiffd/skiff-1"));
    CHECK(cg->paths().v1.empty());
    CHECK(cg->paths().created_parents.empty());
    CHECK(cg->unified_fd() >= 0);
    CHECK(f.read("skiffd/cgroup.subtree_control") == "+memory +pids +cpu +io");
    CHECK(f.read("cgroup.subtree_control") == "cpuset cpu io memory pids");  // above our own: untouched

    Resources r;
    r.memory = 64 << 20;
    r.memory_swap = 128 << 20;
    r.cpus = 1.5;
    r.cpu_shares = 1024;
    r.pids_limit = 20;
    r.io_weight = 500;
    REQUIRE(cg->apply(r).ok());
    f.expect("skiffd/skiff-1", {
        {"memory.max", "67108864"},
        {"memory.swap.max", "67108864"},
        {"cpu.max", "150000 100000"},
        {"cpu.weight", "39"},
        {"pids.max", "20"},
        {"io.weight", "default 4950"},
    });

    SECTION("unlimited values") {
        Resources u;
        u.memory = -1;
        u.memory_swap = -1;
        u.cpus = 0;
        u.pids_limit = 0;
        REQUIRE(cg->apply(u).ok());
        f.expect("skiffd/skiff-1", {
            {"memory.max", "max"},
            {"memory.swap.max", "max"},
            {"cpu.max", "max 100000"},
            {"pids.max", "max"},
        });
    }
    SECTION("unset fields leave files alone") {
        Resources p;
        p.pids_limit = 7;
        REQUIRE(cg->apply(p).ok());
        f.expect("skiffd/skiff-1", {
            {"pids.max", "7"},
            {"memory.max", "67108864"},
            {"cpu.max", "150000 100000"},
        });
    }
    SECTION("memory-swap equal to memory means no swap") {
        Resources m;
        m.memory = 1000000;
        m.memory_swap = 1000000;
        REQUIRE(cg->apply(m).ok());
        CHECK(f.read("skiffd/skiff-1/memory.swap.max") == "0");
    }
}

TEST_CASE("cgroups v2: a limit whose controller is not delegated is an error naming it", "[cgroup]") {
    PureV2 f;
    auto cg = Cgroup::create(f.probe(), "skiff-1");
    REQUIRE(cg.ok());
    Resources r;
    r.cpuset_cpus = "0-1";
    auto e = cg->apply(r);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message == "cpuset needs the cpuset controller, which this host's cgroup2 does not delegate");

    // The parent has io but the new cgroup did not get it: enabling failed (EBUSY on a real kernel).
    f.file("skiffd/skiff-1/cgroup.controllers", "cpu memory pids");
    Resources io;
    io.io_weight = 100;
    e = cg->apply(io);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message == "io weight needs the io controller, which " + f.path("skiffd") +
                                   " has but could not enable for its children (a cgroup holding processes cannot)");

    f.file("skiffd/skiff-1/cgroup.controllers", "cpu io memory pids");
    ::unlink(f.path("skiffd/skiff-1/memory.swap.max").c_str());
    Resources swap;
    swap.memory = 1 << 20;
    swap.memory_swap = 2 << 20;
    e = cg->apply(swap);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message.find("--memory-swap needs memory.swap.max") == 0);
}

TEST_CASE("cgroups: limits are checked before anything is written", "[cgroup]") {
    PureV2 f;
    auto cg = Cgroup::create(f.probe(), "skiff-1");
    REQUIRE(cg.ok());
    auto fails = [&](Resources r, const std::string& start) {
        r.pids_limit = 99;  // would be written first if checking came late
        auto e = cg->apply(r);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().message.rfind(start, 0) == 0);
        CHECK(f.read("skiffd/skiff-1/pids.max") == "max");
    };
    Resources r;
    r.memory_swap = 1 << 20;
    fails(r, "--memory-swap needs --memory");
    r.memory = 2 << 20;
    fails(r, "--memory-swap 1048576 is less than --memory 2097152");
    r = {};
    r.memory = 0;
    fails(r, "--memory 0: must be positive");
    r = {};
    r.cpus = -1;
    fails(r, "--cpus");
    r = {};
    r.io_weight = 5;
    fails(r, "--blkio-weight 5: must be 10 to 1000");
    r = {};
    r.cpuset_cpus = "0;1";
    fails(r, "--cpuset-cpus \"0;1\"");
}

TEST_CASE("cgroups v2: freeze, kill, stats and OOM", "[cgroup]") {
    PureV2 f;
    auto cg = Cgroup::create(f.probe(), "skiff-1");
    REQUIRE(cg.ok());
    REQUIRE(cg->freeze(true).ok());
    CHECK(f.read("skiffd/skiff-1/cgroup.freeze") == "1");
    REQUIRE(cg->freeze(false).ok());
    CHECK(f.read("skiffd/skiff-1/cgroup.freeze") == "0");
    f.file("skiffd/skiff-1/cgroup.events", "populated 1\nfrozen 0");
    auto stuck = cg->freeze(true);
    REQUIRE_FALSE(stuck.ok());
    CHECK(stuck.error().message.find("not frozen after 2 s") != std::string::npos);

    REQUIRE(cg->kill_all(SIGKILL).ok());
    CHECK(f.read("skiffd/skiff-1/cgroup.kill") == "1");

    auto s = cg->stats();
    REQUIRE(s.ok());
    CHECK(s->memory_usage == 8192u);
    CHECK_FALSE(s->memory_limit.has_value());
    CHECK(s->cpu_usage_ns == 1500000u);
    CHECK(s->pids_current == 2u);

    auto oom = cg->oom_killed();
    REQUIRE(oom.ok());
    CHECK_FALSE(*oom);
    f.file("skiffd/skiff-1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2");
    CHECK(cg->oom_killed().value());

    REQUIRE(cg->add(4242).ok());
    CHECK(f.read("skiffd/skiff-1/cgroup.procs") == "4242");
    CHECK(cg->pids().value() == std::vector<pid_t>{4242});
}

TEST_CASE("cgroups: names and parents", "[cgroup]") {
    PureV2 f;
    CgroupHost host = f.probe();
    CHECK_FALSE(Cgroup::create(host, "a/b").ok());
    CHECK_FALSE(Cgroup::create(host, "..").ok());
    CHECK_FALSE(Cgroup::create(host, "x", "pods/../..").ok());
    auto outside = Cgroup::create(host, "x", "/system.slice");
    REQUIRE_FALSE(outside.ok());
    CHECK(outside.error().message ==
          "--cgroup-parent /system.slice is not beneath this process's own cgroup /skiffd: skiff makes cgroups only there");

    f.file("skiffd/skiff-1/cgroup.procs", "77\n");
    auto busy = Cgroup::create(host, "skiff-1");
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().code == EEXIST);
    CHECK(f.read("skiffd/skiff-1/cgroup.procs") == "77");  // not removed on failure

    SECTION("relative parent: made, recorded, removed") {
        auto cg = Cgroup::create(host, "c1", "pods/p1");
        REQUIRE(cg.ok());
        CHECK(cg->paths().unified == f.path("skiffd/pods/p1/c1"));
        CHECK(cg->paths().created_parents == std::vector<std::string>{f.path("skiffd/pods/p1"), f.path("skiffd/pods")});
        REQUIRE(cg->remove().ok());
        CHECK_FALSE(sys::exists(f.path("skiffd/pods")));
        REQUIRE(cg->remove().ok());  // twice is fine
    }
    SECTION("absolute parent beneath our own; a parent in use stays") {
        auto a = Cgroup::create(host, "a", "/skiffd/pods");
        auto b = Cgroup::create(host, "b", "pods");
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(a->paths().unified == f.path("skiffd/pods/a"));
        CHECK(a->paths().created_parents == std::vector<std::string>{f.path("skiffd/pods")});
        CHECK(b->paths().created_parents.empty());
        REQUIRE(a->remove().ok());
        CHECK(sys::exists(f.path("skiffd/pods/b")));
        REQUIRE(b->remove().ok());
        CHECK(sys::exists(f.path("skiffd/pods")));  // b did not make it
    }
    SECTION("open by recorded paths") {
        auto cg = Cgroup::create(host, "skiff-2");
        REQUIRE(cg.ok());
        auto again = Cgroup::open(cg->paths());
        REQUIRE(again.ok());
        CHECK(again->paths() == cg->paths());
        CHECK(again->unified_fd() >= 0);
        REQUIRE(again->remove().ok());
        CHECK_FALSE(sys::exists(f.path("skiffd/skiff-2")));
    }
}

TEST_CASE("cgroups hybrid: limits go to the v1 controllers", "[cgroup]") {
    Hybrid f;
    auto cg = Cgroup::create(f.probe(), "skiff-2");
    REQUIRE(cg.ok());
    CHECK(cg->paths().unified == f.path("unified/skiff-2"));
    REQUIRE(cg->paths().v1.size() == 6);
    CHECK(cg->paths().v1[1] == std::pair<std::string, std::string>{"memory", f.path("memory/box/skiff-2")});
    CHECK(f.read("unified/cgroup.subtree_control").empty());  // hugetlb is not wanted
    // A v1 cpuset cgroup cannot hold a process until it has cpus and mems: the parent's are copied.
    f.expect("cpuset/skiff-2", {
        {"cpuset.cpus", "0-3"},
        {"cpuset.mems", "0"},
    });

    Resources r;
    r.memory = 64 << 20;
    r.memory_swap = 96 << 20;
    r.cpus = 0.5;
    r.cpu_shares = 512;
    r.cpuset_cpus = "1";
    r.pids_limit = 20;
    r.io_weight = 300;
    REQUIRE(cg->apply(r).ok());
    f.expect("", {
        {"memory/box/skiff-2/memory.limit_in_bytes", "67108864"},
        {"memory/box/skiff-2/memory.memsw.limit_in_bytes", "100663296"},
        {"cpu,cpuacct/skiff-2/cpu.cfs_period_us", "100000"},
        {"cpu,cpuacct/skiff-2/cpu.cfs_quota_us", "50000"},
        {"cpu,cpuacct/skiff-2/cpu.shares", "512"},
        {"cpuset/skiff-2/cpuset.cpus", "1"},
        {"pids/skiff-2/pids.max", "20"},
        {"blkio/skiff-2/blkio.bfq.weight", "300"},
    });

    Resources u;
    u.cpus = 0;
    u.pids_limit = -1;
    REQUIRE(cg->apply(u).ok());
    CHECK(f.read("cpu,cpuacct/skiff-2/cpu.cfs_quota_us") == "-1");
    CHECK(f.read("pids/skiff-2/pids.max") == "max");

    ::unlink(f.path("memory/box/skiff-2/memory.memsw.limit_in_bytes").c_str());
    Resources swap;
    swap.memory = 1 << 20;
    swap.memory_swap = 2 << 20;
    auto e = cg->apply(swap);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message.find("--memory-swap needs memory.memsw.limit_in_bytes") == 0);

    REQUIRE(cg->add(4242).ok());
    for (const char* dir : {"memory/box/skiff-2", "pids/skiff-2", "freezer/skiff-2", "unified/skiff-2"})
        CHECK(f.read(std::string(dir) + "/cgroup.procs") == "4242");
}

TEST_CASE("cgroups hybrid: a controller neither v1 nor cgroup2 has", "[cgroup]") {
    Hybrid f;
    f.proc_cgroup("9:pids:/\n8:memory:/box\n0::/\n");
    auto cg = Cgroup::create(f.probe(), "skiff-2");
    REQUIRE(cg.ok());
    Resources r;
    r.io_weight = 100;
    auto e = cg->apply(r);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message ==
          "io weight needs the blkio controller, which this host neither mounts as cgroup v1 nor delegates in its cgroup2");
}

TEST_CASE("cgroups hybrid: freezer, kill without cgroup.kill, stats, OOM", "[cgroup]") {
    Hybrid f;
    auto cg = Cgroup::create(f.probe(), "skiff-2");
    REQUIRE(cg.ok());
    REQUIRE(cg->freeze(true).ok());
    CHECK(f.read("freezer/skiff-2/freezer.state") == "FROZEN");
    REQUIRE(cg->freeze(false).ok());
    CHECK(f.read("freezer/skiff-2/freezer.state") == "THAWED");

    // No cgroup.kill, no processes listed: frozen, nothing to signal, thawed again.
    REQUIRE(cg->kill_all(SIGKILL).ok());
    CHECK(f.read("freezer/skiff-2/freezer.state") == "THAWED");

    auto s = cg->stats();
    REQUIRE(s.ok());
    CHECK(s->memory_usage == 4096u);
    CHECK_FALSE(s->memory_limit.has_value());  // the v1 "unlimited" page counter
    CHECK(s->cpu_usage_ns == 123456u);
    CHECK(s->pids_current == 1u);

    CHECK_FALSE(cg->oom_killed().value());
    f.file("memory/box/skiff-2/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1");
    CHECK(cg->oom_killed().value());
}

// ---- On this host's real cgroups (root, hybrid: v1 controllers and cgroup2 at .../unified) ----

namespace {

std::string message(const Result<void>& r) { return r.ok() ? std::string() : r.error().message; }

std::string read_trim(const std::string& path) {
    auto text = fs::read_file(path);
    return text.ok() ? std::string(str::trim(*text)) : "<unreadable: " + path + ">";
}

// A cgroup made beneath this process's own, and one child started in it. Whatever a failed check
// leaves is cleaned up: the child killed and reaped, then the cgroup removed.
struct RealCgroup {
    CgroupHost host;
    std::optional<Cgroup> cg;
    pid_t pid = -1;

    explicit RealCgroup(const Resources& r) {
        auto probed = probe_cgroups();
        REQUIRE(probed.ok());
        host = *probed;
        auto made = Cgroup::create(host, "skiff-test-" + str::random_hex(4));
        REQUIRE(made.ok());
        cg.emplace(made.take());
        auto applied = cg->apply(r);
        INFO(message(applied));
        REQUIRE(applied.ok());
    }
    ~RealCgroup() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (cg) (void)cg->remove();
    }

    // A child that waits for one byte on `gate` (forever without one), then runs `then`; put
    // straight into the cgroup2 part with clone3 when `into_cgroup`, then into the v1 controllers.
    template <class F>
    void start(bool into_cgroup, int gate, F then) {
        struct clone_args args {};
        args.exit_signal = SIGCHLD;
        if (into_cgroup) {
            args.flags = CLONE_INTO_CGROUP;
            args.cgroup = static_cast<uint64_t>(cg->unified_fd());
        }
        // Catch2's handlers would report the test's signal from the child too: the child drops
        // them before it takes any signal.
        sigset_t all, saved;
        ::sigfillset(&all);
        ::sigprocmask(SIG_BLOCK, &all, &saved);
        long p = ::syscall(SYS_clone3, &args, sizeof args);
        if (p == 0) {
            for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
            ::sigprocmask(SIG_SETMASK, &saved, nullptr);
            char c;
            if (gate >= 0 && ::read(gate, &c, 1) == 1) then();
            for (;;) ::pause();
        }
        ::sigprocmask(SIG_SETMASK, &saved, nullptr);
        REQUIRE(p > 0);
        pid = static_cast<pid_t>(p);
        REQUIRE(cg->add(pid).ok());
    }
    // The signal that ended the child; 0 when it exited.
    int wait() {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        pid = -1;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    void remove() {
        CgroupPaths paths = cg->paths();
        auto removed = cg->remove();
        INFO(message(removed));
        REQUIRE(removed.ok());
        cg.reset();
        CHECK_FALSE(sys::exists(paths.unified));
        for (const auto& [hierarchy, dir] : paths.v1) CHECK_FALSE(sys::exists(dir));
    }
    std::string v1(const std::string& hierarchy) const {
        for (const auto& [h, dir] : cg->paths().v1)
            if (h == hierarchy) return dir;
        return "<no " + hierarchy + ">";
    }
};

}  // namespace

TEST_CASE("cgroups on this host: limits, a child put in, kill, remove", "[cgroup]") {
    if (skip_without_real_host()) return;
    Resources r;
    r.memory = 64 << 20;
    r.pids_limit = 20;
    RealCgroup t(r);
    REQUIRE(!t.host.unified.empty());
    CHECK(read_trim(t.v1("memory") + "/memory.limit_in_bytes") == "67108864");
    CHECK(read_trim(t.v1("pids") + "/pids.max") == "20");

    t.start(true, -1, [] {});
    CHECK(t.cg->pids().value() == std::vector<pid_t>{t.pid});
    std::string own = read_trim("/proc/" + std::to_string(t.pid) + "/cgroup");
    CHECK(own.find("0::" + t.cg->paths().unified.substr(t.host.unified.size())) != std::string::npos);

    auto s = t.cg->stats();
    REQUIRE(s.ok());
    CHECK(s->pids_current == 1u);
    CHECK(s->memory_limit == uint64_t{64 << 20});
    CHECK(s->memory_usage.has_value());
    CHECK(s->cpu_usage_ns.has_value());
    CHECK_FALSE(t.cg->oom_killed().value());

    REQUIRE(t.cg->freeze(true).ok());
    CHECK(read_trim(t.v1("freezer") + "/freezer.state") == "FROZEN");
    REQUIRE(t.cg->freeze(false).ok());

    REQUIRE(t.cg->kill_all(SIGKILL).ok());  // cgroup.kill
    CHECK(t.wait() == SIGKILL);
    t.remove();
}

TEST_CASE("cgroups on this host: kill by signalling every process, through the v1 freezer", "[cgroup]") {
    if (skip_without_real_host()) return;
    RealCgroup t({});
    t.start(false, -1, [] {});
    CgroupPaths v1_only = t.cg->paths();
    v1_only.unified.clear();
    auto v1 = Cgroup::open(v1_only);
    REQUIRE(v1.ok());
    CHECK(v1->unified_fd() == -1);
    REQUIRE(v1->kill_all(SIGTERM).ok());
    CHECK(t.wait() == SIGTERM);
    t.remove();
}

TEST_CASE("cgroups on this host: the OOM killer is noticed", "[cgroup]") {
    if (skip_without_real_host()) return;
    Resources r;
    r.memory = 16 << 20;
    r.memory_swap = 16 << 20;  // no swap to escape to
    RealCgroup t(r);
    auto gate = sys::pipe();
    REQUIRE(gate.ok());
    auto& [gate_r, gate_w] = *gate;
    t.start(true, gate_r.get(), [] {
        for (size_t i = 0; i < 64; ++i) {
            void* p = ::malloc(1 << 20);
            if (p) std::memset(p, 1, 1 << 20);
        }
        ::_exit(0);
    });
    REQUIRE(::write(gate_w.get(), "x", 1) == 1);
    CHECK(t.wait() == SIGKILL);
    CHECK(t.cg->oom_killed().value());
    t.remove();
}
