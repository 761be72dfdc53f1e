#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "skiff/engine/run.hpp"
#include "skiff/engine/spec.hpp"

using namespace skiff;
using namespace skiff::engine;

namespace {

oci::ImageConfig image() {
    oci::ImageConfig img;
    img.config.env = {"PATH=/custom/bin:/bin", "FROM_IMAGE=1"};
    img.config.entrypoint = std::vector<std::string>{"/entry"};
    img.config.cmd = std::vector<std::string>{"--default"};
    img.config.working_dir = "/srv";
    img.config.user = "daemon";
    return img;
}

SpecInputs inputs() {
    SpecInputs in;
    in.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    in.run_dir = "/run/x";
    in.cache_dir = "/run/cache";
    return in;
}

ConfigInputs config_inputs() {
    ConfigInputs in;
    in.host_env = {{"HOME", "/root"}, {"LANG", "C.UTF-8"}, {"LC_ALL", "C"}};
    return in;
}

// The options configured, then the spec made of them: what create and start do between them.
Result<runtime::Spec> spec_of(const oci::ImageConfig& img, const RunOptions& o, const SpecInputs& in,
                              const ConfigInputs& ci = config_inputs()) {
    auto config = TRY(configure(o, ci));
    return make_spec(img, config, in);
}

Result<std::vector<std::string>> args_of(const RunOptions& o) {
    auto config = TRY(configure(o, {}));
    return make_args(image().config, config);
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("args combine entrypoint and cmd as docker does") {
    RunOptions o;
    CHECK(*args_of(o) == std::vector<std::string>{"/entry", "--default"});
    o.command = {"x", "y"};
    CHECK(*args_of(o) == std::vector<std::string>{"/entry", "x", "y"});
    o.entrypoint = "/other";  // an explicit entrypoint drops the image's Cmd
    o.command.clear();
    CHECK(*args_of(o) == std::vector<std::string>{"/other"});
    o.entrypoint = R"(["/bin/sh","-c"])";
    o.command = {"echo hi"};
    CHECK(*args_of(o) == std::vector<std::string>{"/bin/sh", "-c", "echo hi"});
    o.entrypoint = "";
    o.command.clear();
    auto none = args_of(o);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("no command or entrypoint") != std::string::npos);
}

TEST_CASE("environment: defaults < image < env-file < -e, names kept in order") {
    RunOptions o;
    o.env = {"A=from-flag", "HOME", "NOPE", "LC_*"};
    ConfigInputs ci = config_inputs();
    ci.env_file_lines = {"# comment", "", "A=from-file", "B=file"};
    auto spec = spec_of(image(), o, inputs(), ci);
    REQUIRE(spec.ok());
    auto& env = spec->env;
    CHECK(env.front() == "PATH=/custom/bin:/bin");  // the image's PATH replaces the default in place
    CHECK(has(env, "FROM_IMAGE=1"));
    CHECK(has(env, "A=from-flag"));
    CHECK(has(env, "B=file"));
    CHECK(has(env, "HOME=/root"));
    CHECK(has(env, "LC_ALL=C"));
    CHECK(has(env, "HOSTNAME=0123456789ab"));
    CHECK_FALSE(std::any_of(env.begin(), env.end(), [](auto& e) { return e.rfind("NOPE", 0) == 0; }));
    CHECK(merge_env({"A=1", "B=2"}, {"B=3", "C=4"}) == std::vector<std::string>{"A=1", "B=3", "C=4"});
}

TEST_CASE("process settings come from the image unless the options override them") {
    RunOptions o;
    auto spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(spec->cwd == "/srv");
    CHECK(spec->user == "daemon");
    CHECK(spec->hostname == "0123456789ab");
    CHECK(spec->namespaces.net.kind == runtime::Namespace::Kind::kNew);
    o.workdir = "/tmp";
    o.user = "1000:1000";
    o.hostname = "box";
    o.network = "host";
    o.tty = true;
    spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(spec->cwd == "/tmp");
    CHECK(spec->user == "1000:1000");
    CHECK(spec->hostname == "box");
    CHECK(spec->namespaces.net.kind == runtime::Namespace::Kind::kHost);
    CHECK(spec->terminal);
    CHECK(has(spec->env, "TERM=xterm"));
}

TEST_CASE("the container gets its /etc files bind-mounted from the run directory") {
    auto spec = spec_of(image(), RunOptions{}, inputs());
    REQUIRE(spec.ok());
    for (auto f : {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}) {
        auto it = std::find_if(spec->mounts.begin(), spec->mounts.end(), [&](auto& m) { return m.destination == f; });
        REQUIRE(it != spec->mounts.end());
        CHECK(it->source == std::string("/run/x") + (f + 4));
    }
}

TEST_CASE("security options") {
    RunOptions o;
    o.security_opt = {"no-new-privileges", "seccomp=unconfined"};
    auto spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(spec->no_new_privileges);
    CHECK(spec->seccomp == runtime::SeccompMode::kUnconfined);
    o.security_opt = {"seccomp=/etc/profile.json"};
    spec = spec_of(image(), o, inputs());
    CHECK(spec->seccomp == runtime::SeccompMode::kProfile);
    CHECK(spec->seccomp_profile == "/etc/profile.json");
    o.security_opt = {"bogus=1"};
    CHECK_FALSE(spec_of(image(), o, inputs()).ok());
    o.security_opt = {"unmask=ALL"};
    spec = spec_of(image(), o, inputs());
    CHECK(spec->masked_paths.empty());
}

TEST_CASE("capabilities: defaults, add, drop, privileged") {
    RunOptions o;
    auto spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(has(spec->capabilities, "CAP_CHOWN"));
    CHECK_FALSE(has(spec->capabilities, "CAP_SYS_ADMIN"));
    o.cap_add = {"sys_admin"};
    o.cap_drop = {"CAP_CHOWN"};
    spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(has(spec->capabilities, "CAP_SYS_ADMIN"));
    CHECK_FALSE(has(spec->capabilities, "CAP_CHOWN"));
    o = RunOptions{};
    o.privileged = true;
    spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    CHECK(has(spec->capabilities, "CAP_SYS_ADMIN"));
    CHECK(spec->seccomp == runtime::SeccompMode::kUnconfined);
    CHECK(spec->masked_paths.empty());
    o.cap_add = {"CAP_NOT_A_THING"};
    CHECK_FALSE(spec_of(image(), o, inputs()).ok());
}

TEST_CASE("bad options are refused before anything exists") {
    RunOptions o;
    o.network = "bridge0";
    CHECK_FALSE(spec_of(image(), o, inputs()).ok());
    o = RunOptions{};
    o.workdir = "relative";
    CHECK_FALSE(spec_of(image(), o, inputs()).ok());
}

TEST_CASE("ulimits and oom score adjustment reach the spec; bad ones are refused") {
    RunOptions o;
    o.ulimits = {"nofile=1024:2048", "core=-1", "host", "nproc=100"};
    o.oom_score_adj = 500;
    auto spec = spec_of(image(), o, inputs());
    REQUIRE(spec.ok());
    REQUIRE(spec->rlimits.size() == 3);
    CHECK(spec->rlimits[0] == runtime::Rlimit{"nofile", 1024, 2048});
    CHECK(spec->rlimits[1].soft == spec->rlimits[1].hard);
    CHECK(spec->rlimits[2] == runtime::Rlimit{"nproc", 100, 100});
    CHECK(spec->oom_score_adj == 500);

    for (const char* bad : {"nofile", "files=10", "nofile=2048:1024", "nofile=ten", "nofile=1:"}) {
        RunOptions b;
        b.ulimits = {bad};
        CHECK_FALSE(spec_of(image(), b, inputs()).ok());
    }
    RunOptions b;
    b.oom_score_adj = 1001;
    CHECK_FALSE(spec_of(image(), b, inputs()).ok());
}

TEST_CASE("--cgroupns in the spec: new, the host's, a running donor's, or the file named") {
    using Kind = runtime::Namespace::Kind;
    auto cgroup_of = [](const std::string& mode, const SpecInputs& in = inputs()) {
        RunOptions o;
        o.cgroupns = mode;
        auto spec = spec_of(image(), o, in);
        REQUIRE(spec.ok());
        return spec->namespaces.cgroup;
    };
    CHECK(cgroup_of("private") == runtime::Namespace{Kind::kNew, ""});
    CHECK(cgroup_of("host") == runtime::Namespace{Kind::kHost, ""});
    CHECK(cgroup_of("ns:/run/netns/x") == runtime::Namespace{Kind::kJoin, "/run/netns/x"});
    SpecInputs in = inputs();
    in.donors["abc"] = NamespaceDonor{4242, "donorhost", ""};
    CHECK(cgroup_of("container:abc", in) == runtime::Namespace{Kind::kJoin, "/proc/4242/ns/cgroup"});
    // Not running: no path, which the runtime refuses.
    CHECK(cgroup_of("container:abc") == runtime::Namespace{Kind::kJoin, ""});
}

namespace {

// The container's /dev/shm mount: none (nullptr) or the one.
const runtime::Mount* shm_mount(const runtime::Spec& spec) {
    auto it = std::find_if(spec.mounts.begin(), spec.mounts.end(), [](auto& m) { return m.destination == "/dev/shm"; });
    return it == spec.mounts.end() ? nullptr : &*it;
}

Result<runtime::Spec> spec_with_ipc(NamespaceMode ipc, const SpecInputs& in, std::optional<int64_t> shm_size = {}) {
    auto config = TRY(configure(RunOptions{}, config_inputs()));
    config.ipc = std::move(ipc);
    config.shm_size = shm_size;
    return make_spec(image(), config, in);
}

}  // namespace

TEST_CASE("/dev/shm: a shareable container binds its host tmpfs, a joiner the donor's, private has its own") {
    using Kind = NamespaceMode::Kind;
    SpecInputs in = inputs();
    in.shm_dir = "/run/x/shm";
    in.donors["donor"] = NamespaceDonor{42, "donorhost", "/run/donor/shm"};
    in.donors["bare"] = NamespaceDonor{43, "barehost", ""};

    auto shareable = spec_with_ipc({Kind::kShareable, {}}, in);
    REQUIRE(shareable.ok());
    REQUIRE(shm_mount(*shareable));
    CHECK(shm_mount(*shareable)->type == "bind");
    CHECK(shm_mount(*shareable)->source == "/run/x/shm");
    CHECK(has(shm_mount(*shareable)->options, "noexec"));

    auto joiner = spec_with_ipc({Kind::kContainer, "donor"}, in);
    REQUIRE(joiner.ok());
    REQUIRE(shm_mount(*joiner));
    CHECK(shm_mount(*joiner)->source == "/run/donor/shm");

    // A donor without a host tmpfs (rootless, or started by an older skiff): a tmpfs of its own.
    for (NamespaceMode mode : {NamespaceMode{Kind::kContainer, "bare"}, NamespaceMode{Kind::kPrivate, {}}}) {
        auto own = spec_with_ipc(mode, in, 1 << 20);
        REQUIRE(own.ok());
        REQUIRE(shm_mount(*own));
        CHECK(shm_mount(*own)->type == "tmpfs");
        CHECK(has(shm_mount(*own)->options, "size=1048576"));
    }
    // Rootless: no host directory, a tmpfs of its own.
    auto rootless = spec_with_ipc({Kind::kShareable, {}}, inputs());
    REQUIRE(rootless.ok());
    CHECK(shm_mount(*rootless)->type == "tmpfs");

    auto host = spec_with_ipc({Kind::kHost, {}}, in);
    REQUIRE(host.ok());
    CHECK(shm_mount(*host)->source == "/dev/shm");
    auto none = spec_with_ipc({Kind::kNone, {}}, in);
    REQUIRE(none.ok());
    CHECK(shm_mount(*none) == nullptr);
}

TEST_CASE("/dev/shm: the host tmpfs is mode 1777, --shm-size or podman's 64m") {
    ContainerConfig config;
    CHECK(shm_tmpfs_data(config) == "mode=1777,size=67108864");
    config.shm_size = 1 << 20;
    CHECK(shm_tmpfs_data(config) == "mode=1777,size=1048576");
    config.shm_size = 0;
    CHECK(shm_tmpfs_data(config) == "mode=1777");
}
