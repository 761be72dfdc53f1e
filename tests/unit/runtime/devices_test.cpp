#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/runtime/cgroups.hpp"
#include "skiff/runtime/devices.hpp"
#include "real_cgroups.hpp"

using namespace skiff;
using namespace skiff::runtime;

TEST_CASE("device cgroup rules: podman's syntax", "[devices]") {
    auto r = parse_device_rule("c 7:* rwm");
    REQUIRE(r.ok());
    CHECK(r->allow);
    CHECK(r->type == 'c');
    CHECK(r->major == 7u);
    CHECK_FALSE(r->minor.has_value());
    CHECK(r->access == "rwm");
    CHECK(to_string(*r) == "c 7:* rwm");

    CHECK(to_string(parse_device_rule("a *:* r").value()) == "a *:* r");
    CHECK(to_string(parse_device_rule("b 8:16 mw").value()) == "b 8:16 wm");  // the kernel's order
    CHECK(to_string(parse_device_rule("c 136:4095 m").value()) == "c 136:4095 m");

    // podman's forms: a major alone means any minor; letters repeat.
    CHECK(to_string(parse_device_rule("a 7 rmw").value()) == "a 7:* rwm");
    CHECK(to_string(parse_device_rule("c 7:0 rrw").value()) == "c 7:0 rw");

    // podman's messages, word for word.
    auto message = [](const char* rule) {
        auto p = parse_device_rule(rule);
        REQUIRE_FALSE(p.ok());
        return p.error().message;
    };
    for (const char* bad : {"", "c", "c 7:0", "c  7:0 r", "c 7:0 r ", " c 7:0 r"})
        CHECK(message(bad) == std::string("invalid device cgroup rule requires type, major:Minor, and access rules: \"") + bad + "\"");
    CHECK(message("x 7:0 rwm") == "invalid device type in device-access-add: x");
    CHECK(message("cc 7:0 rwm") == "invalid device type in device-access-add: cc");
    CHECK(message("b 7:* rmX") == "invalid device access in device-access-add: X");
    CHECK(message("a a:* rmw") == "strconv.ParseUint: parsing \"a\": invalid syntax");
    CHECK(message("c 7:-1 r") == "strconv.ParseUint: parsing \"-1\": invalid syntax");
    CHECK(message("c 7:0: r") == "strconv.ParseUint: parsing \"0:\": invalid syntax");
    CHECK(message("c 99999999999999999999:0 r") ==
          "strconv.ParseUint: parsing \"99999999999999999999\": value out of range");
}

TEST_CASE("device cgroup rules: --device permissions", "[devices]") {
    for (const char* good : {"r", "w", "m", "rw", "mr", "rwm", "mwr"}) CHECK(valid_device_access(good));
    for (const char* bad : {"", "x", "rr", "rwmr", "rwx", "R", "/dev/x"}) CHECK_FALSE(valid_device_access(bad));
}

TEST_CASE("device cgroup rules: the default list as the v1 controller takes it", "[devices]") {
    std::vector<std::string> lines;
    for (const DeviceRule& r : default_device_rules()) lines.push_back((r.allow ? "allow " : "deny ") + to_string(r));
    CHECK(lines == std::vector<std::string>{
                       "deny a *:* rwm", "allow b *:* m", "allow c *:* m", "allow c 1:3 rwm", "allow c 1:5 rwm",
                       "allow c 1:7 rwm", "allow c 1:8 rwm", "allow c 1:9 rwm", "allow c 5:0 rwm",
                       "allow c 5:1 rwm", "allow c 5:2 rwm", "allow c 10:200 rwm", "allow c 136:* rwm"});
    CHECK_FALSE(allows_all(default_device_rules()));
    CHECK(allows_all(allow_all_device_rules()));
    CHECK(allows_all({}));
    auto narrowed = allow_all_device_rules();
    narrowed.push_back(DeviceRule{false, 'c', 1u, 5u, "w"});
    CHECK_FALSE(allows_all(narrowed));

    Device loop{"/dev/loop0", "/dev/loop0", 'b', 7, 0, 0660, 0, 6};
    CHECK(to_string(rule_for(loop, "rw")) == "b 7:0 rw");
}

