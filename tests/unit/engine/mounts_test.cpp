#include <catch2/catch.hpp>

#include "skiff/engine/run.hpp"
#include "skiff/engine/spec.hpp"

using namespace skiff;
using namespace skiff::engine;

namespace {

Result<std::vector<runtime::Mount>> mounts(std::vector<std::string> volumes, std::vector<std::string> tmpfs = {},
                                           std::vector<std::string> flags = {}) {
    RunOptions o;
    o.volumes = std::move(volumes);
    o.tmpfs = std::move(tmpfs);
    o.mounts = std::move(flags);
    return runtime_mounts(TRY(parse_mounts(o)), "/store/volumes");
}

std::string error_of(const Result<std::vector<runtime::Mount>>& r) { return r.ok() ? "" : r.error().message; }

}  // namespace

TEST_CASE("mounts: -v HOST:CONTAINER is a recursive, private bind mount; its options as podman takes them") {
    auto m = mounts({"/srv/data/:/data", "/etc/x.conf:/etc/x.conf:ro,z,rshared,nosuid", "/a:/b:bind,noexec"});
    REQUIRE(m.ok());
    REQUIRE(m->size() == 3);
    CHECK((*m)[0].type == "bind");
    CHECK((*m)[0].source == "/srv/data");
    CHECK((*m)[0].destination == "/data");
    CHECK((*m)[0].options == std::vector<std::string>{"rbind", "rprivate"});
    // z/Z relabel for SELinux, which this host does not have: accepted, nothing to do.
    CHECK((*m)[1].options == std::vector<std::string>{"rbind", "ro", "rshared", "nosuid"});
    CHECK((*m)[2].options == std::vector<std::string>{"bind", "noexec", "rprivate"});
}

TEST_CASE("mounts: -v refuses what it cannot bind, with podman's words") {
    // An anonymous volume is named (name_anonymous_volumes) before it gets here.
    CHECK(error_of(mounts({"/only"})).find("has no name") != std::string::npos);
    CHECK(error_of(mounts({"/a:ro"})) == "invalid container path \"ro\", must be an absolute path");
    CHECK(error_of(mounts({"bad name:/x"})).find("invalid volume name") != std::string::npos);
    CHECK(error_of(mounts({"foo"})) == "invalid container path \"foo\", must be an absolute path");
    CHECK(error_of(mounts({"/a:/"})).find("cannot replace the container's root") != std::string::npos);
    CHECK(error_of(mounts({"/a:/x/.."})).find("cannot replace the container's root") != std::string::npos);
    CHECK(error_of(mounts({"/a:/b:bogus"})) == "invalid option type \"bogus\"");
    CHECK(error_of(mounts({"/a:/b:ro,rw"})).find("more than once") != std::string::npos);
    CHECK(error_of(mounts({"/a:/b:"})).find("empty options") != std::string::npos);
    CHECK(error_of(mounts({"/a:/b:ro:x"})).find("invalid volume specification") != std::string::npos);
    CHECK(error_of(mounts({":/b"})).find("invalid volume specification") != std::string::npos);
    CHECK(error_of(mounts({"/a:/b", "/c:/b/"})) == "/b: duplicate mount destination");
    CHECK(error_of(mounts({"./rel:/b"})).find("must be an absolute path") != std::string::npos);  // made absolute first
}

TEST_CASE("mounts: one mount given twice alike is one mount; two different ones on a destination are refused") {
    auto same = mounts({"/a:/vol1", "/a:/vol1", "v1:/v2", "v1:/v2"}, {"/t", "/t"});
    REQUIRE(same.ok());
    CHECK(same->size() == 3);
    CHECK(error_of(mounts({"/a:/vol1", "/b:/vol1"})) == "/vol1: duplicate mount destination");
    CHECK(error_of(mounts({"v1:/vol1", "v2:/vol1"})) == "/vol1: duplicate mount destination");
    CHECK(error_of(mounts({}, {"/t", "/t:ro"})) == "/t: duplicate mount destination");
    CHECK(error_of(mounts({"v2:/vol2"}, {"/vol2"})) == "/vol2: duplicate mount destination");
    CHECK(error_of(mounts({"/a:/vol1"}, {"/vol1"})) == "/vol1: duplicate mount destination");
}

