#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <atomic>
#include <thread>

#include "skiff/base/fs.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/storage/containers.hpp"

using namespace skiff;
using namespace skiff::storage;

namespace {
struct TempStore {
    std::string dir;
    StoreConfig cfg;
    TempStore() {
        char tmpl[] = "/tmp/skiff-cstore-XXXXXX";
        dir = ::mkdtemp(tmpl);
        cfg.root = dir + "/root";
        cfg.runroot = dir + "/run";
    }
    ~TempStore() { (void)fs::remove_all(dir); }
};

ContainerDefinition def(const std::string& name) {
    ContainerDefinition d;
    d.name = name;
    d.image_id = std::string(64, 'a');
    d.image_name = "localhost/busybox:latest";
    d.command = {"sh", "-c", "echo \"hi\""};
    d.labels["k"] = "v";
    return d;
}
}  // namespace

TEST_CASE("container definition and status round-trip through JSON") {
    ContainerDefinition d = def("web");
    d.id = std::string(64, 'b');
    d.env = {"A=1", "B=two words"};
    d.tty = true;
    d.auto_remove = true;
    d.created_ns = 1234567890123456789;
    auto back = parse_definition(serialize_definition(d));
    REQUIRE(back.ok());
    CHECK(back->name == "web");
    CHECK(back->command == d.command);
    CHECK(back->env == d.env);
    CHECK(back->labels == d.labels);
    CHECK(back->tty);
    CHECK(back->auto_remove);
    CHECK(back->created_ns == d.created_ns);

    ContainerStatus s;
    s.state = ContainerState::kExited;
    s.exit_code = 137;
    s.pid = 42;
    s.pid_start = 99;
    auto sb = parse_status(serialize_status(s));
    REQUIRE(sb.ok());
    CHECK(sb->state == ContainerState::kExited);
    CHECK(sb->exit_code == 137);
    CHECK(sb->pid_start == 99);
}

TEST_CASE("corrupt records are errors, not crashes") {
    CHECK_FALSE(parse_definition("{").ok());
    CHECK_FALSE(parse_definition("[]").ok());
    CHECK_FALSE(parse_definition("{\"id\":\"short\"}").ok());
    CHECK_FALSE(parse_status("{\"state\":\"dancing\"}").ok());
}

TEST_CASE("names: validity and generated names") {
    CHECK(valid_name("web-1.a_b"));
    CHECK_FALSE(valid_name(""));
    CHECK_FALSE(valid_name("-x"));
    CHECK_FALSE(valid_name("a/b"));
    CHECK_FALSE(valid_name("a b"));
    CHECK(valid_name(generate_name(12345)));
}

TEST_CASE("create, find by name, id and prefix, remove") {
    TempStore t;
    auto c = create_container(t.cfg, def("web"));
    REQUIRE(c.ok());
    CHECK(find_container(t.cfg, "web")->id == c->id);
    CHECK(find_container(t.cfg, c->id)->name == "web");
    CHECK(find_container(t.cfg, c->id.substr(0, 6))->name == "web");
    auto missing = find_container(t.cfg, "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "no container with name or ID \"nope\" found: no such container");
    auto dup = create_container(t.cfg, def("web"));
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message.find("already in use") != std::string::npos);
    CHECK((*containers_using_image(t.cfg, std::string(64, 'a'))).size() == 1);
    REQUIRE(remove_container(t.cfg, *c).ok());
    CHECK_FALSE(find_container(t.cfg, "web").ok());
    CHECK(list_containers(t.cfg)->empty());
    CHECK(create_container(t.cfg, def("web")).ok());  // the name is free again
}

TEST_CASE("a running record whose process is gone reads as exited") {
    TempStore t;
    auto c = create_container(t.cfg, def(""));
    REQUIRE(c.ok());
    CHECK_FALSE(c->name.empty());
    c->state = ContainerState::kRunning;
    c->pid = ::getpid();
    c->pid_start = process_start_time(::getpid());
    REQUIRE(save_status(t.cfg, *c).ok());
    CHECK(find_container(t.cfg, c->id)->state == ContainerState::kRunning);
    c->pid_start += 1;  // a recycled pid: not our process
    REQUIRE(save_status(t.cfg, *c).ok());
    CHECK(find_container(t.cfg, c->id)->state == ContainerState::kExited);
}

namespace {

// A child that has exited and is not reaped yet (a zombie), with its start time taken while it ran.
struct Zombie {
    pid_t pid = -1;
    unsigned long long start = 0;
    Zombie() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[1]);
            char b;
            (void)!::read(fds[0], &b, 1);
            ::_exit(0);
        }
        ::close(fds[0]);
        start = process_start_time(pid);
        ::close(fds[1]);  // the child reads EOF and exits
        siginfo_t info{};
        REQUIRE(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);
    }
    ~Zombie() { ::waitpid(pid, nullptr, 0); }
};

}  // namespace

TEST_CASE("a zombie is gone: neither a container's process nor its monitor") {
    TempStore t;
    Zombie z;
    CHECK(z.start != 0);
    CHECK(process_start_time(z.pid) == 0);
    auto c = create_container(t.cfg, def(""));
    REQUIRE(c.ok());
    c->state = ContainerState::kRunning;
    c->pid = z.pid;
    c->pid_start = z.start;
    REQUIRE(save_status(t.cfg, *c).ok());
    CHECK(find_container(t.cfg, c->id)->state == ContainerState::kExited);
    // A living monitor records the exit itself: until then the container still runs.
    c->monitor_pid = ::getpid();
    c->monitor_start = process_start_time(::getpid());
    REQUIRE(save_status(t.cfg, *c).ok());
    CHECK(find_container(t.cfg, c->id)->state == ContainerState::kRunning);
    // A killed monitor that nobody reaped records nothing.
    Zombie monitor;
    c->monitor_pid = monitor.pid;
    c->monitor_start = monitor.start;
    REQUIRE(save_status(t.cfg, *c).ok());
    CHECK(find_container(t.cfg, c->id)->state == ContainerState::kExited);
}