TEST_CASE("device cgroup rules: the BPF program's shape", "[devices]") {
    // Six loads, then per rule its tests and a return, and a final deny.
    auto p = device_program(default_device_rules());
    REQUIRE(p.size() > 8);
    CHECK(p.back().code == (BPF_JMP | BPF_EXIT));
    CHECK(p[p.size() - 2].imm == 0);  // nothing matched: denied
    // Every jump lands inside the program.
    for (size_t i = 0; i < p.size(); ++i)
        if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_EXIT) {
            INFO("instruction " << i);
            CHECK(i + 1 + static_cast<size_t>(p[i].off) < p.size());
        }
    // The last rule is tested first: pts (136:*) comes right after the loads.
    CHECK(p[6].imm == BPF_DEVCG_DEV_CHAR);
    CHECK(p[7].imm == 136);
    // The deny-all rule matches everything: it ends the program, with no unreachable deny after it.
    CHECK(p[p.size() - 4].imm == 1);  // the "b *:* m" rule after it allows

    // A rule matching everything ends the program: what comes before it is never tested.
    auto q = device_program({parse_device_rule("c 1:3 r").value(), allow_all_device_rules()[0]});
    CHECK(q.size() == 8);
    CHECK(q[6].imm == 1);
}

// ---- Enforced by this host's kernel (root; cgroup2 at /sys/fs/cgroup/unified, v1 devices) ----

namespace {

// Device nodes made in a temporary directory, as an image might ship them.
struct Nodes {
    std::string dir;
    Nodes() {
        char tmpl[] = "/tmp/skiff-devices-test-XXXXXX";
        dir = ::mkdtemp(tmpl);
        make("null", S_IFCHR, 1, 3);
        make("zero", S_IFCHR, 1, 5);
        make("kvm", S_IFCHR, 10, 232);
        make("loop", S_IFBLK, 7, 0);
    }
    ~Nodes() { (void)fs::remove_all(dir); }
    void make(const std::string& name, mode_t type, unsigned major, unsigned minor) const {
        REQUIRE(::mknod(path(name).c_str(), type | 0666, makedev(major, minor)) == 0);
    }
    std::string path(const std::string& name) const { return dir + "/" + name; }
};

// A cgroup made beneath this process's own: on cgroup2 only when `v2_only` (so the device rules
// take the BPF path), else in every hierarchy (the v1 devices controller).
struct TestCgroup {
    std::optional<Cgroup> cg;
    explicit TestCgroup(bool v2_only) {
        auto host = probe_cgroups();
        REQUIRE(host.ok());
        if (v2_only) host->v1.clear();
        auto made = Cgroup::create(*host, "skiff-devtest-" + str::random_hex(4));
        REQUIRE(made.ok());
        cg.emplace(made.take());
    }
    ~TestCgroup() { (void)cg->remove(); }
    void restrict(const std::vector<DeviceRule>& rules) {
        auto r = cg->restrict_devices(rules);
        INFO((r.ok() ? std::string() : r.error().message));
        REQUIRE(r.ok());
    }
    // The errno of `op` in a child put into the cgroup (0: it worked).
    int errno_of(const std::function<int()>& op) {
        pid_t pid = ::fork();
        if (pid == 0) {
            if (!cg->add(::getpid()).ok()) ::_exit(255);
            ::_exit(op());
        }
        REQUIRE(pid > 0);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) != 255);
        return WEXITSTATUS(status);
    }
    int open_errno(const std::string& path, int flags) {
        return errno_of([&] {
            int fd = ::open(path.c_str(), flags | O_CLOEXEC);
            if (fd < 0) return errno;
            ::close(fd);
            return 0;
        });
    }
    int mknod_errno(const std::string& path, mode_t type, unsigned major, unsigned minor) {
        return errno_of([&] {
            if (::mknod(path.c_str(), type | 0600, makedev(major, minor)) < 0) return errno;
            ::unlink(path.c_str());
            return 0;
        });
    }
};

void check_default_rules(TestCgroup& t, const Nodes& n) {
    CHECK(t.open_errno("/dev/null", O_RDWR) == 0);
    CHECK(t.open_errno("/dev/zero", O_RDONLY) == 0);
    CHECK(t.open_errno("/dev/urandom", O_RDONLY) == 0);
    CHECK(t.open_errno(n.path("null"), O_WRONLY) == 0);  // a shipped node of an allowed device
    CHECK(t.open_errno(n.path("kvm"), O_RDWR) == EPERM);
    CHECK(t.open_errno(n.path("loop"), O_RDWR) == EPERM);
    CHECK(t.open_errno(n.path("loop"), O_RDONLY) == EPERM);
    CHECK(t.mknod_errno(n.path("made"), S_IFBLK, 7, 1) == 0);  // mknod is allowed, opening is not
}

