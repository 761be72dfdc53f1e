// The docker/OCI seccomp JSON profile → Profile. Unknown fields are ignored (profiles carry
// "comment"s and docker-only fields); a wrong type or an unknown action, operator, flag or errno
// name is an error naming the field.
#include <string.h>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cerrno>
#include <climits>

#include "seccomp_profile.hpp"

namespace skiff::runtime::seccomp {
namespace {

using Value = rapidjson::Value;

Error field_error(const std::string& field, const std::string& what) {
    return make_error(field + ": " + what);
}

// An optional member: nullptr when absent or null.
const Value* member(const Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
}

Result<std::string> get_string(const Value& obj, const char* name, const std::string& where) {
    const Value* v = member(obj, name);
    if (!v) return std::string();
    if (!v->IsString()) return field_error(where + name, "must be a string");
    return std::string(v->GetString(), v->GetStringLength());
}

Result<std::vector<std::string>> get_strings(const Value& obj, const char* name, const std::string& where) {
    std::vector<std::string> out;
    const Value* v = member(obj, name);
    if (!v) return out;
    if (!v->IsArray()) return field_error(where + name, "must be an array of strings");
    for (const Value& s : v->GetArray()) {
        if (!s.IsString()) return field_error(where + name, "must be an array of strings");
        out.emplace_back(s.GetString(), s.GetStringLength());
    }
    return out;
}

Result<std::optional<uint64_t>> get_uint(const Value& obj, const char* name, const std::string& where,
                                         uint64_t max = UINT64_MAX) {
    const Value* v = member(obj, name);
    if (!v) return std::optional<uint64_t>();
    if (!v->IsUint64() || v->GetUint64() > max)
        return field_error(where + name, "must be a number from 0 to " + std::to_string(max));
    return std::optional<uint64_t>(v->GetUint64());
}

Result<ActionKind> parse_action(const std::string& s, const std::string& field) {
    static constexpr std::pair<std::string_view, ActionKind> kActions[] = {
        {"SCMP_ACT_KILL", ActionKind::kKillThread},   {"SCMP_ACT_KILL_THREAD", ActionKind::kKillThread},
        {"SCMP_ACT_KILL_PROCESS", ActionKind::kKillProcess}, {"SCMP_ACT_TRAP", ActionKind::kTrap},
        {"SCMP_ACT_ERRNO", ActionKind::kErrno},       {"SCMP_ACT_TRACE", ActionKind::kTrace},
        {"SCMP_ACT_ALLOW", ActionKind::kAllow},       {"SCMP_ACT_LOG", ActionKind::kLog},
    };
    for (const auto& [name, kind] : kActions)
        if (s == name) return kind;
    if (s == "SCMP_ACT_NOTIFY") return field_error(field, "SCMP_ACT_NOTIFY is not supported");
    if (s.empty()) return field_error(field, "missing");
    return field_error(field, "unknown action \"" + s + "\"");
}

Result<ArgOp> parse_op(const std::string& s, const std::string& field) {
    static constexpr std::pair<std::string_view, ArgOp> kOps[] = {
        {"SCMP_CMP_NE", ArgOp::kNotEqual}, {"SCMP_CMP_LT", ArgOp::kLess},
        {"SCMP_CMP_LE", ArgOp::kLessEqual}, {"SCMP_CMP_EQ", ArgOp::kEqual},
        {"SCMP_CMP_GE", ArgOp::kGreaterEqual}, {"SCMP_CMP_GT", ArgOp::kGreater},
        {"SCMP_CMP_MASKED_EQ", ArgOp::kMaskedEqual},
    };
    for (const auto& [name, op] : kOps)
        if (s == name) return op;
    return field_error(field, "unknown operator \"" + s + "\"");
}

// "EPERM" or "1" → 1, as containers/common's profiles allow.
Result<unsigned> parse_errno(const std::string& s, const std::string& field) {
    char* end = nullptr;
    errno = 0;
    unsigned long n = std::strtoul(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && errno == 0 && n <= 4095) return static_cast<unsigned>(n);
    for (int e = 1; e < 4096; ++e) {
        const char* name = ::strerrorname_np(e);
        if (name && s == name) return static_cast<unsigned>(e);
    }
    return field_error(field, "unknown errno \"" + s + "\"");
}

// errnoRet (a number) or errno (a name), as containers/common reads them.
Result<std::optional<unsigned>> parse_ret(const Value& obj, const char* num_field, const char* name_field,
                                          const std::string& where) {
    auto num = TRY(get_uint(obj, num_field, where, 4095));
    std::string name = TRY(get_string(obj, name_field, where));
    if (!name.empty()) return std::optional<unsigned>(TRY(parse_errno(name, where + name_field)));
    if (num) return std::optional<unsigned>(static_cast<unsigned>(*num));
    return std::optional<unsigned>();
}

Result<Condition> parse_condition(const Value& obj, const char* name, const std::string& where) {
    Condition c;
    const Value* v = member(obj, name);
    if (!v) return c;
    std::string here = where + name + ".";
    if (!v->IsObject()) return field_error(where + name, "must be an object");
    c.caps = TRY(get_strings(*v, "caps", here));
    c.arches = TRY(get_strings(*v, "arches", here));
    c.min_kernel = TRY(get_string(*v, "minKernel", here));
    return c;
}

Result<ArgRule> parse_arg(const Value& v, const std::string& where) {
    if (!v.IsObject()) return field_error(where, "must be an object");
    std::string here = where + ".";
    ArgRule a;
    auto index = TRY(get_uint(v, "index", here, 5));
    if (!index) return field_error(here + "index", "missing");
    a.index = static_cast<unsigned>(*index);
    a.value = TRY(get_uint(v, "value", here)).value_or(0);
    a.value_two = TRY(get_uint(v, "valueTwo", here)).value_or(0);
    a.op = TRY(parse_op(TRY(get_string(v, "op", here)), here + "op"));
    return a;
}

Result<SyscallRule> parse_syscall(const Value& v, const std::string& where) {
    if (!v.IsObject()) return field_error(where, "must be an object");
    std::string here = where + ".";
    SyscallRule r;
    std::string name = TRY(get_string(v, "name", here));
    r.names = TRY(get_strings(v, "names", here));
    if (!name.empty() && !r.names.empty())
        return field_error(where, "'name' and 'names' were both given, use either 'name' or 'names'");
    if (!name.empty()) r.names.push_back(name);
    r.action.kind = TRY(parse_action(TRY(get_string(v, "action", here)), here + "action"));
    r.action.ret = TRY(parse_ret(v, "errnoRet", "errno", here));
    if (const Value* args = member(v, "args")) {
        if (!args->IsArray()) return field_error(here + "args", "must be an array");
        for (rapidjson::SizeType i = 0; i < args->Size(); ++i)
            r.args.push_back(TRY(parse_arg((*args)[i], here + "args[" + std::to_string(i) + "]")));
    }
    r.includes = TRY(parse_condition(v, "includes", here));
    r.excludes = TRY(parse_condition(v, "excludes", here));
    return r;
}

Result<unsigned> parse_flag(const std::string& s) {
    // linux/seccomp.h: SECCOMP_FILTER_FLAG_*
    static constexpr std::pair<std::string_view, unsigned> kFlags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", 1u << 0},
        {"SECCOMP_FILTER_FLAG_LOG", 1u << 1},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2},
    };
    for (const auto& [name, bit] : kFlags)
        if (s == name) return bit;
    return field_error("flags", "unsupported flag \"" + s + "\"");
}

