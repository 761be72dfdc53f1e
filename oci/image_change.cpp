#include "skiff/oci/image_change.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <optional>

#include "skiff/base/json_record.hpp"
#include "skiff/base/strings.hpp"

namespace skiff::oci {

namespace {

struct SignalName {
    const char* name;
    int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A JSON array of strings, or nothing when `value` is not one (the shell form then).
std::optional<std::vector<std::string>> json_array(std::string_view value) {
    if (value.empty() || value.front() != '[') return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(value.data(), value.size());
    if (doc.HasParseError() || !doc.IsArray()) return std::nullopt;
    std::vector<std::string> out;
    for (auto& v : doc.GetArray()) {
        if (!v.IsString()) return std::nullopt;
        out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

std::vector<std::string> command_value(std::string_view value) {
    if (auto arr = json_array(value)) return *arr;
    if (value.empty()) return {};
    return {"/bin/sh", "-c", std::string(value)};
}

// "K=V" or "K V": the key and the value.
std::pair<std::string, std::string> key_value(std::string_view v) {
    auto eq = v.find('='), sp = v.find_first_of(" \t");
    size_t cut = eq != std::string_view::npos && (sp == std::string_view::npos || eq < sp) ? eq : sp;
    if (cut == std::string_view::npos) return {std::string(v), ""};
    return {std::string(str::trim(v.substr(0, cut))), std::string(str::trim(v.substr(cut + 1)))};
}

std::string unquote(std::string_view v) {
    if (v.size() >= 2 && ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\'')))
        return std::string(v.substr(1, v.size() - 2));
    return std::string(v);
}

void add_unique(std::vector<std::string>& list, const std::string& s) {
    if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
}

void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
    std::string entry = key + "=" + value;
    for (auto& e : env)
        if (e.compare(0, key.size() + 1, key + "=") == 0) {
            e = entry;
            return;
        }
    env.push_back(entry);
}

std::string join_path(const std::string& base, const std::string& rel) {
    if (rel.empty() || rel.front() == '/') return rel;
    if (base.empty()) return "/" + rel;
    return base.back() == '/' ? base + rel : base + "/" + rel;
}

}  // namespace

// "SIGTERM", "TERM", "15", "RTMIN+3" → the number, as podman stores it.
Result<int> parse_signal(std::string_view s) {
    std::string up;
    for (char c : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (str::starts_with(up, "SIG")) up = up.substr(3);
    if (all_digits(up)) {
        int n = std::stoi(up);
        if (n >= 1 && n <= SIGRTMAX) return n;
    }
    for (auto& sig : kSignals)
        if (up == sig.name) return sig.number;
    if (str::starts_with(up, "RTMIN") || str::starts_with(up, "RTMAX")) {
        bool min = up[3] == 'I';
        std::string_view rest = std::string_view(up).substr(5);
        int off = 0;
        if (!rest.empty()) {
            if ((rest[0] != '+' && rest[0] != '-') || !all_digits(rest.substr(1))) return make_error("invalid signal: " + std::string(s));
            off = std::stoi(std::string(rest.substr(1))) * (rest[0] == '+' ? 1 : -1);
        }
        int n = (min ? SIGRTMIN : SIGRTMAX) + off;
        if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
    }
    return make_error("invalid signal: " + std::string(s));
}

Result<void> apply_change(ContainerConfig& c, std::string_view change) {
    auto bad = [&](const std::string& why) { return make_error("invalid change \"" + std::string(change) + "\" - " + why); };
    std::string_view trimmed = str::trim(change);
    auto sp = trimmed.find_first_of(" \t");
    auto eq = trimmed.find('=');
    // "INSTRUCTION VALUE" first (Dockerfile form), then "INSTRUCTION=VALUE".
    size_t cut = sp != std::string_view::npos && (eq == std::string_view::npos || sp < eq) ? sp : eq;
    if (cut == std::string_view::npos) return bad("must be formatted as KEY VALUE");
    std::string instr;
    for (char ch : trimmed.substr(0, cut)) instr += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::string value(str::trim(trimmed.substr(cut + 1)));

    if (instr == "CMD") {
        c.cmd = command_value(value);
    } else if (instr == "ENTRYPOINT") {
        c.entrypoint = command_value(value);
    } else if (instr == "ENV") {
        auto [k, v] = key_value(value);
        if (k.empty()) return bad("ENV must have a name");
        set_env(c.env, k, unquote(v));
    } else if (instr == "EXPOSE") {
        for (auto& port : str::split(value, ' ')) {
            if (port.empty()) continue;
            auto slash = port.find('/');
            std::string num = port.substr(0, slash), proto = slash == std::string::npos ? "tcp" : port.substr(slash + 1);
            if (!all_digits(num) || num.size() > 5 || std::stoi(num) > 65535) return bad("EXPOSE port must be an integer: " + num);
            if (proto != "tcp" && proto != "udp" && proto != "sctp") return bad("EXPOSE protocol must be tcp, udp or sctp: " + proto);
            add_unique(c.exposed_ports, num + "/" + proto);
        }
    } else if (instr == "LABEL") {
        auto eqpos = value.find('=');
        if (eqpos == std::string::npos || eqpos == 0) return bad("LABEL must be formatted key=value");
        c.labels[unquote(str::trim(value.substr(0, eqpos)))] = unquote(str::trim(value.substr(eqpos + 1)));
    } else if (instr == "STOPSIGNAL") {
        auto sig = parse_signal(value);
        if (!sig.ok()) return bad("STOPSIGNAL must be given a valid signal: " + sig.error().message);
        c.stop_signal = std::to_string(*sig);
    } else if (instr == "USER") {
        if (value.empty()) return bad("USER must have a value");
        c.user = value;
    } else if (instr == "VOLUME") {
        auto arr = json_array(value);
        std::vector<std::string> vols = arr ? *arr : std::vector<std::string>{value};
        for (auto& v : vols) {
            if (v.empty() || v.front() != '/') return bad("VOLUME must be an absolute path: \"" + v + "\"");
            add_unique(c.volumes, v);
        }
    } else if (instr == "WORKDIR") {
        if (value.empty()) return bad("WORKDIR must have a value");
        c.working_dir = join_path(c.working_dir, value);
    } else if (instr == "ONBUILD") {
        // Kept by docker for derived builds; meaningless for a container: accepted and ignored, as podman does.
    } else {
        return bad("invalid instruction " + instr);
    }
    return {};
}

}  // namespace skiff::oci
