#include "table.hpp"

#include <algorithm>

#include <fmt/core.h>

namespace skiff::cli {

// Display width of UTF-8 text: one column per code point (no East Asian wide forms here).
static size_t width(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string Table::render(bool header) const {
    std::vector<size_t> widths;
    for (size_t r = header ? 0 : 1; r < rows_.size(); ++r)
        for (size_t i = 0; i < rows_[r].size(); ++i) {
            if (widths.size() <= i) widths.resize(i + 1, 0);
            widths[i] = std::max(widths[i], width(rows_[r][i]));
        }
    std::string out;
    for (size_t r = header ? 0 : 1; r < rows_.size(); ++r) {
        std::string line;
        for (size_t i = 0; i < rows_[r].size(); ++i) {
            line += rows_[r][i];
            // Go's tabwriter as podman configures it: cells at least 12 wide, padded by 2.
            if (i + 1 < rows_[r].size()) line.append(std::max<size_t>(widths[i] + 2, 12) - width(rows_[r][i]), ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '<': out += "\\u003c"; break;
            case '>': out += "\\u003e"; break;
            case '&': out += "\\u0026"; break;
            default:
                if (c < 0x20)
                    out += fmt::format("\\u{:04x}", c);
                else
                    out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

}  // namespace skiff::cli
