// Profile → BPF with libseccomp, for the native architecture and the container's capabilities,
// with the semantics runc and crun give an OCI profile: unknown system call names are skipped,
// a rule whose action is the default one is dropped, several conditions on one argument are
// separate rules (OR), ERRNO and TRACE without a value mean EPERM.
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "seccomp_profile.hpp"
#include "skiff/base/fd.hpp"
#include "skiff/base/sys.hpp"

namespace skiff::runtime::seccomp {
namespace {

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Error seccomp_error(const std::string& what, int rc) {
    return Error{-rc, what + ": " + std::strerror(-rc), kExitFailure};
}

uint32_t to_scmp(const Action& a) {
    switch (a.kind) {
        case ActionKind::kKillThread: return SCMP_ACT_KILL_THREAD;
        case ActionKind::kKillProcess: return SCMP_ACT_KILL_PROCESS;
        case ActionKind::kTrap: return SCMP_ACT_TRAP;
        case ActionKind::kErrno: return SCMP_ACT_ERRNO(a.ret.value_or(EPERM));
        case ActionKind::kTrace: return SCMP_ACT_TRACE(a.ret.value_or(EPERM));
        case ActionKind::kAllow: return SCMP_ACT_ALLOW;
        case ActionKind::kLog: return SCMP_ACT_LOG;
    }
    return SCMP_ACT_KILL_PROCESS;
}

scmp_compare to_scmp(ArgOp op) {
    switch (op) {
        case ArgOp::kNotEqual: return SCMP_CMP_NE;
        case ArgOp::kLess: return SCMP_CMP_LT;
        case ArgOp::kLessEqual: return SCMP_CMP_LE;
        case ArgOp::kEqual: return SCMP_CMP_EQ;
        case ArgOp::kGreaterEqual: return SCMP_CMP_GE;
        case ArgOp::kGreater: return SCMP_CMP_GT;
        case ArgOp::kMaskedEqual: return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

// "SCMP_ARCH_X86_64" → libseccomp's token.
Result<uint32_t> arch_token(const std::string& name) {
    std::string n = name;
    if (n.starts_with("SCMP_ARCH_")) n = n.substr(10);
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t token = seccomp_arch_resolve_name(n.c_str());
    if (token == 0) return make_error("unknown architecture \"" + name + "\"");
    return token;
}

// Go's name for the native architecture, which profiles use in includes/excludes.arches.
std::string go_arch(uint32_t token) {
    static constexpr std::pair<uint32_t, const char*> kNames[] = {
        {SCMP_ARCH_X86_64, "amd64"},   {SCMP_ARCH_X86, "x86"},         {SCMP_ARCH_X32, "x32"},
        {SCMP_ARCH_AARCH64, "arm64"},  {SCMP_ARCH_ARM, "arm"},         {SCMP_ARCH_PPC64LE, "ppc64le"},
        {SCMP_ARCH_PPC64, "ppc64"},    {SCMP_ARCH_PPC, "ppc"},         {SCMP_ARCH_S390X, "s390x"},
        {SCMP_ARCH_S390, "s390"},      {SCMP_ARCH_RISCV64, "riscv64"}, {SCMP_ARCH_MIPS64, "mips64"},
        {SCMP_ARCH_MIPS64N32, "mips64n32"}, {SCMP_ARCH_MIPSEL64, "mipsel64"},
        {SCMP_ARCH_MIPSEL64N32, "mipsel64n32"}, {SCMP_ARCH_MIPS, "mips"}, {SCMP_ARCH_MIPSEL, "mipsel"},
    };
    for (const auto& [t, name] : kNames)
        if (t == token) return name;
    return "";
}

std::string native_arch_name(uint32_t token) {
    static constexpr std::pair<uint32_t, const char*> kNames[] = {
        {SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64"}, {SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64"},
        {SCMP_ARCH_MIPS64, "SCMP_ARCH_MIPS64"}, {SCMP_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32"},
        {SCMP_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64"}, {SCMP_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32"},
        {SCMP_ARCH_S390X, "SCMP_ARCH_S390X"}, {SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE"},
        {SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64"},
    };
    for (const auto& [t, name] : kNames)
        if (t == token) return name;
    return "";
}

// "6.18.0-1-amd64" ≥ "5.6"?
bool kernel_at_least(const std::string& min) {
    struct utsname u;
    if (::uname(&u) < 0) return true;
    unsigned have[2] = {0, 0}, want[2] = {0, 0};
    std::sscanf(u.release, "%u.%u", &have[0], &have[1]);
    std::sscanf(min.c_str(), "%u.%u", &want[0], &want[1]);
    return have[0] != want[0] ? have[0] > want[0] : have[1] >= want[1];
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// containers/common's filtering of a rule by capabilities and architecture.
bool applies(const SyscallRule& r, const std::vector<std::string>& caps, const std::string& arch) {
    if (has(r.excludes.arches, arch)) return false;
    for (const std::string& c : r.excludes.caps)
        if (has(caps, c)) return false;
    if (!r.excludes.min_kernel.empty() && kernel_at_least(r.excludes.min_kernel)) return false;
    if (!r.includes.arches.empty() && !has(r.includes.arches, arch)) return false;
    for (const std::string& c : r.includes.caps)
        if (!has(caps, c)) return false;
    if (!r.includes.min_kernel.empty() && !kernel_at_least(r.includes.min_kernel)) return false;
    return true;
}

Result<void> add_arches(void* ctx, const Profile& p, uint32_t native) {
    std::vector<std::string> names = p.architectures;
    std::string native_name = native_arch_name(native);
    for (const ArchGroup& g : p.arch_map) {
        if (g.arch != native_name) continue;
        names.push_back(g.arch);
        names.insert(names.end(), g.sub_arches.begin(), g.sub_arches.end());
        break;
    }
    for (const std::string& name : names) {
        uint32_t token = TRY(arch_token(name));
        int rc = seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -EEXIST) return seccomp_error("add architecture " + name, rc);
    }
    return {};
}

Result<void> add_rule(void* ctx, const SyscallRule& r, uint32_t action, const std::string& name) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) return {};  // a name libseccomp does not know: skipped, as runc does
    std::vector<scmp_arg_cmp> conds;
    for (const ArgRule& a : r.args) conds.push_back(scmp_arg_cmp{a.index, to_scmp(a.op), a.value, a.value_two});
    bool repeated = false;
    for (size_t i = 0; i < r.args.size(); ++i)
        for (size_t j = i + 1; j < r.args.size(); ++j) repeated |= r.args[i].index == r.args[j].index;
    std::string what = "add the seccomp rule for " + name;
    if (!repeated) {
        int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data());
        if (rc < 0) return seccomp_error(what, rc);
        return {};
    }
    for (const scmp_arg_cmp& c : conds) {
        int rc = seccomp_rule_add_array(ctx, action, nr, 1, &c);
        if (rc < 0) return seccomp_error(what, rc);
    }
    return {};
}

Result<std::vector<sock_filter>> export_bpf(void* ctx) {
    unique_fd mem(::memfd_create("skiff-seccomp", MFD_CLOEXEC));
    if (!mem) return sys_error("memfd_create");
    int rc = seccomp_export_bpf(ctx, mem.get());
    if (rc < 0) return seccomp_error("export the seccomp filter", rc);
    if (::lseek(mem.get(), 0, SEEK_SET) < 0) return sys_error("lseek the seccomp filter");
    std::string bytes = TRY(sys::read_all(mem.get()));
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
        return make_error("export the seccomp filter: " + std::to_string(bytes.size()) + " bytes is no BPF program");
    std::vector<sock_filter> out(bytes.size() / sizeof(sock_filter));
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
}

}  // namespace

Result<Program> compile(const Profile& p, const std::vector<std::string>& caps) {
    if (p.disabled) return Program{};
    uint32_t default_action = to_scmp(p.default_action);
    Ctx ctx(seccomp_init(default_action));
    if (!ctx) return make_error("seccomp_init: cannot create a filter");
    // A binary tree of system-call numbers: a few comparisons per call instead of hundreds.
    int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) return seccomp_error("set the seccomp optimisation level", rc);
    uint32_t native = seccomp_arch_native();
    TRY(add_arches(ctx.get(), p, native));
    std::string arch = go_arch(native);

    for (const SyscallRule& r : p.syscalls) {
        if (!applies(r, caps, arch)) continue;
        uint32_t action = to_scmp(r.action);
        if (action == default_action) continue;  // libseccomp refuses it and it changes nothing
        for (const std::string& name : r.names) TRY(add_rule(ctx.get(), r, action, name));
    }
    Program prog;
    prog.instructions = TRY(export_bpf(ctx.get()));
    if (prog.instructions.size() > BPF_MAXINSNS)
        return make_error("the seccomp filter has " + std::to_string(prog.instructions.size()) +
                          " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));
    prog.flags = p.flags;
    return prog;
}

}  // namespace skiff::runtime::seccomp
