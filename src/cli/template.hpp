// The --format engine: a value model for what commands print, and Go's text/template subset that
// podman users write: {{.Field.Sub}}, {{json .}}, pipelines, {{range}}, {{if}}/{{else}}, functions
// (json, upper, lower, title, join, len, index, println, printf with %s %d %v %q), and Go's printing
// of maps ("map[a:1 b:2]") and slices ("[a b]"). One module for every command that formats.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "skiff/base/result.hpp"

namespace skiff::cli {

class Value {
public:
    enum class Kind { kNull, kBool, kInt, kString, kList, kMap, kStruct };
    using List = std::vector<Value>;
    using Map = std::map<std::string, Value>;                     // Go sorts map keys when printing
    using Fields = std::vector<std::pair<std::string, Value>>;  // struct fields in declaration order

    Value() = default;
    Value(bool b) : kind_(Kind::kBool), int_(b) {}
    Value(int i) : kind_(Kind::kInt), int_(i) {}
    Value(long i) : kind_(Kind::kInt), int_(i) {}
    Value(long long i) : kind_(Kind::kInt), int_(i) {}
    Value(unsigned i) : kind_(Kind::kInt), int_(i) {}
    Value(unsigned long i) : kind_(Kind::kInt), int_(static_cast<int64_t>(i)) {}
    Value(unsigned long long i) : kind_(Kind::kInt), int_(static_cast<int64_t>(i)) {}
    Value(const char* s) : kind_(Kind::kString), str_(s) {}
    Value(std::string s) : kind_(Kind::kString), str_(std::move(s)) {}
    Value(const std::vector<std::string>& v);
    static Value list(List items);
    static Value map(Map m);
    static Value record(Fields f);  // a struct

    Kind kind() const { return kind_; }
    bool truthy() const;  // Go's template truth: false, 0, "", empty list/map and null are false
    const Value* field(const std::string& name) const;  // struct field or map key; null if none
    const std::string& str() const { return str_; }
    int64_t integer() const { return int_; }
    const List& items() const { return *list_; }
    const Map& entries() const { return *map_; }
    const Fields& fields() const { return *fields_; }

    std::string print() const;                   // as Go's fmt %v
    std::string json(int indent = -1) const;     // compact with -1, else indented by `indent` spaces

private:
    void json_into(std::string& out, int indent, int depth) const;
    Kind kind_ = Kind::kNull;
    int64_t int_ = 0;
    std::string str_;
    std::shared_ptr<const List> list_;
    std::shared_ptr<const Map> map_;
    std::shared_ptr<const Fields> fields_;
};

class Template {
public:
    // Parse a --format string. A leading "table" asks for a header row and aligned columns.
    static Result<Template> parse(const std::string& text);
    bool is_table() const { return table_; }
    Result<std::string> execute(const Value& dot) const;
    // The header row of a "table" format: each {{.Field}} becomes its column name in upper case
    // (podman's: "{{.ID}}" → "ID", "{{.Names}}" → "NAMES"), with `headers` overriding.
    std::string header(const std::map<std::string, std::string>& headers = {}) const;

    struct Node;

private:
    bool table_ = false;
    std::string source_;
    std::shared_ptr<const std::vector<Node>> nodes_;
};

// Go's time.Time String() in UTC to the second ("2022-06-15 12:00:00 +0000 UTC"), as podman's
// {{.CreatedAt}} of images and history prints it.
std::string go_time_text(int64_t ns);

// A size as podman's images and history print it: "2.84 MB", a space before the unit.
std::string spaced_size(uint64_t bytes);

// Render rows: a table format gets a header and tab-separated cells aligned like podman's tabwriter;
// a plain format is executed once per row, each followed by a newline.
Result<std::string> render_rows(const std::string& format, const std::vector<Value>& rows,
                                const std::map<std::string, std::string>& headers = {});

}  // namespace skiff::cli
