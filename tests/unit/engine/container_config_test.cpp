#include <catch2/catch.hpp>

#include <signal.h>

#include "skiff/engine/container_config.hpp"
#include "skiff/engine/run.hpp"

using namespace skiff;
using namespace skiff::engine;

namespace {

// Options touching every part of the configuration.
RunOptions everything() {
    RunOptions o;
    o.image = "busybox";
    o.entrypoint = R"(["/bin/sh","-c"])";
    o.command = {"echo hi"};
    o.env = {"A=1", "FROM_HOST"};
    o.workdir = "/srv";
    o.user = "1000:1000";
    o.hostname = "box";
    o.name = "c1";
    o.interactive = true;
    o.tty = true;
    o.detach = true;
    o.network = "none";
    o.expose = {"8080/udp"};
    o.volumes = {"data:/d:ro", "/host:/h", "anon:/a"};
    o.anonymous_volumes = {"anon"};
    o.tmpfs = {"/t:size=1m"};
    o.read_only = true;
    o.devices = {"/dev/null:/dev/n:r"};
    o.device_cgroup_rules = {"c 7:* rwm"};
    o.cap_add = {"SYS_ADMIN"};
    o.cap_drop = {"CHOWN"};
    o.security_opt = {"no-new-privileges", "seccomp=/p.json", "mask=/x:/y", "unmask=/proc/kcore"};
    o.labels = {{"k", "v"}};
    o.restart = "on-failure:3";
    o.log_driver = "json-file";
    o.log_opts = {"max-size=10k", "path=/var/log/c.log"};
    o.stop_signal = "SIGINT";
    o.stop_timeout = 7;
    o.cgroup_parent = "/parent";
    o.memory = "64m";
    o.memory_swap = "128m";
    o.cpus = "1.5";
    o.cpu_shares = 512;
    o.cpuset_cpus = "0";
    o.pids_limit = 30;
    o.ulimits = {"nofile=10:20", "host"};
    o.oom_score_adj = -5;
    o.pidfile = "/run/c.pid";
    o.runtime = "/opt/rt/skiff";
    return o;
}

}  // namespace

