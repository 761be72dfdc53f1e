#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/runtime/exec.hpp"
#include "skiff/base/fs.hpp"

using namespace skiff;
using namespace skiff::runtime;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/skiff-exec-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { (void)fs::remove_all(path); }
};

void make_file(const std::string& path, mode_t mode) {
    REQUIRE(fs::write_file_atomic(path, "#!/bin/sh\n", fs::Durability::kNoSync, mode).ok());
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("env_value and process_env") {
    std::vector<std::string> env = {"PATH=/a", "X=1", "PATH=/b"};
    CHECK(env_value(env, "PATH", "/default") == "/b");
    CHECK(env_value(env, "HOME", "/default") == "/default");
    CHECK(env_value({"PATHX=/c"}, "PATH", "/d") == "/d");
    CHECK(process_env(env, "/home/a").back() == "HOME=/home/a");
    CHECK(process_env({"HOME=/x"}, "/home/a") == std::vector<std::string>{"HOME=/x"});
    CHECK(process_env({}, "").back() == "HOME=/");
}

TEST_CASE("find_executable looks through PATH, skipping what is missing") {
    TempDir d;
    REQUIRE(fs::mkdir_p(d.path + "/a").ok());
    REQUIRE(fs::mkdir_p(d.path + "/b").ok());
    make_file(d.path + "/b/tool", 0755);
    std::string path_list = d.path + "/missing:" + d.path + "/a:" + d.path + "/b";
    auto r = find_executable("tool", path_list, "/");
    REQUIRE(r.ok());
    CHECK(*r == d.path + "/b/tool");
}

TEST_CASE("find_executable: not found is 127 with crun's and podman's words") {
    TempDir d;
    auto r = find_executable("nosuch", d.path, "/");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().exit_code == 127);
    CHECK(r.error().message ==
          "skiff: executable file `nosuch` not found in $PATH: No such file or directory: "
          "OCI runtime attempted to invoke a command that was not found");
    auto abs = find_executable(d.path + "/nosuch", "/bin", "/");
    REQUIRE_FALSE(abs.ok());
    CHECK(abs.error().exit_code == 127);
    CHECK(abs.error().message == "skiff: executable file `" + d.path +
                                     "/nosuch` not found: No such file or directory: "
                                     "OCI runtime attempted to invoke a command that was not found");
}

TEST_CASE("find_executable: a directory or a file without x is 126") {
    TempDir d;
    make_file(d.path + "/data", 0644);
    auto dir = find_executable(d.path, "/bin", "/");
    REQUIRE_FALSE(dir.ok());
    CHECK(dir.error().exit_code == 126);
    CHECK(dir.error().message == "skiff: the path `" + d.path +
                                     "` is not a regular file: Operation not permitted: OCI permission denied");
    auto data = find_executable(d.path + "/data", "/bin", "/");
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().exit_code == 126);
    CHECK(data.error().message == "skiff: the path `" + d.path +
                                      "/data` exists but it is not executable: Operation not permitted: "
                                      "OCI permission denied");
    // Found only as a non-executable file in PATH: that is what gets reported.
    auto in_path = find_executable("data", d.path, "/");
    REQUIRE_FALSE(in_path.ok());
    CHECK(in_path.error().exit_code == 126);
}

TEST_CASE("find_executable: a relative name with a slash is taken from the working directory") {
    TempDir d;
    REQUIRE(fs::mkdir_p(d.path + "/bin").ok());
    make_file(d.path + "/bin/run", 0755);
    auto r = find_executable("bin/run", "/nowhere", d.path);
    REQUIRE(r.ok());
    CHECK(*r == d.path + "/bin/run");
}
