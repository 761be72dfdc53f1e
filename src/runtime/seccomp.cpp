// prepare() in the parent: choose the profile, look in the cache, compile on a miss and keep the
// result; load() in the child: one seccomp(2) call.
//
// The cache is keyed by a SHA-256 over everything the program depends on: the profile (the default
// table's revision, or the profile file's bytes), the capabilities the profile looks at, the
// native architecture, the kernel release and libseccomp's version. A hit costs one file read.
#include "skiff/runtime/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "seccomp_profile.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/log.hpp"
#include "skiff/base/sha256.hpp"

namespace skiff::runtime::seccomp {
namespace {

constexpr char kMagic[8] = {'S', 'K', 'F', 'S', 'E', 'C', 'C', '1'};
constexpr size_t kKeySize = 64;  // hex SHA-256
constexpr size_t kHeaderSize = sizeof kMagic + kKeySize + 2 * sizeof(uint32_t);

uint64_t fnv1a(std::string_view data) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

template <class T>
void put(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
T get(std::string_view in, size_t offset) {
    T v;
    std::memcpy(&v, in.data() + offset, sizeof v);
    return v;
}

// What every key shares: the things outside the profile that change the compiled program.
std::string key_preamble() {
    std::string s = "skiff seccomp cache 1\n";
    const scmp_version* v = seccomp_version();
    if (v) s += "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                std::to_string(v->micro) + "\n";
    s += "arch " + std::to_string(seccomp_arch_native()) + "\n";
    struct utsname u;
    if (::uname(&u) == 0) s += std::string("kernel ") + u.release + "\n";
    return s;
}

std::string caps_line(const std::vector<std::string>& caps) {
    std::vector<std::string> sorted = caps;
    std::sort(sorted.begin(), sorted.end());
    std::string s = "caps";
    for (const std::string& c : sorted) s += " " + c;
    return s + "\n";
}

std::string default_key(const std::vector<std::string>& caps) {
    std::vector<std::string> relevant;
    for (const std::string& c : default_profile_caps())
        if (std::find(caps.begin(), caps.end(), c) != caps.end()) relevant.push_back(c);
    return sha256::hex_of(key_preamble() + "default " + kDefaultProfileRevision + "\n" + caps_line(relevant));
}

std::string profile_key(std::string_view content, const std::vector<std::string>& caps) {
    return sha256::hex_of(key_preamble() + "profile " + sha256::hex_of(content) + "\n" + caps_line(caps));
}

std::string cache_path(const std::string& dir, const std::string& key) {
    return fs::join(dir, "seccomp-" + key.substr(0, 32) + ".bpf");
}

std::optional<Program> read_cache(const std::string& path, const std::string& key) {
    auto bytes = fs::read_file(path);
    if (!bytes.ok()) return std::nullopt;
    auto prog = decode_cache(*bytes, key);
    if (!prog) log::debug("seccomp cache {}: unusable, compiling again", path);
    return prog;
}

// The cache only saves time: failing to write it is not the container's problem.
void write_cache(const std::string& dir, const std::string& path, const Program& prog, const std::string& key) {
    auto r = fs::mkdir_p(dir, 0700);
    if (r.ok()) r = fs::write_file_atomic(path, encode_cache(prog, key), fs::Durability::kNoSync, 0600);
    if (!r.ok()) log::debug("seccomp cache {}: {}", path, r.error().message);
}

template <class Compile>
Result<Program> cached(const std::string& dir, const std::string& key, Compile compile_fn) {
    if (dir.empty()) return compile_fn();
    std::string path = cache_path(dir, key);
    if (auto hit = read_cache(path, key)) return std::move(*hit);
    Program prog = TRY(compile_fn());
    write_cache(dir, path, prog, key);
    return prog;
}

Result<Program> prepare_profile(const Spec& spec) {
    const std::string& path = spec.seccomp_profile;
    std::string ctx = "loading seccomp profile (" + path + ") failed";
    if (path.empty()) return make_error(ctx + ": no profile path given");
    std::string content = TRY_CTX(fs::read_file(path), ctx);
    return cached(spec.cache_dir, profile_key(content, spec.capabilities), [&]() -> Result<Program> {
        Profile p = TRY_CTX(parse_profile(content), ctx);
        return TRY_CTX(compile(p, spec.capabilities), ctx);
    });
}

}  // namespace

std::string encode_cache(const Program& prog, std::string_view key) {
    std::string out(kMagic, sizeof kMagic);
    out.append(key.substr(0, kKeySize));
    out.resize(sizeof kMagic + kKeySize, '\0');
    put(out, static_cast<uint32_t>(prog.flags));
    put(out, static_cast<uint32_t>(prog.instructions.size()));
    out.append(reinterpret_cast<const char*>(prog.instructions.data()), prog.instructions.size() * sizeof(sock_filter));
    put(out, fnv1a(out));
    return out;
}

std::optional<Program> decode_cache(std::string_view in, std::string_view key) {
    if (in.size() < kHeaderSize + sizeof(uint64_t)) return std::nullopt;
    if (std::memcmp(in.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
    if (in.substr(sizeof kMagic, kKeySize) != key.substr(0, kKeySize)) return std::nullopt;
    uint32_t flags = get<uint32_t>(in, sizeof kMagic + kKeySize);
    uint32_t count = get<uint32_t>(in, sizeof kMagic + kKeySize + sizeof(uint32_t));
    if (count == 0 || count > BPF_MAXINSNS) return std::nullopt;
    size_t body = size_t{count} * sizeof(sock_filter);
    if (in.size() != kHeaderSize + body + sizeof(uint64_t)) return std::nullopt;
    if (get<uint64_t>(in, kHeaderSize + body) != fnv1a(in.substr(0, kHeaderSize + body))) return std::nullopt;
    Program prog;
    prog.flags = flags;
    prog.instructions.resize(count);
    std::memcpy(prog.instructions.data(), in.data() + kHeaderSize, body);
    return prog;
}

Result<Program> prepare(const Spec& spec) {
    if (spec.privileged || spec.seccomp == SeccompMode::kUnconfined) return Program{};
    if (spec.seccomp == SeccompMode::kProfile) return prepare_profile(spec);
    return cached(spec.cache_dir, default_key(spec.capabilities),
                  [&] { return compile(default_profile(), spec.capabilities); });
}

Result<void> load(const Program& prog) {
    if (prog.empty()) return {};
    sock_fprog fprog{static_cast<unsigned short>(prog.instructions.size()),
                     const_cast<sock_filter*>(prog.instructions.data())};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags, &fprog) == 0) return {};
    int err = errno;
    if (err == EACCES)
        return sys_error("load the seccomp filter (it needs no-new-privileges or CAP_SYS_ADMIN)", err);
    return sys_error("load the seccomp filter", err);
}

}  // namespace skiff::runtime::seccomp
