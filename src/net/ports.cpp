// The grammar of -p/--publish and --expose, and the choice of free host ports.
#include "skiff/net/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "skiff/base/fd.hpp"
#include "skiff/base/strings.hpp"

namespace skiff::net {

namespace {

struct Range {
    uint16_t first = 0;
    uint16_t count = 0;  // 0: none given (a host port left for skiff to choose)
};

Result<uint16_t> parse_port(std::string_view s, std::string_view spec, bool allow_zero) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 65535 || (v == 0 && !allow_zero))
        return make_error("invalid port \"" + std::string(s) + "\" in \"" + std::string(spec) + "\": want a number from 1 to 65535");
    return static_cast<uint16_t>(v);
}

// "80" or "8000-8010"; "" is no range at all.
Result<Range> parse_range(std::string_view s, std::string_view spec, bool allow_zero) {
    if (s.empty()) return Range{};
    size_t dash = s.find('-');
    if (dash == std::string_view::npos) {
        uint16_t p = TRY(parse_port(s, spec, allow_zero));
        return Range{p, 1};
    }
    uint16_t a = TRY(parse_port(s.substr(0, dash), spec, false));
    uint16_t b = TRY(parse_port(s.substr(dash + 1), spec, false));
    if (b < a) return make_error("invalid port range \"" + std::string(s) + "\" in \"" + std::string(spec) + "\": its end is below its start");
    return Range{a, static_cast<uint16_t>(b - a + 1)};
}

Result<std::vector<std::string>> parse_protocols(std::string_view s, std::string_view spec) {
    std::vector<std::string> out;
    for (auto& p : str::split(s, ',')) {
        std::string lower = p;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower == "sctp") return make_error("publishing sctp ports is not supported (in \"" + std::string(spec) + "\")");
        if (lower != "tcp" && lower != "udp")
            return make_error("invalid protocol \"" + p + "\" in \"" + std::string(spec) + "\": want tcp or udp");
        if (std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(lower);
    }
    return out;
}

// The protocols after the last '/' of `spec` (tcp when none), `rest` left with what is before it.
Result<std::vector<std::string>> split_protocols(std::string_view& rest) {
    std::string_view spec = rest;
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return std::vector<std::string>{"tcp"};
    rest = rest.substr(0, slash);
    return parse_protocols(spec.substr(slash + 1), spec);
}

bool is_ipv6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

Result<void> check_ip(const std::string& ip, std::string_view spec) {
    unsigned char buf[sizeof(struct in6_addr)];
    int ok = is_ipv6(ip) ? ::inet_pton(AF_INET6, ip.c_str(), buf) : ::inet_pton(AF_INET, ip.c_str(), buf);
    if (ok != 1) return make_error("invalid IP address \"" + ip + "\" in \"" + std::string(spec) + "\"");
    return {};
}

// A port the kernel calls free now for `m`'s protocol and address.
Result<uint16_t> free_port(PortMapping m) {
    m.host_port = 0;
    unique_fd s = TRY(bind_host_socket(m, "choose a free host port for " + std::to_string(m.container_port) + "/" + m.protocol));
    struct sockaddr_storage ss {};
    socklen_t len = sizeof ss;
    bool v6 = is_ipv6(m.host_ip);
    if (::getsockname(s.get(), reinterpret_cast<struct sockaddr*>(&ss), &len) < 0) return sys_error("getsockname");
    return ntohs(v6 ? reinterpret_cast<struct sockaddr_in6*>(&ss)->sin6_port : reinterpret_cast<struct sockaddr_in*>(&ss)->sin_port);
}

std::string shown_ip(const std::string& ip) {
    if (ip.empty()) return "0.0.0.0";
    return is_ipv6(ip) ? "[" + ip + "]" : ip;
}

}  // namespace

