#include "xattrs.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>

#include "skiff/base/strings.hpp"

namespace skiff::storage {

std::string proc_path(int dirfd, const std::string& name) {
    return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

bool is_overlay_xattr(std::string_view name) {
    return str::starts_with(name, "trusted.overlay.") || str::starts_with(name, "user.overlay.");
}

std::optional<std::string> overlay_attr(int dirfd, const std::string& name, const char* what) {
    std::string path = proc_path(dirfd, name);
    for (const char* prefix : {"trusted.overlay.", "user.overlay."}) {
        char buf[16];
        ssize_t n = ::lgetxattr(path.c_str(), (std::string(prefix) + what).c_str(), buf, sizeof buf);
        if (n >= 0) return std::string(buf, static_cast<size_t>(n));
    }
    return std::nullopt;
}

Result<std::vector<std::string>> xattr_names(const std::string& path, const std::string& shown) {
    std::vector<std::string> out;
    ssize_t len = ::llistxattr(path.c_str(), nullptr, 0);
    if (len <= 0) return out;
    std::string names(static_cast<size_t>(len), '\0');
    len = ::llistxattr(path.c_str(), names.data(), names.size());
    if (len < 0) return sys_error("list extended attributes of " + shown);
    for (size_t i = 0; i < static_cast<size_t>(len);) {
        std::string key = names.c_str() + i;
        i += key.size() + 1;
        if (!key.empty() && !is_overlay_xattr(key)) out.push_back(std::move(key));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::string> xattr_value(const std::string& path, const std::string& key) {
    ssize_t len = ::lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (len < 0) return std::nullopt;
    std::string value(static_cast<size_t>(len), '\0');
    len = ::lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
    if (len < 0) return std::nullopt;
    value.resize(static_cast<size_t>(len));
    return value;
}

}  // namespace skiff::storage
