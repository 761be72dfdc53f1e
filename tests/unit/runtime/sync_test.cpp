#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/runtime/sync.hpp"

using namespace skiff;
using namespace skiff::runtime;

TEST_CASE("sync: an error crosses the socket with its errno, exit code and message") {
    auto pair = sync::socket_pair();
    REQUIRE(pair.ok());
    auto& [parent, child] = *pair;
    sync::send_error(child.get(), Error{ENOENT, "executable file `x` not found", 127});
    auto m = sync::receive(parent.get());
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    CHECK((*m)->kind == sync::Kind::kError);
    CHECK((*m)->error.code == ENOENT);
    CHECK((*m)->error.exit_code == 127);
    CHECK((*m)->error.message == "executable file `x` not found");
}

TEST_CASE("sync: the release, a passed descriptor, then the end of the stream") {
    auto pair = sync::socket_pair();
    REQUIRE(pair.ok());
    auto& [parent, child] = *pair;
    REQUIRE(sync::send_release(parent.get()).ok());
    auto release = sync::receive(child.get());
    REQUIRE(release.ok());
    CHECK((*release)->kind == sync::Kind::kRelease);

    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(sync::send_terminal(child.get(), fd).ok());
    ::close(fd);
    auto term = sync::receive(parent.get());
    REQUIRE(term.ok());
    REQUIRE((*term)->kind == sync::Kind::kTerminal);
    REQUIRE((*term)->fd.valid());
    struct stat st;
    REQUIRE(::fstat((*term)->fd.get(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK((::fcntl((*term)->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);

    child.reset();
    auto end = sync::receive(parent.get());
    REQUIRE(end.ok());
    CHECK_FALSE(end->has_value());
}

TEST_CASE("sync: a long message is cut, not lost") {
    auto pair = sync::socket_pair();
    REQUIRE(pair.ok());
    auto& [parent, child] = *pair;
    sync::send_error(child.get(), Error{0, std::string(20000, 'm'), 126});
    auto m = sync::receive(parent.get());
    REQUIRE(m.ok());
    CHECK((*m)->error.exit_code == 126);
    CHECK((*m)->error.message.size() > 8000);
    CHECK((*m)->error.message.size() < 8192);
}
