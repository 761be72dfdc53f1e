// The device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program, assembled here, loaded and attached
// with bpf(2): what enforces them on a cgroup2 directory, where there is no devices controller.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "skiff/base/fd.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/runtime/devices.hpp"

namespace skiff::runtime {

namespace {

// The registers the program keeps the request in (r1 holds the context until it is read).
constexpr uint8_t kCtx = BPF_REG_1, kScratch = BPF_REG_1, kType = BPF_REG_2, kAccess = BPF_REG_3,
                  kMajor = BPF_REG_4, kMinor = BPF_REG_5;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn load_u32(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, off, 0); }
bpf_insn alu(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }
bpf_insn move_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
// A conditional jump to the end of the rule's block: its offset is set once the block is complete.
bpf_insn jump_past(uint8_t op, uint8_t reg, int32_t imm) { return insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm); }
bpf_insn ret(int32_t value) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t access_bits(const std::string& access) {
    int32_t bits = 0;
    for (char c : access) {
        if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
        if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
        if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    }
    return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// One rule: each test that fails jumps past the block; a request that passes them all gets the
// rule's answer. An allow rule matches a request it covers entirely, a deny rule one it touches.
std::vector<bpf_insn> rule_block(const DeviceRule& r) {
    std::vector<bpf_insn> b;
    if (r.type != 'a') b.push_back(jump_past(BPF_JNE, kType, r.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
    int32_t bits = access_bits(r.access);
    if (bits != kAllAccess) {
        b.push_back(move_reg(kScratch, kAccess));
        if (r.allow) {
            b.push_back(alu(BPF_AND, kScratch, ~bits & kAllAccess));
            b.push_back(jump_past(BPF_JNE, kScratch, 0));
        } else {
            b.push_back(alu(BPF_AND, kScratch, bits));
            b.push_back(jump_past(BPF_JEQ, kScratch, 0));
        }
    }
    if (r.major) b.push_back(jump_past(BPF_JNE, kMajor, static_cast<int32_t>(*r.major)));
    if (r.minor) b.push_back(jump_past(BPF_JNE, kMinor, static_cast<int32_t>(*r.minor)));
    b.push_back(ret(r.allow ? 1 : 0));
    b.push_back(exit_insn());
    for (size_t i = 0; i < b.size(); ++i)
        if (BPF_CLASS(b[i].code) == BPF_JMP && BPF_OP(b[i].code) != BPF_EXIT)
            b[i].off = static_cast<int16_t>(b.size() - i - 1);
    return b;
}

long bpf(int cmd, union bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

Result<unique_fd> load(const std::vector<bpf_insn>& prog) {
    static const char kLicense[] = "GPL";
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(prog.data());
    attr.insn_cnt = static_cast<uint32_t>(prog.size());
    attr.license = reinterpret_cast<uint64_t>(kLicense);
    unique_fd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    if (fd) return fd;
    int err = errno;
    // Again with the verifier's log, to say why.
    std::string log(16384, '\0');
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<uint64_t>(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    unique_fd again(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    if (again) return again;
    Error e = sys_error("load the device cgroup program", err);
    log.resize(std::strlen(log.c_str()));
    if (!log.empty()) e.message += " (" + log.substr(log.size() > 300 ? log.size() - 300 : 0) + ")";
    return e;
}

// Programs an earlier start left on a reused cgroup would still deny what the new rules allow.
Result<void> detach_all(int cgroup_dir) {
    uint32_t ids[64];
    union bpf_attr q;
    std::memset(&q, 0, sizeof q);
    q.query.target_fd = static_cast<uint32_t>(cgroup_dir);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(ids);
    q.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, q) < 0) return sys_error("list the device cgroup programs");
    for (uint32_t i = 0; i < q.query.prog_cnt && i < 64; ++i) {
        union bpf_attr g;
        std::memset(&g, 0, sizeof g);
        g.prog_id = ids[i];
        unique_fd prog(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, g)));
        if (!prog) return sys_error("open device cgroup program " + std::to_string(ids[i]));
        union bpf_attr d;
        std::memset(&d, 0, sizeof d);
        d.target_fd = static_cast<uint32_t>(cgroup_dir);
        d.attach_bpf_fd = static_cast<uint32_t>(prog.get());
        d.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, d) < 0 && errno != ENOENT)
            return sys_error("detach device cgroup program " + std::to_string(ids[i]));
    }
    return {};
}

}  // namespace

std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
    std::vector<bpf_insn> p = {
        load_u32(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu(BPF_AND, kType, 0xffff),
        load_u32(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu(BPF_RSH, kAccess, 16),
        load_u32(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
        load_u32(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
    };
    // The last rule that matches decides: they are tested from the last one up. A rule that
    // matches everything ends the program (the verifier refuses code nothing reaches).
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        std::vector<bpf_insn> b = rule_block(*it);
        p.insert(p.end(), b.begin(), b.end());
        if (b.size() == 2) return p;
    }
    p.push_back(ret(0));
    p.push_back(exit_insn());
    return p;
}

Result<void> attach_device_program(int cgroup_dir, const std::vector<DeviceRule>& rules) {
    unique_fd prog = TRY(load(device_program(rules)));
    TRY(detach_all(cgroup_dir));
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cgroup_dir);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attr) < 0) return sys_error("attach the device cgroup program");
    return {};
}

Result<void> restrict_cgroup2_devices(const std::string& path, const std::vector<DeviceRule>& rules) {
    if (allows_all(rules)) return {};
    unique_fd dir = TRY_CTX(sys::open(path, O_RDONLY | O_DIRECTORY), "open cgroup");
    TRY_CTX(attach_device_program(dir.get(), rules), "cgroup " + path);
    return {};
}

}  // namespace skiff::runtime