Result<std::vector<ArchGroup>> parse_arch_map(const Value& obj) {
    std::vector<ArchGroup> out;
    const Value* v = member(obj, "archMap");
    if (!v) return out;
    if (!v->IsArray()) return field_error("archMap", "must be an array");
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        std::string where = "archMap[" + std::to_string(i) + "]";
        const Value& g = (*v)[i];
        if (!g.IsObject()) return field_error(where, "must be an object");
        ArchGroup group;
        group.arch = TRY(get_string(g, "architecture", where + "."));
        group.sub_arches = TRY(get_strings(g, "subArchitectures", where + "."));
        if (group.arch.empty()) return field_error(where + ".architecture", "missing");
        out.push_back(std::move(group));
    }
    return out;
}

}  // namespace

Result<Profile> parse_profile(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError())
        return make_error(std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
                          rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) return make_error("the profile must be a JSON object");

    Profile p;
    std::string default_action = TRY(get_string(doc, "defaultAction", ""));
    const Value* syscalls = member(doc, "syscalls");
    if (default_action.empty() && (!syscalls || (syscalls->IsArray() && syscalls->Empty()))) {
        p.disabled = true;  // podman: no default action and no rules means no filter
        return p;
    }
    p.default_action.kind = TRY(parse_action(default_action, "defaultAction"));
    p.default_action.ret = TRY(parse_ret(doc, "defaultErrnoRet", "defaultErrno", ""));
    p.architectures = TRY(get_strings(doc, "architectures", ""));
    p.arch_map = TRY(parse_arch_map(doc));
    if (!p.architectures.empty() && !p.arch_map.empty())
        return make_error("'architectures' and 'archMap' were both given, use either 'architectures' or 'archMap'");
    for (const std::string& f : TRY(get_strings(doc, "flags", ""))) p.flags |= TRY(parse_flag(f));
    if (!TRY(get_string(doc, "listenerPath", "")).empty())
        return make_error("listenerPath: seccomp notification is not supported");
    if (syscalls) {
        if (!syscalls->IsArray()) return field_error("syscalls", "must be an array");
        for (rapidjson::SizeType i = 0; i < syscalls->Size(); ++i)
            p.syscalls.push_back(TRY(parse_syscall((*syscalls)[i], "syscalls[" + std::to_string(i) + "]")));
    }
    return p;
}

}  // namespace skiff::runtime::seccomp

