#include "skiff/oci/platform.hpp"

#include <sys/utsname.h>

#include <string_view>
#include <vector>

#include "skiff/base/strings.hpp"

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

Result<PlatformChoice> parse_platform(std::string_view s) {
    auto parts = str::split(s, '/');
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
        return make_error("invalid platform \"" + std::string(s) + "\": want os/arch[/variant]");
    PlatformChoice p{parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
    return p;
}

Result<Descriptor> choose_platform(const Index& index, const PlatformChoice& want) {
    std::string os = want.os.empty() ? "linux" : want.os;
    std::string arch = want.architecture.empty() ? host_architecture() : want.architecture;
    std::string variant = want.variant;
    if (variant.empty() && want.architecture.empty()) variant = host_variant();
    const Descriptor* any_variant = nullptr;
    std::vector<std::string> offered;
    for (auto& d : index.manifests) {
        auto& p = d.platform;
        std::string desc = p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
        offered.push_back(desc);
        if (!is_manifest_media_type(d.media_type) && !d.media_type.empty()) continue;
        if (p.os != os || p.architecture != arch) continue;
        if (p.variant == variant) return d;
        if (want.variant.empty() && !any_variant) any_variant = &d;
    }
    if (any_variant) return *any_variant;
    std::string target = os + "/" + arch + (variant.empty() ? "" : "/" + variant);
    return make_error("no image found for platform " + target + " (the index offers: " +
                      (offered.empty() ? std::string("nothing") : str::join(offered, ", ")) + ")");
}

}  // namespace skiff::oci
