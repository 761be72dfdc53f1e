#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "../../../src/runtime/command.hpp"
#include "../../../src/runtime/sync.hpp"
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
    CHECK(dir.error().message == "skiff: exec: the path `" + d.path +
                                     "` is not a regular file: Permission denied: OCI permission denied");
    auto data = find_executable(d.path + "/data", "/bin", "/");
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().exit_code == 126);
    CHECK(data.error().message == "skiff: exec: the path `" + d.path +
                                      "/data` exists but it is not executable: Permission denied: "
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

namespace {

// Forks a process that executes the sealed exec stub with `words` (its own protocol: "skiff-exec",
// the sync socket's number, the path, the command's words; "FD" in a word is that number), the
// socket's child end kept open for it as the container's process does. Returns the pid; `parent`
// is the socket's other end.
pid_t run_stub(const std::vector<std::string>& words, unique_fd* parent) {
    auto stub = sealed_exec_stub();
    REQUIRE(stub.ok());
    auto pair = sync::socket_pair();
    REQUIRE(pair.ok());
    auto& [ours, theirs] = *pair;
    std::vector<std::string> args = words;
    for (auto& a : args)
        if (auto at = a.find("FD"); at != std::string::npos) a.replace(at, 2, std::to_string(theirs.get()));
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        char* envp[] = {nullptr};
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::fcntl(theirs.get(), F_SETFD, 0);
        ::syscall(SYS_execveat, stub->get(), "", argv.data(), envp, AT_EMPTY_PATH);
        ::_exit(99);
    }
    *parent = std::move(ours);
    return pid;
}

int exit_status(pid_t pid) {
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    REQUIRE(WIFEXITED(st));
    return WEXITSTATUS(st);
}

}  // namespace

TEST_CASE("exec stub: sealed against every change") {
    auto stub = sealed_exec_stub();
    REQUIRE(stub.ok());
    CHECK((::fcntl(stub->get(), F_GET_SEALS) & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) ==
          (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
    CHECK(::write(stub->get(), "x", 1) < 0);
}

TEST_CASE("exec stub: executes the command, and the socket ends with that exec") {
    unique_fd parent;
    pid_t pid = run_stub({"skiff-exec", "FD", "/bin/sh", "sh", "-c", "[ -e /proc/self/fd/FD ] && exit 3; exit 7"}, &parent);
    auto m = sync::receive(parent.get());
    REQUIRE(m.ok());
    CHECK_FALSE(m->has_value());
    CHECK(exit_status(pid) == 7);
}

TEST_CASE("exec stub: a failed exec crosses the socket as podman's error") {
    unique_fd parent;
    pid_t pid = run_stub({"skiff-exec", "FD", "/no/such/file", "x"}, &parent);
    auto m = sync::receive(parent.get());
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    CHECK((*m)->kind == sync::Kind::kError);
    CHECK((*m)->error.code == ENOENT);
    CHECK((*m)->error.exit_code == 127);
    CHECK((*m)->error.message ==
          "skiff: exec `/no/such/file`: No such file or directory: OCI runtime attempted to invoke a command that was not found");
    CHECK(exit_status(pid) == 127);

    pid = run_stub({"skiff-exec", "FD", "/dev/null", "x"}, &parent);
    m = sync::receive(parent.get());
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    CHECK((*m)->error.code == EACCES);
    CHECK((*m)->error.exit_code == 126);
    CHECK(exit_status(pid) == 126);
}

TEST_CASE("exec stub: run any other way, it refuses") {
    unique_fd parent;
    pid_t pid = run_stub({"/proc/self/exe", "FD", "/bin/true", "true"}, &parent);
    CHECK(exit_status(pid) == 126);
    pid = run_stub({"skiff-exec", "FD", "/bin/true"}, &parent);
    CHECK(exit_status(pid) == 126);
    pid = run_stub({"skiff-exec", "3x", "/bin/true", "true"}, &parent);
    CHECK(exit_status(pid) == 126);
}
