#include "skiff/oci/platform.hpp"

#include <sys/utsname.h>

#include <string_view>

namespace skiff::oci {

namespace {

std::string machine() {
    struct utsname u {};
    ::uname(&u);
    return u.machine;
}

}  // namespace

std::string host_architecture() {
    std::string m = machine();
    if (m == "x86_64") return "amd64";
    if (m == "aarch64" || m == "arm64") return "arm64";
    if (m.rfind("armv", 0) == 0) return "arm";
    if (m == "i386" || m == "i486" || m == "i586" || m == "i686") return "386";
    if (m == "ppc64le") return "ppc64le";
    if (m == "s390x") return "s390x";
    if (m == "riscv64") return "riscv64";
    return m;
}

std::string host_variant() {
    std::string m = machine();
    if (m == "aarch64" || m == "arm64") return "v8";
    if (m.rfind("armv7", 0) == 0) return "v7";
    if (m.rfind("armv6", 0) == 0) return "v6";
    return {};
}

bool platform_matches_host(const Platform& p) {
    if (!p.os.empty() && p.os != "linux") return false;
    if (p.architecture.empty()) return true;
    if (p.architecture != host_architecture()) return false;
    return p.variant.empty() || host_variant().empty() || p.variant == host_variant();
}

}  // namespace skiff::oci