TEST_CASE("mounts: --tmpfs: podman's defaults unless chosen, size and mode passed to the file system") {
    auto m = mounts({}, {"/tmp", "/run/x:size=64m,mode=1777,exec,notmpcopyup", "/y:tmpcopyup"});
    REQUIRE(m.ok());
    CHECK((*m)[0].type == "tmpfs");
    // As podman: the image's files at the path are copied in (tmpcopyup) unless notmpcopyup.
    CHECK((*m)[0].options == std::vector<std::string>{"rw", "noexec", "nosuid", "nodev", "tmpcopyup"});
    CHECK((*m)[1].options == std::vector<std::string>{"rw", "nosuid", "nodev", "size=64m", "mode=1777", "exec"});
    CHECK((*m)[2].options == std::vector<std::string>{"rw", "noexec", "nosuid", "nodev", "tmpcopyup"});
    CHECK(error_of(mounts({}, {"tmp"})).find("must be an absolute path") != std::string::npos);
    CHECK(error_of(mounts({}, {"/y:notmpcopyup,tmpcopyup"})).find("can only be set once") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=bind,src=/h,dst=/c,tmpcopyup"})).find("type=tmpfs only") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=tmpfs,dst=/c,tmpcopyup=false"})).find("unknown option") != std::string::npos);
    // Checked when the container is made: never a bind of a host path named "tmpfs", never a start that fails later.
    for (const char* bad : {"/x:rbind", "/x:bind", "/x:foo", "/x:size=abc", "/x:size=", "/x:mode=zz", "/x:uid=-1"})
        CHECK(error_of(mounts({}, {bad})).find("invalid tmpfs option") != std::string::npos);
    CHECK(mounts({}, {"/x:size=50%,uid=1000,gid=1000,nr_inodes=400,noatime"}).ok());
}

TEST_CASE("mounts: --mount type=image, read-only unless rw or readwrite, its layers found at the start") {
    auto m = mounts({}, {}, {"type=image,src=busybox,dst=/i", "type=image,source=alpine:3,target=/j,rw=true",
                             "type=image,src=x,dst=/k,readwrite=true"});
    REQUIRE(m.ok());
    CHECK((*m)[0].type == "image");
    CHECK((*m)[0].source == "busybox");
    CHECK((*m)[0].options == std::vector<std::string>{"ro"});
    CHECK((*m)[1].source == "alpine:3");
    CHECK((*m)[1].options == std::vector<std::string>{"rw"});
    CHECK((*m)[2].options == std::vector<std::string>{"rw"});
    CHECK(error_of(mounts({}, {}, {"type=image,src=x,dst=/k,tmpfs-size=1m"})).find("not for type=image") != std::string::npos);
}

TEST_CASE("mounts: --mount type=bind and type=tmpfs, with their keys and aliases") {
    auto m = mounts({}, {}, {"type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave",
                             "type=bind,source=/h2,target=/c2,bind-nonrecursive=true,relabel=shared",
                             "type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700"});
    REQUIRE(m.ok());
    CHECK((*m)[0].source == "/h");
    CHECK((*m)[0].options == std::vector<std::string>{"rbind", "ro", "rslave"});
    CHECK((*m)[1].options == std::vector<std::string>{"bind", "rprivate"});
    CHECK((*m)[2].type == "tmpfs");
    CHECK((*m)[2].options == std::vector<std::string>{"rw", "noexec", "nosuid", "nodev", "size=1m", "mode=700", "tmpcopyup"});
    CHECK(error_of(mounts({}, {}, {"type=bind,src=/h"})).find("target") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=bind,dst=/c"})).find("source") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=tmpfs,src=/h,dst=/c"})).find("no source") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=volume,dst=/c"})).find("has no name") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=volume,src=/h,dst=/c"})).find("its name, not a path") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=devpts,dst=/c"})).find("unsupported mount type") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=image,dst=/c"})).find("needs source=IMAGE") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=bind,src=/h,dst=/c,color=red"})).find("unknown option \"color\"") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=bind,src=/h,dst=/c,ro=maybe"})).find("want true or false") != std::string::npos);
    CHECK(error_of(mounts({}, {}, {"type=tmpfs,dst=/t,tmpfs-size=big"})).find("invalid tmpfs option") != std::string::npos);
}