void check_added_rules(TestCgroup& t, const Nodes& n) {
    std::vector<DeviceRule> rules = {DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"},
                                     parse_device_rule("c 1:3 rwm").value(), parse_device_rule("c 1:5 r").value()};
    t.restrict(rules);
    CHECK(t.open_errno(n.path("null"), O_RDWR) == 0);
    CHECK(t.open_errno(n.path("zero"), O_RDONLY) == 0);
    CHECK(t.open_errno(n.path("zero"), O_WRONLY) == EPERM);
    CHECK(t.open_errno("/dev/urandom", O_RDONLY) == EPERM);
    CHECK(t.mknod_errno(n.path("made"), S_IFCHR, 1, 5) == EPERM);  // no "m" for 1:5
    CHECK(t.mknod_errno(n.path("made"), S_IFCHR, 1, 3) == 0);

    rules.push_back(parse_device_rule("b 7:* rw").value());
    t.restrict(rules);
    // Allowed: the open goes on to the driver, which may have no such loop device; never EPERM.
    CHECK(t.open_errno(n.path("loop"), O_RDONLY) != EPERM);
    CHECK(t.open_errno(n.path("kvm"), O_RDONLY) == EPERM);
}

}  // namespace

TEST_CASE("device rules on cgroup2: the BPF program denies what they do not allow", "[devices][cgroup]") {
    if (skip_without_real_host()) return;
    Nodes n;
    TestCgroup t(true);
    REQUIRE(t.cg->paths().v1.empty());
    t.restrict(default_device_rules());
    check_default_rules(t, n);
    // Attached again with other rules: the earlier program is replaced, not added to.
    check_added_rules(t, n);
    // A later deny narrows an allow-all; allow-all alone attaches nothing (and detaches nothing).
    std::vector<DeviceRule> narrowed = allow_all_device_rules();
    narrowed.push_back(parse_device_rule("c 1:5 w").value());
    narrowed.back().allow = false;
    t.restrict(narrowed);
    CHECK(t.open_errno(n.path("zero"), O_RDONLY) == 0);
    CHECK(t.open_errno(n.path("zero"), O_RDWR) == EPERM);
    CHECK(t.open_errno(n.path("kvm"), O_RDONLY) != EPERM);
}

TEST_CASE("device rules on the v1 devices controller", "[devices][cgroup]") {
    if (skip_without_real_host()) return;
    Nodes n;
    TestCgroup t(false);
    std::string dir;
    for (const auto& [h, d] : t.cg->paths().v1)
        if (str::split(h, ',').front() == "devices") dir = d;
    if (dir.empty()) {
        WARN("skipped: this host has no v1 devices controller");
        return;
    }
    t.restrict(default_device_rules());
    auto list = fs::read_file(dir + "/devices.list");
    REQUIRE(list.ok());
    CHECK(*list == "b *:* m\nc *:* m\nc 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\n"
                   "c 5:1 rwm\nc 5:2 rwm\nc 10:200 rwm\nc 136:* rwm\n");
    check_default_rules(t, n);
    check_added_rules(t, n);
    t.restrict(allow_all_device_rules());
    CHECK(fs::read_file(dir + "/devices.list").value() == "a *:* rwm\n");
}

TEST_CASE("device rules on v1: --privileged beneath a restricted parent gets the parent's list", "[devices][cgroup]") {
    if (skip_without_real_host()) return;
    auto host = probe_cgroups();
    REQUIRE(host.ok());
    std::string devices_base;
    for (const CgroupHost::V1& h : host->v1)
        if (std::find(h.controllers.begin(), h.controllers.end(), "devices") != h.controllers.end())
            devices_base = h.own == "/" ? h.mount : fs::join(h.mount, h.own);
    if (devices_base.empty()) {
        WARN("skipped: this host has no v1 devices controller");
        return;
    }
    // A parent allowing only null (as skiff's own cgroup would inside a container), made first:
    // the kernel takes "a" in devices.deny only from a cgroup with no children.
    std::string name = "skiff-devparent-" + str::random_hex(4), parent = fs::join(devices_base, name);
    REQUIRE(::mkdir(parent.c_str(), 0755) == 0);
    auto write = [](const std::string& path, const std::string& text) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        if (fd >= 0) ::close(fd);
        return ok;
    };
    CHECK(write(parent + "/devices.deny", "a"));
    CHECK(write(parent + "/devices.allow", "c 1:3 rwm"));
    {
        auto made = Cgroup::create(*host, "box", name);
        REQUIRE(made.ok());
        Cgroup cg = made.take();
        auto r = cg.restrict_devices(allow_all_device_rules());
        INFO((r.ok() ? std::string() : r.error().message));
        CHECK(r.ok());
        CHECK(fs::read_file(parent + "/box/devices.list").value() == "c 1:3 rwm\n");
        CHECK(cg.remove().ok());
    }
    ::rmdir(parent.c_str());
}