TEST_CASE("parallel creators never share a name") {
    TempStore t;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (create_container(t.cfg, def("same")).ok()) ++ok;
        });
    for (auto& th : threads) th.join();
    CHECK(ok == 1);
    CHECK(list_containers(t.cfg)->size() == 1);
}

TEST_CASE("status: cgroups by hierarchy and paused round-trip; old records get hierarchies from their dirs") {
    ContainerStatus s;
    s.state = ContainerState::kRunning;
    s.cgroups = {{"memory", "/sys/fs/cgroup/memory/skiff-x"}, {"", "/sys/fs/cgroup/unified/skiff-x"}};
    s.paused = true;
    std::string json = serialize_status(s);
    CHECK(json.find("cgroup_dirs") == std::string::npos);  // the old list is read, no longer written
    auto back = parse_status(json);
    REQUIRE(back.ok());
    CHECK(back->cgroups == s.cgroups);
    CHECK(back->paused);

    auto old = parse_status(R"({"state":"running","cgroup_dirs":["/sys/fs/cgroup/cpu,cpuacct/a/skiff-y",)"
                            R"("/sys/fs/cgroup/pids/a/skiff-y","/sys/fs/cgroup/unified/a/skiff-y"]})");
    REQUIRE(old.ok());
    CHECK(old->cgroups == std::map<std::string, std::string>{{"cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/a/skiff-y"},
                                                             {"pids", "/sys/fs/cgroup/pids/a/skiff-y"},
                                                             {"", "/sys/fs/cgroup/unified/a/skiff-y"}});
    CHECK_FALSE(old->paused);
    auto pure_v2 = parse_status(R"({"state":"running","cgroup_dirs":["/sys/fs/cgroup/user.slice/skiff-z"]})");
    REQUIRE(pure_v2.ok());
    CHECK(pure_v2->cgroups == std::map<std::string, std::string>{{"", "/sys/fs/cgroup/user.slice/skiff-z"}});
}

TEST_CASE("status_name: paused only while running") {
    Container c;
    c.state = ContainerState::kRunning;
    CHECK(std::string(status_name(c)) == "running");
    c.paused = true;
    CHECK(std::string(status_name(c)) == "paused");
    c.state = ContainerState::kExited;
    CHECK(std::string(status_name(c)) == "exited");
}

TEST_CASE("a damaged record is listed with its damage, an error unless asked for, and removable") {
    TempStore t;
    auto c = create_container(t.cfg, def("hurt"));
    REQUIRE(c.ok());
    std::string config = container_dir(t.cfg, c->id) + "/config.json";
    std::string state = container_run_dir(t.cfg, c->id) + "/state.json";
    REQUIRE(fs::write_file_atomic(config, "{\"id\": \"", fs::Durability::kNoSync).ok());
    auto listed = list_containers(t.cfg);
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().id == c->id);
    CHECK(listed->front().name == "hurt");  // from the name reservation
    CHECK(listed->front().damage.find(config) == 0);
    auto strict = find_container(t.cfg, "hurt");
    REQUIRE_FALSE(strict.ok());
    CHECK(strict.error().message.find(config) != std::string::npos);
    REQUIRE(fs::write_file_atomic(state, "", fs::Durability::kNoSync).ok());
    auto both = find_container(t.cfg, c->id, true);
    REQUIRE(both.ok());
    CHECK(both->state == ContainerState::kUnknown);
    CHECK(both->damage.find(state + ": missing") == std::string::npos);
    CHECK(both->damage.find(state) != std::string::npos);
    REQUIRE(remove_container(t.cfg, *both).ok());
    CHECK(list_containers(t.cfg)->empty());
    CHECK(create_container(t.cfg, def("hurt")).ok());
}

TEST_CASE("a reservation whose creator is gone, and a record renamed aside, are swept when met") {
    TempStore t;
    std::string ghost(64, 'e');
    REQUIRE(fs::mkdir_p(t.cfg.root + "/containers/names").ok());
    REQUIRE(::symlink(ghost.c_str(), (t.cfg.root + "/containers/names/ghost").c_str()) == 0);
    REQUIRE(fs::mkdir_p(container_run_dir(t.cfg, ghost)).ok());
    CHECK(find_container(t.cfg, "ghost").error().missing);
    struct stat st;
    CHECK(::lstat((t.cfg.root + "/containers/names/ghost").c_str(), &st) < 0);
    CHECK_FALSE(sys::exists(container_run_dir(t.cfg, ghost)));
    auto c = create_container(t.cfg, def("ghost"));
    REQUIRE(c.ok());
    // A remove killed after its first rename: gone, and its names free.
    REQUIRE(::rename(container_dir(t.cfg, c->id).c_str(), (t.cfg.root + "/containers/.removing-" + c->id).c_str()) == 0);
    CHECK(list_containers(t.cfg)->empty());
    CHECK_FALSE(sys::exists(t.cfg.root + "/containers/.removing-" + c->id));
    CHECK(create_container(t.cfg, def("ghost")).ok());
}