Result<unique_fd> bind_host_socket(const PortMapping& m, const std::string& what) {
    bool v6 = is_ipv6(m.host_ip);
    bool udp = m.protocol == "udp";
    unique_fd s(::socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) return sys_error(what + ": socket");
    int one = 1;
    if (!udp) (void)::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss {};
    socklen_t len;
    int parsed = 1;
    if (v6) {
        auto* a = reinterpret_cast<struct sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(m.host_port);
        parsed = ::inet_pton(AF_INET6, m.host_ip.c_str(), &a->sin6_addr);
        (void)::setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<struct sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(m.host_port);
        if (!m.host_ip.empty()) parsed = ::inet_pton(AF_INET, m.host_ip.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    if (parsed != 1) return make_error(what + ": invalid address \"" + m.host_ip + "\"");
    if (::bind(s.get(), reinterpret_cast<struct sockaddr*>(&ss), len) < 0) return sys_error(what);
    return s;
}

Result<std::vector<PortMapping>> parse_publish(std::string_view spec) {
    std::string_view rest = spec;
    std::vector<std::string> protocols = TRY(split_protocols(rest));
    std::string ip;
    if (rest.starts_with('[')) {
        size_t close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
            return make_error("invalid port mapping \"" + std::string(spec) + "\": want [IPv6]:HOSTPORT:CONTAINERPORT");
        ip = std::string(rest.substr(1, close - 1));
        rest = rest.substr(close + 2);
        if (rest.find(':') == std::string_view::npos)
            return make_error("invalid port mapping \"" + std::string(spec) + "\": want [IPv6]:HOSTPORT:CONTAINERPORT");
    }
    auto parts = str::split(rest, ':');
    std::string host, container;
    if (parts.size() == 1) {
        if (!ip.empty()) return make_error("invalid port mapping \"" + std::string(spec) + "\"");
        container = parts[0];
    } else if (parts.size() == 2) {
        host = parts[0];
        container = parts[1];
    } else if (parts.size() == 3 && ip.empty()) {
        ip = parts[0];
        host = parts[1];
        container = parts[2];
    } else {
        return make_error("invalid port mapping \"" + std::string(spec) + "\": want [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]");
    }
    if (container.empty()) return make_error("invalid port mapping \"" + std::string(spec) + "\": no container port");
    if (!ip.empty()) TRY(check_ip(ip, spec));
    if (ip == "0.0.0.0") ip.clear();
    Range cr = TRY(parse_range(container, spec, false));
    Range hr = TRY(parse_range(host, spec, true));
    if (hr.count > 0 && hr.first == 0 && cr.count > 1)
        return make_error("invalid port mapping \"" + std::string(spec) + "\": host port 0 with a range of container ports");
    if (hr.count > 0 && hr.count != cr.count)
        return make_error("invalid port mapping \"" + std::string(spec) + "\": the host and container port ranges differ in length");
    if (hr.count > 0 && hr.first > 0 && static_cast<unsigned>(hr.first) + hr.count - 1 > 65535)
        return make_error("invalid port mapping \"" + std::string(spec) + "\": host port range past 65535");
    std::vector<PortMapping> out;
    for (auto& proto : protocols)
        for (uint16_t i = 0; i < cr.count; i++)
            out.push_back({ip, static_cast<uint16_t>(hr.count > 0 && hr.first > 0 ? hr.first + i : 0),
                           static_cast<uint16_t>(cr.first + i), proto});
    return out;
}

Result<std::vector<ExposedPort>> parse_expose(std::string_view spec) {
    std::string_view rest = spec;
    std::vector<std::string> protocols = TRY(split_protocols(rest));
    Range r = TRY(parse_range(rest, spec, false));
    if (r.count == 0) return make_error("invalid port \"" + std::string(spec) + "\": no port");
    std::vector<ExposedPort> out;
    for (auto& proto : protocols)
        for (uint16_t i = 0; i < r.count; i++) out.push_back({static_cast<uint16_t>(r.first + i), proto});
    return out;
}

Result<std::vector<PortMapping>> resolve_ports(std::vector<PortMapping> ports, const std::vector<ExposedPort>& exposed,
                                               bool publish_all) {
    if (publish_all) {
        for (auto& e : exposed) {
            bool published = std::any_of(ports.begin(), ports.end(), [&](const PortMapping& m) {
                return m.container_port == e.port && m.protocol == e.protocol;
            });
            if (!published) ports.push_back({"", 0, e.port, e.protocol});
        }
    }
    std::set<std::tuple<std::string, uint16_t, std::string>> taken;
    for (auto& m : ports) {
        if (m.host_port == 0) continue;
        if (!taken.insert({m.host_ip, m.host_port, m.protocol}).second)
            return make_error("host port " + shown_ip(m.host_ip) + ":" + std::to_string(m.host_port) + "/" + m.protocol +
                              " is published twice");
    }
    for (auto& m : ports) {
        if (m.host_port != 0) continue;
        // The kernel does not hand out the same ephemeral port twice while both are bound, but these
        // are released at once: retry the rare repeat.
        for (int tries = 0; tries < 16 && m.host_port == 0; tries++) {
            uint16_t p = TRY(free_port(m));
            if (taken.insert({m.host_ip, p, m.protocol}).second) m.host_port = p;
        }
        if (m.host_port == 0) return make_error("no free host port for " + std::to_string(m.container_port) + "/" + m.protocol);
    }
    return ports;
}

std::string host_address(const PortMapping& m) { return shown_ip(m.host_ip) + ":" + std::to_string(m.host_port); }

std::string format_ports(const std::vector<PortMapping>& ports) {
    std::vector<PortMapping> sorted = ports;
    std::stable_sort(sorted.begin(), sorted.end(), [](const PortMapping& a, const PortMapping& b) {
        return std::tie(a.host_ip, a.protocol, a.container_port) < std::tie(b.host_ip, b.protocol, b.container_port);
    });
    std::vector<std::string> out;
    for (size_t i = 0; i < sorted.size();) {
        size_t j = i + 1;
        while (j < sorted.size() && sorted[j].host_ip == sorted[i].host_ip && sorted[j].protocol == sorted[i].protocol &&
               sorted[j].container_port == sorted[j - 1].container_port + 1 && sorted[j].host_port == sorted[j - 1].host_port + 1)
            j++;
        const PortMapping& a = sorted[i];
        const PortMapping& b = sorted[j - 1];
        std::string host = shown_ip(a.host_ip) + ":" + std::to_string(a.host_port);
        std::string ctr = std::to_string(a.container_port);
        if (j - i > 1) {
            host += "-" + std::to_string(b.host_port);
            ctr += "-" + std::to_string(b.container_port);
        }
        out.push_back(host + "->" + ctr + "/" + a.protocol);
        i = j;
    }
    return str::join(out, ", ");
}

}  // namespace skiff::net