TEST_CASE("configure: the options typed once: sizes in bytes, policies, signals, mounts, security") {
    ConfigInputs in;
    in.host_env = {{"FROM_HOST", "h"}};
    in.env_file_lines = {"# c", "A=file", "B=file"};
    auto c = configure(everything(), in);
    REQUIRE(c.ok());
    CHECK(c->entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
    CHECK(c->env == std::vector<std::string>{"A=1", "B=file", "FROM_HOST=h"});  // -e over --env-file, resolved
    CHECK(c->network == NetworkMode::kNone);
    REQUIRE(c->expose.size() == 1);
    CHECK(c->expose[0].port == 8080);
    CHECK(c->expose[0].protocol == "udp");
    REQUIRE(c->mounts.size() == 4);
    CHECK(c->mounts[0].kind == MountConfig::Kind::kVolume);
    CHECK_FALSE(c->mounts[0].anonymous);
    CHECK(c->mounts[1].kind == MountConfig::Kind::kBind);
    CHECK(c->mounts[2].anonymous);
    CHECK(c->mounts[3].kind == MountConfig::Kind::kTmpfs);
    REQUIRE(c->devices.size() == 1);
    CHECK(c->devices[0].container_path == "/dev/n");
    CHECK(c->devices[0].access == "r");
    CHECK(c->security.no_new_privileges);
    CHECK(c->security.seccomp == runtime::SeccompMode::kProfile);
    CHECK(c->security.mask == std::vector<std::string>{"/x", "/y"});
    CHECK(c->security.unmask == std::vector<std::string>{"/proc/kcore"});
    CHECK(c->restart == RestartPolicy{RestartPolicy::Kind::kOnFailure, 3});
    CHECK(c->log.driver == "json-file");  // kept as given (inspect shows it), written as k8s-file
    CHECK(c->log.path == "/var/log/c.log");
    CHECK(c->log.max_size == 10000);
    CHECK(c->stop_signal == SIGINT);
    CHECK(c->resources.memory == 64 * 1024 * 1024);
    CHECK(c->resources.memory_swap == 128 * 1024 * 1024);
    CHECK(c->resources.cpus == 1.5);
    CHECK(c->resources.cpu_shares == 512u);
    CHECK(c->resources.pids_limit == 30);
    REQUIRE(c->ulimits.size() == 1);  // "host": the inherited limits, nothing to set
    CHECK(c->ulimits[0] == runtime::Rlimit{"nofile", 10, 20});
    CHECK(c->oom_score_adj == -5);
}

TEST_CASE("configure: the image's stop signal unless --stop-signal; SIGTERM without either") {
    RunOptions o;
    ConfigInputs in;
    CHECK(configure(o, in)->stop_signal == SIGTERM);
    in.image_stop_signal = "SIGQUIT";
    CHECK(configure(o, in)->stop_signal == SIGQUIT);
    o.stop_signal = "9";
    CHECK(configure(o, in)->stop_signal == SIGKILL);
    CHECK(signal_name(SIGQUIT) == "SIGQUIT");
}

TEST_CASE("configure: bad options are refused, each with its reason") {
    auto error_of = [](RunOptions o) {
        auto c = configure(o, {});
        return c.ok() ? std::string() : c.error().message;
    };
    RunOptions o;
    o.restart = "sometimes";
    CHECK(error_of(o).find("invalid restart policy") != std::string::npos);
    o = RunOptions{};
    o.restart = "always";
    o.remove = true;
    CHECK(error_of(o).find("conflicts with --restart") != std::string::npos);
    o = RunOptions{};
    o.log_driver = "bogus";
    CHECK(error_of(o) == "running container create option: invalid log driver: invalid argument");
    o.log_driver = "journald";  // skiff writes no journal; the host's journal only changes the words
    CHECK(error_of(o) == "failed to initialize journal: /run/systemd/journal/socket: no such file or directory");
    ConfigInputs journal;
    journal.journal_running = true;
    auto running = configure(o, journal);
    REQUIRE_FALSE(running.ok());
    CHECK(running.error().message == "running container create option: invalid log driver: skiff writes no journald log");
    o = RunOptions{};
    o.log_opts = {"max-size=lots"};
    CHECK(error_of(o) == "invalid --log-opt max-size=lots: want a size like 10mb");
    o = RunOptions{};
    o.stop_signal = "SIGNOPE";
    CHECK_FALSE(error_of(o).empty());
    o = RunOptions{};
    o.cgroups = "disabled";
    o.memory = "1m";
    CHECK(error_of(o).find("need --cgroups enabled") != std::string::npos);
    o = RunOptions{};
    o.memory = "1m";
    o.memory_swap = "512k";
    CHECK(error_of(o).find("at least --memory") != std::string::npos);
    o = RunOptions{};
    o.devices = {"relative"};
    CHECK(error_of(o).find("absolute path") != std::string::npos);
}

TEST_CASE("the record: every field of the configuration is written and read back, with its schema") {
    auto c = configure(everything(), {});
    REQUIRE(c.ok());
    c->ports = {net::PortMapping{"127.0.0.1", 8080, 80, "tcp"}};
    std::string text = serialize_config(*c);
    CHECK(text.find("\"schema\":2") != std::string::npos);
    auto back = parse_config(text);
    REQUIRE(back.ok());
    CHECK(back->image == c->image);
    CHECK(back->entrypoint == c->entrypoint);
    CHECK(back->command == c->command);
    CHECK(back->env == c->env);
    CHECK(back->workdir == c->workdir);
    CHECK(back->user == c->user);
    CHECK(back->hostname == c->hostname);
    CHECK(back->name == c->name);
    CHECK(back->interactive);
    CHECK(back->tty);
    CHECK(back->detach);
    CHECK_FALSE(back->remove);
    CHECK(back->network == c->network);
    REQUIRE(back->ports.size() == 1);
    CHECK(back->ports[0].host_ip == "127.0.0.1");
    CHECK(back->ports[0].host_port == 8080);
    CHECK(back->ports[0].container_port == 80);
    REQUIRE(back->expose.size() == 1);
    CHECK(back->expose[0].port == 8080);
    CHECK(back->mounts == c->mounts);
    CHECK(back->read_only);
    CHECK(back->devices == c->devices);
    CHECK(back->device_cgroup_rules == c->device_cgroup_rules);
    CHECK(back->cap_add == c->cap_add);
    CHECK(back->cap_drop == c->cap_drop);
    CHECK(back->security == c->security);
    CHECK(back->labels == c->labels);
    CHECK(back->restart == c->restart);
    CHECK(back->log == c->log);
    CHECK(back->stop_signal == SIGINT);
    CHECK(back->stop_timeout == 7);
    CHECK(back->cgroups);
    CHECK(back->cgroup_parent == "/parent");
    CHECK(back->resources.memory == c->resources.memory);
    CHECK(back->resources.memory_swap == c->resources.memory_swap);
    CHECK(back->resources.cpus == c->resources.cpus);
    CHECK(back->resources.cpu_shares == c->resources.cpu_shares);
    CHECK(back->resources.cpuset_cpus == c->resources.cpuset_cpus);
    CHECK(back->resources.pids_limit == c->resources.pids_limit);
    CHECK(back->ulimits == c->ulimits);
    CHECK(back->oom_score_adj == -5);
    CHECK(back->pidfile == "/run/c.pid");
    CHECK(back->runtime == "/opt/rt/skiff");
    // Unset stays unset.
    auto plain = parse_config(serialize_config(*configure(RunOptions{}, {})));
    REQUIRE(plain.ok());
    CHECK_FALSE(plain->entrypoint);
    CHECK_FALSE(plain->resources.memory);
    CHECK_FALSE(plain->oom_score_adj);
    CHECK_FALSE(plain->log.max_size);
    CHECK(plain->runtime.empty());
    // skiff's own runtime named: recorded as the default.
    RunOptions own;
    own.runtime = "skiff";
    CHECK(configure(own, {})->runtime.empty());
}

TEST_CASE("the record: schema 1 (the options an earlier skiff stored) is migrated as it is read") {
    // As skiff wrote it before the configuration was typed (1703646).
    const char* v1 = R"({"image":"bb","command":["sh","-c","echo x"],"remove":false,"interactive":false,"tty":false,)"
                     R"("env":["PATH=/bin","A=b","HOSTNAME=abc"],"env_files":[],"workdir":"/tmp","user":"","hostname":"",)"
                     R"("name":"created","network":"private","ports":[{"host_port":8080,"container_port":80,"protocol":"tcp"}],)"
                     R"("volumes":["named:/n","0123abcd:/anon"],"anonymous_volumes":["0123abcd"],"tmpfs":[],"mounts":[],)"
                     R"("read_only":false,"privileged":false,"cap_add":[],"cap_drop":[],"security_opt":[],"labels":{"k":"v"},)"
                     R"("detach":true,"restart":"on-failure:3","log_driver":"k8s-file","log_opts":["max-size=1mb"],)"
                     R"("stop_signal":"SIGINT","stop_timeout":10,"cgroups":"enabled","cgroup_parent":"","memory":"64m",)"
                     R"("memory_swap":"","cpus":"","cpu_shares":0,"cpuset_cpus":"","pids_limit":50,"oom_score_adj":3})";
    auto c = parse_config(v1);
    REQUIRE(c.ok());
    CHECK(c->command == std::vector<std::string>{"sh", "-c", "echo x"});
    CHECK(c->env == std::vector<std::string>{"PATH=/bin", "A=b", "HOSTNAME=abc"});
    CHECK(c->workdir == "/tmp");
    REQUIRE(c->ports.size() == 1);
    CHECK(c->ports[0].host_port == 8080);
    REQUIRE(c->mounts.size() == 2);
    CHECK(c->mounts[0].source == "named");
    CHECK_FALSE(c->mounts[0].anonymous);
    CHECK(c->mounts[1].anonymous);
    CHECK(c->labels.at("k") == "v");
    CHECK(c->restart == RestartPolicy{RestartPolicy::Kind::kOnFailure, 3});
    CHECK(c->log.max_size == 1000000);
    CHECK(c->stop_signal == SIGINT);
    CHECK(c->resources.memory == 64 * 1024 * 1024);
    CHECK(c->resources.pids_limit == 50);
    CHECK(c->oom_score_adj == 3);
    // Written again, it is schema 2 and reads back the same.
    auto again = parse_config(serialize_config(*c));
    REQUIRE(again.ok());
    CHECK(again->mounts == c->mounts);
    CHECK(again->restart == c->restart);
}

TEST_CASE("the record: a later schema or a damaged one is an error, not a default") {
    auto later = parse_config(R"({"schema":3,"image":"x"})");
    REQUIRE_FALSE(later.ok());
    CHECK(later.error().message.find("schema 3") != std::string::npos);
    CHECK_FALSE(parse_config("{\"schema\":2,").ok());
    CHECK_FALSE(parse_config("[]").ok());
    CHECK_FALSE(parse_config(R"({"schema":2,"mounts":[{"kind":"nfs","destination":"/x"}]})").ok());
}

TEST_CASE("a mount as inspect shows it: read-only, propagation and the rest, by whole words") {
    MountConfig m;
    m.options = {"rbind", "ro", "rslave", "nosuid"};
    auto v = mount_view(m);
    CHECK(v.read_only);
    CHECK(v.propagation == "rslave");
    CHECK(v.other == std::vector<std::string>{"rbind", "nosuid"});
    m.options = {"rw", "rprivate"};
    v = mount_view(m);
    CHECK_FALSE(v.read_only);
    CHECK(v.propagation == "rprivate");
    CHECK(v.other.empty());
}

TEST_CASE("--cgroupns: podman's modes and errors; unset, the host's default given at create") {
    using Kind = NamespaceMode::Kind;
    auto cgroupns_of = [](const std::string& text, Kind default_kind = Kind::kPrivate) -> Result<NamespaceMode> {
        RunOptions o;
        o.cgroupns = text;
        ConfigInputs in;
        in.cgroupns_default = default_kind;
        auto c = configure(o, in);
        if (!c.ok()) return c.take_error();
        return c->cgroupns;
    };
    CHECK(cgroupns_of("host")->kind == Kind::kHost);
    CHECK(cgroupns_of("private", Kind::kHost)->kind == Kind::kPrivate);
    CHECK(*cgroupns_of("container:donor") == NamespaceMode{Kind::kContainer, "donor"});
    CHECK(*cgroupns_of("ns:/proc/7/ns/cgroup") == NamespaceMode{Kind::kPath, "/proc/7/ns/cgroup"});
    CHECK(cgroupns_of("", Kind::kHost)->kind == Kind::kHost);
    CHECK(cgroupns_of("", Kind::kPrivate)->kind == Kind::kPrivate);
    auto error_of = [&](const std::string& text) {
        auto m = cgroupns_of(text);
        return m.ok() ? std::string() : m.error().message;
    };
    CHECK(error_of("bogus") == "unrecognized namespace mode bogus passed");
    CHECK(error_of("shareable") == "unrecognized namespace mode shareable passed");
    CHECK(error_of("none") == "unrecognized namespace mode none passed");
    CHECK(error_of("container:") == "invalid config provided: namespace mode container requires a value");
    CHECK(error_of("ns:") == "invalid config provided: namespace mode path requires a value");
    CHECK(error_of("pod") ==
          "cannot use pod namespace as container is not joining a pod or pod has no infra container: invalid argument");
    // ns:PATH is --cgroupns's alone here.
    RunOptions o;
    o.uts = "ns:/proc/7/ns/uts";
    auto uts = configure(o, {});
    REQUIRE_FALSE(uts.ok());
    CHECK(uts.error().message == "unrecognized namespace mode ns:/proc/7/ns/uts passed");
}

TEST_CASE("the record keeps --cgroupns; one written before it was recorded had a namespace of its own") {
    for (const char* mode : {"host", "private", "container:0123abcd", "ns:/proc/7/ns/cgroup"}) {
        RunOptions o;
        o.cgroupns = mode;
        auto c = configure(o, {});
        REQUIRE(c.ok());
        auto back = parse_config(serialize_config(*c));
        REQUIRE(back.ok());
        CHECK(back->cgroupns == c->cgroupns);
        CHECK(namespace_mode_text(back->cgroupns) == mode);
    }
    auto old = parse_config(R"({"schema":2,"image":"x","network":"private","ipc":"shareable","pid":"private","uts":"private"})");
    REQUIRE(old.ok());
    CHECK(old->cgroupns.kind == NamespaceMode::Kind::kPrivate);
    RunOptions joined;
    joined.cgroupns = "container:donor";
    joined.uts = "container:donor";
    joined.pid = "container:other";
    CHECK(namespace_donors(*configure(joined, {})) == std::vector<std::string>{"other", "donor"});
}