namespace skiff::runtime::seccomp {
namespace {

void describe_action(std::string& out, const Action& a) {
    static constexpr const char* kKinds[] = {"kill_thread", "kill_process", "trap", "errno", "trace", "allow", "log"};
    out += kKinds[static_cast<int>(a.kind)];
    if (a.ret) out += "(" + std::to_string(*a.ret) + ")";
}

void describe_condition(std::string& out, const char* label, const Condition& c) {
    if (c.caps.empty() && c.arches.empty() && c.min_kernel.empty()) return;
    out += std::string(" ") + label + "{";
    for (const std::string& cap : c.caps) out += " cap:" + cap;
    for (const std::string& arch : c.arches) out += " arch:" + arch;
    if (!c.min_kernel.empty()) out += " kernel>=" + c.min_kernel;
    out += " }";
}

}  // namespace

std::string describe(const Profile& p) {
    std::string out;
    if (p.disabled) return "disabled\n";
    out += "default ";
    describe_action(out, p.default_action);
    out += "\nflags " + std::to_string(p.flags) + "\n";
    for (const std::string& a : p.architectures) out += "arch " + a + "\n";
    for (const ArchGroup& g : p.arch_map) {
        out += "archmap " + g.arch;
        for (const std::string& s : g.sub_arches) out += " " + s;
        out += "\n";
    }
    for (const SyscallRule& r : p.syscalls) {
        describe_action(out, r.action);
        for (const std::string& n : r.names) out += " " + n;
        for (const ArgRule& a : r.args)
            out += " [" + std::to_string(a.index) + " op" + std::to_string(static_cast<int>(a.op)) + " " +
                   std::to_string(a.value) + " " + std::to_string(a.value_two) + "]";
        describe_condition(out, "if", r.includes);
        describe_condition(out, "unless", r.excludes);
        out += "\n";
    }
    return out;
}

}  // namespace skiff::runtime::seccomp
