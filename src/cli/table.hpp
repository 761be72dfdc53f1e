// Column output as podman prints it (Go's tabwriter: cells padded to the widest, two spaces apart).
#pragma once

#include <string>
#include <vector>

namespace skiff::cli {

class Table {
public:
    explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Without the header row when `header` is false.
    std::string render(bool header = true) const;

private:
    std::vector<std::vector<std::string>> rows_;
};

// JSON string literal with the escapes Go's encoder uses for <, >, & and control characters.
std::string json_quote(const std::string& s);

}  // namespace skiff::cli