TEST_CASE("mounts: --mount paths may hold ':' (the flag's fields are split on ',' only)") {
    auto m = mounts({}, {}, {"type=bind,src=/srv/a:b,dst=/data:1,ro", "type=tmpfs,dst=/run/x:y,tmpfs-size=1m,notmpcopyup"});
    REQUIRE(m.ok());
    CHECK((*m)[0].source == "/srv/a:b");
    CHECK((*m)[0].destination == "/data:1");
    CHECK((*m)[0].options == std::vector<std::string>{"rbind", "ro", "rprivate"});
    CHECK((*m)[1].destination == "/run/x:y");
    CHECK((*m)[1].options == std::vector<std::string>{"rw", "noexec", "nosuid", "nodev", "size=1m"});
}

TEST_CASE("mounts: a named volume is a bind mount of its data directory; anonymous ones are named first") {
    RunOptions o;
    o.volumes = {"data:/var/lib/db:ro", "/cache", "/host:/h", "/tmp2"};
    o.mounts = {"type=volume,target=/v", "type=volume,src=logs,dst=/l", "type=bind,src=/x,dst=/x"};
    int n = 0;
    auto made = name_anonymous_volumes(o, [&] { return "anon" + std::to_string(++n); });
    CHECK(made == std::vector<std::string>{"anon1", "anon2", "anon3"});
    CHECK(o.volumes == std::vector<std::string>{"data:/var/lib/db:ro", "anon1:/cache", "/host:/h", "anon2:/tmp2"});
    CHECK(o.mounts[0] == "type=volume,target=/v,source=anon3");
    auto config = configure(o, {});
    REQUIRE(config.ok());
    CHECK(volume_names(*config) == std::vector<std::string>{"data", "anon1", "anon2", "anon3", "logs"});
    CHECK(anonymous_volume_names(*config) == std::vector<std::string>{"anon1", "anon2", "anon3"});
    CHECK(config->mounts[0].kind == MountConfig::Kind::kVolume);
    CHECK(config->mounts[0].source == "data");
    CHECK(config->mounts[2].kind == MountConfig::Kind::kBind);
    auto m = runtime_mounts(config->mounts, "/store/volumes");
    REQUIRE(m.size() == 7);
    CHECK(m[0].source == "/store/volumes/data/_data");
    CHECK(m[0].destination == "/var/lib/db");
    // A volume is nosuid and nodev unless asked (as podman), a host path is not.
    CHECK(m[0].options == std::vector<std::string>{"rbind", "ro", "rprivate", "nosuid", "nodev"});
    CHECK(m[1].source == "/store/volumes/anon1/_data");
    CHECK(m[2].options == std::vector<std::string>{"rbind", "rprivate"});
    CHECK(m[5].source == "/store/volumes/logs/_data");
}

TEST_CASE("mounts: relative host paths are made absolute against the working directory, before they are stored") {
    RunOptions o;
    o.volumes = {"./data:/d:ro", "../up:/u", "/abs:/a", "name:/n"};
    o.mounts = {"type=bind,src=./x,dst=/x", "type=tmpfs,dst=/t"};
    absolute_mount_sources(o, "/home/me/project");
    CHECK(o.volumes == std::vector<std::string>{"/home/me/project/data:/d:ro", "/home/me/up:/u", "/abs:/a", "name:/n"});
    CHECK(o.mounts == std::vector<std::string>{"type=bind,src=/home/me/project/x,dst=/x", "type=tmpfs,dst=/t"});
}

TEST_CASE("mounts: the user's mounts replace podman's default ones at the same place") {
    RunOptions o;
    o.command = {"true"};
    o.volumes = {"/my/hosts:/etc/hosts:ro"};
    o.tmpfs = {"/dev/shm:size=1m"};
    SpecInputs in;
    in.container_id = std::string(64, 'a');
    in.run_dir = "/run/x";
    in.volumes_dir = "/store/volumes";
    auto config = configure(o, {});
    REQUIRE(config.ok());
    auto spec = make_spec(oci::ImageConfig{}, *config, in);
    REQUIRE(spec.ok());
    int hosts = 0, shm = 0;
    for (auto& m : spec->mounts) {
        if (m.destination == "/etc/hosts") {
            ++hosts;
            CHECK(m.source == "/my/hosts");
        }
        if (m.destination == "/dev/shm") {
            ++shm;
            CHECK(std::find(m.options.begin(), m.options.end(), "size=1m") != m.options.end());
        }
    }
    CHECK(hosts == 1);
    CHECK(shm == 1);
}
