// Capability names and sets. The child's step (apply_mask) talks to capget/capset and prctl
// directly: a handful of system calls, no allocation, nothing to load.
#include "skiff/runtime/caps.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>

#include "skiff/base/fs.hpp"

namespace skiff::runtime::caps {
namespace {

// Indexed by capability number (linux/capability.h), as the kernel of 2026 knows them.
constexpr std::array<std::string_view, 41> kNames = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",  "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",          "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",       "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",     "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",     "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",      "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",   "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",     "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",    "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr std::string_view kAll = "ALL";

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// "chown" → "CAP_CHOWN"; "all" → "ALL".
std::string normalise(std::string_view name) {
    std::string n = upper(name);
    if (n == kAll || n.starts_with("CAP_")) return n;
    return "CAP_" + n;
}

// Normalised and checked; "ALL" passes through.
Result<std::vector<std::string>> normalise_all(const std::vector<std::string>& names) {
    std::vector<std::string> out;
    out.reserve(names.size());
    for (const std::string& name : names) {
        std::string n = normalise(name);
        if (n != kAll && !from_name(n)) return make_error("unknown capability \"" + n + "\"");
        out.push_back(std::move(n));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

unsigned probe_last_cap() {
    auto text = fs::read_file("/proc/sys/kernel/cap_last_cap");
    if (text.ok()) {
        char* end = nullptr;
        unsigned long n = std::strtoul(text->c_str(), &end, 10);
        if (end != text->c_str() && n < 64) return static_cast<unsigned>(n);
    }
    // No /proc: the bounding set answers EINVAL past the last capability.
    unsigned n = 0;
    while (n < 63 && ::prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0) ++n;
    return n;
}

struct CapSets {
    uint64_t effective = 0, permitted = 0, inheritable = 0;
};

Result<CapSets> get_sets() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) < 0) return sys_error("capget");
    auto join = [](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
    return CapSets{join(data[0].effective, data[1].effective), join(data[0].permitted, data[1].permitted),
                   join(data[0].inheritable, data[1].inheritable)};
}

Result<void> set_sets(const CapSets& s) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2];
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<uint32_t>(s.effective >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(s.permitted >> (32 * i));
        data[i].inheritable = static_cast<uint32_t>(s.inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data) < 0) return sys_error("capset");
    return {};
}

std::vector<std::string> names_where(bool (*keep)(unsigned)) {
    std::vector<std::string> out;
    unsigned last = std::min<unsigned>(last_cap(), kNames.size() - 1);
    for (unsigned c = 0; c <= last; ++c)
        if (keep(c)) out.emplace_back(kNames[c]);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

unsigned last_cap() {
    static const unsigned last = probe_last_cap();
    return last;
}

std::optional<unsigned> from_name(std::string_view name) {
    std::string n = normalise(name);
    unsigned last = std::min<unsigned>(last_cap(), kNames.size() - 1);
    for (unsigned c = 0; c <= last; ++c)
        if (kNames[c] == n) return c;
    return std::nullopt;
}

std::string_view name_of(unsigned cap) {
    return cap < kNames.size() ? kNames[cap] : std::string_view{};
}

std::vector<std::string> all() {
    return names_where([](unsigned) { return true; });
}

std::vector<std::string> bounding_set() {
    return names_where([](unsigned c) { return ::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1; });
}

Result<std::vector<std::string>> resolve(const std::vector<std::string>& base_in,
                                         const std::vector<std::string>& adds_in,
                                         const std::vector<std::string>& drops_in) {
    std::vector<std::string> base = TRY(normalise_all(base_in));
    if (contains(base, kAll)) base = bounding_set();
    if (adds_in.empty() && drops_in.empty()) return base;
    std::vector<std::string> drops = TRY(normalise_all(drops_in));
    std::vector<std::string> adds = TRY(normalise_all(adds_in));

    if (contains(drops, kAll)) {
        if (contains(adds, kAll)) return make_error("adding all caps and removing all caps not allowed");
        return adds;  // everything dropped: only what is added back
    }
    if (contains(adds, kAll)) {
        base = bounding_set();
        adds.clear();
    }
    for (const std::string& a : adds)
        if (contains(drops, a)) return make_error("capability \"" + a + "\" cannot be dropped and added");

    std::vector<std::string> out;
    for (const std::string& c : base)
        if (!contains(drops, c)) out.push_back(c);
    for (const std::string& c : adds)
        if (!contains(out, c)) out.push_back(c);
    std::sort(out.begin(), out.end());
    return out;
}

Result<uint64_t> to_mask(const std::vector<std::string>& names) {
    uint64_t mask = 0;
    for (const std::string& name : names) {
        auto c = from_name(name);
        if (!c) return make_error("unknown capability \"" + normalise(name) + "\"");
        mask |= uint64_t{1} << *c;
    }
    return mask;
}

Result<void> apply(const std::vector<std::string>& names) {
    uint64_t mask = TRY(to_mask(names));
    return apply_mask(mask);
}

Result<void> apply_mask(uint64_t mask) {
    CapSets now = TRY(get_sets());
    mask &= now.permitted;  // what skiff does not hold, it cannot give
    // setresuid to a non-zero uid clears the effective set; dropping from the bounding set
    // needs CAP_SETPCAP effective.
    if (now.effective != now.permitted) {
        now.effective = now.permitted;
        TRY_CTX(set_sets(now), "raise the effective capabilities");
    }
    unsigned last = last_cap();
    for (unsigned c = 0; c <= last; ++c) {
        if (mask & (uint64_t{1} << c)) continue;
        int in_bounding = ::prctl(PR_CAPBSET_READ, c, 0, 0, 0);
        if (in_bounding == 1 && ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
            std::string_view n = name_of(c);
            return sys_error("drop " + (n.empty() ? "capability " + std::to_string(c) : std::string(n)) +
                             " from the bounding set");
        }
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return sys_error("clear the ambient capabilities");
    TRY_CTX(set_sets(CapSets{mask, mask, 0}), "set the capabilities");
    return {};
}

}  // namespace skiff::runtime::caps
