#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "skiff/base/fd.hpp"
#include "skiff/base/resident.hpp"

using namespace skiff;
using resident::Mapping;

namespace {

// `text` in a memfd, read from its start.
unique_fd memfd_with(const std::string& text) {
    int fd = ::memfd_create("smaps", MFD_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    return unique_fd(fd);
}

std::vector<Mapping> read_all(const std::string& text) {
    auto fd = memfd_with(text);
    resident::SmapsReader reader(fd.get());
    std::vector<Mapping> out;
    Mapping m;
    while (reader.next(m)) out.push_back(m);
    return out;
}

std::string fields(int rss, int anonymous) {
    return "Size:                132 kB\nKernelPageSize:        4 kB\nRss:                 " + std::to_string(rss) +
           " kB\nPss:                  12 kB\nPrivate_Dirty:         0 kB\nAnonymous:           " +
           std::to_string(anonymous) + " kB\nLazyFree:              0 kB\nVmFlags: rd ex mr mw me sd\n";
}

// This process's mapping that holds `addr`, as its smaps says now.
Mapping mapping_at(const void* addr) {
    int fd = ::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    unique_fd guard(fd);
    resident::SmapsReader reader(fd);
    Mapping m;
    auto a = reinterpret_cast<uintptr_t>(addr);
    while (reader.next(m))
        if (m.start <= a && a < m.end) return m;
    FAIL("no mapping holds the address");
    return m;
}

}  // namespace

TEST_CASE("parse_header reads an smaps mapping line") {
    Mapping m;
    REQUIRE(resident::parse_header("55d0c0a00000-55d0c0a21000 r-xp 00021000 fd:01 1234567   /usr/bin/skiff", m));
    CHECK(m.start == 0x55d0c0a00000);
    CHECK(m.end == 0x55d0c0a21000);
    CHECK(m.readable);
    CHECK_FALSE(m.writable);
    CHECK_FALSE(m.shared);
    CHECK(m.inode == 1234567);
    CHECK_FALSE(m.pseudo);

    REQUIRE(resident::parse_header("7ffd2a1e4000-7ffd2a205000 rw-p 00000000 00:00 0                          [stack]", m));
    CHECK(m.stack);
    CHECK(m.pseudo);
    CHECK(m.writable);
    CHECK(m.inode == 0);

    REQUIRE(resident::parse_header("7f0000000000-7f0000001000 r--s 00000000 00:05 77 /dev/zero (deleted)", m));
    CHECK(m.shared);

    CHECK_FALSE(resident::parse_header("Rss:                  64 kB", m));
    CHECK_FALSE(resident::parse_header("VmFlags: rd ex mr mw me", m));
    CHECK_FALSE(resident::parse_header("", m));
}

TEST_CASE("SmapsReader gives each mapping with its Rss and Anonymous, and only clean file mappings are droppable") {
    std::string text = "555500000000-555500100000 r--p 00000000 fd:01 42 /usr/bin/skiff\n" + fields(800, 0) +
                       "555500100000-555500800000 r-xp 00100000 fd:01 42 /usr/bin/skiff\n" + fields(3000, 0) +
                       "555500900000-555500964000 r--p 00900000 fd:01 42 /usr/bin/skiff\n" + fields(400, 400) +
                       "555500964000-555500968000 rw-p 00964000 fd:01 42 /usr/bin/skiff\n" + fields(16, 16) +
                       "555501000000-555501100000 rw-p 00000000 00:00 0 [heap]\n" + fields(600, 600) +
                       "7fff00000000-7fff00002000 r--p 00000000 00:00 0 [vvar]\n" + fields(0, 0) +
                       "7fff00002000-7fff00004000 r-xp 00000000 00:00 0 [vdso]\n" + fields(4, 0) +
                       "7fff10000000-7fff10001000 r--s 00000000 00:05 9 /memfd:shared (deleted)\n" + fields(4, 0);
    auto maps = read_all(text);
    REQUIRE(maps.size() == 8);
    CHECK(maps[0].rss_kb == 800);
    CHECK(maps[1].rss_kb == 3000);
    CHECK(maps[2].anonymous_kb == 400);
    CHECK(maps[4].pseudo);
    std::vector<bool> clean;
    for (auto& m : maps) clean.push_back(resident::clean_file_mapping(m));
    // Text and constants: yes. The relocated relro, data, heap, [vvar]/[vdso], a shared mapping: no.
    CHECK(clean == std::vector<bool>{true, true, false, false, false, false, false, false});
}

TEST_CASE("SmapsReader does not call a mapping clean when its Anonymous line is missing") {
    auto maps = read_all("555500000000-555500100000 r--p 00000000 fd:01 42 /usr/bin/skiff\nRss: 8 kB\n");
    REQUIRE(maps.size() == 1);
    CHECK(maps[0].rss_kb == 8);
    CHECK_FALSE(resident::clean_file_mapping(maps[0]));
}

TEST_CASE("SmapsReader survives a line longer than its buffer and text split across reads") {
    std::string longpath = "/" + std::string(9000, 'p');
    std::string text;
    for (int i = 0; i < 40; ++i) {
        char head[128];
        std::snprintf(head, sizeof head, "%012x-%012x r--p 00000000 fd:01 %d ", 0x10000 * (i + 1), 0x10000 * (i + 2), i + 1);
        text += head + (i == 7 ? longpath : std::string("/lib/x.so")) + "\n" + fields(i, i == 3 ? 4 : 0);
    }
    auto maps = read_all(text);
    REQUIRE(maps.size() == 40);
    for (int i = 0; i < 40; ++i) {
        CHECK(maps[i].inode == static_cast<uint64_t>(i + 1));
        CHECK(maps[i].rss_kb == static_cast<uint64_t>(i));
        CHECK(maps[i].anonymous_known);
    }
    CHECK(maps[3].anonymous_kb == 4);
    CHECK(maps[7].start == 0x80000);
}

TEST_CASE("shed drops a clean file mapping's pages and keeps the written pages of a read-only one") {
    char tmpl[] = "/tmp/skiff-resident-XXXXXX";
    int raw = ::mkstemp(tmpl);
    REQUIRE(raw >= 0);
    unique_fd file(raw);
    ::unlink(tmpl);
    const size_t len = 64 * 4096;
    std::string content(len, 'f');
    REQUIRE(::write(file.get(), content.data(), len) == static_cast<ssize_t>(len));

    // Clean: mapped read-only and read.
    auto* clean = static_cast<volatile char*>(::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, file.get(), 0));
    REQUIRE(clean != MAP_FAILED);
    // Like a relro: private, written (copied on write), then made read-only.
    auto* relro = static_cast<char*>(::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.get(), 0));
    REQUIRE(relro != MAP_FAILED);
    int sum = 0;
    for (size_t i = 0; i < len; i += 4096) {
        sum += clean[i];
        relro[i] = 'w';
    }
    CHECK(sum == 64 * 'f');
    REQUIRE(::mprotect(relro, len, PROT_READ) == 0);
    CHECK(mapping_at(const_cast<char*>(clean)).rss_kb == 256);
    CHECK(mapping_at(relro).anonymous_kb == 256);

    auto shed = resident::shed(64 * 1024);
    CHECK(shed.file_kb >= 256);
    CHECK(mapping_at(const_cast<char*>(clean)).rss_kb == 0);
    CHECK(mapping_at(relro).anonymous_kb == 256);
    for (size_t i = 0; i < len; i += 4096) REQUIRE(relro[i] == 'w');
    // The dropped pages come back from the file when read again.
    CHECK(clean[4096 * 10] == 'f');
    ::munmap(const_cast<char*>(clean), len);
    ::munmap(relro, len);
}
