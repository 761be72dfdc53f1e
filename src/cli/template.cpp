#include "template.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/core.h>

#include "skiff/base/strings.hpp"
#include "skiff/base/time.hpp"
#include "table.hpp"

namespace skiff::cli {

// ------------------------------------------------------------------------------------------------
// Values

Value::Value(const std::vector<std::string>& v) : kind_(Kind::kList) {
    List items(v.begin(), v.end());
    list_ = std::make_shared<const List>(std::move(items));
}

Value Value::list(List items) {
    Value v;
    v.kind_ = Kind::kList;
    v.list_ = std::make_shared<const List>(std::move(items));
    return v;
}

Value Value::map(Map m) {
    Value v;
    v.kind_ = Kind::kMap;
    v.map_ = std::make_shared<const Map>(std::move(m));
    return v;
}

Value Value::record(Fields f) {
    Value v;
    v.kind_ = Kind::kStruct;
    v.fields_ = std::make_shared<const Fields>(std::move(f));
    return v;
}

bool Value::truthy() const {
    switch (kind_) {
        case Kind::kNull: return false;
        case Kind::kBool:
        case Kind::kInt: return int_ != 0;
        case Kind::kString: return !str_.empty();
        case Kind::kList: return !list_->empty();
        case Kind::kMap: return !map_->empty();
        case Kind::kStruct: return true;
    }
    return false;
}

const Value* Value::field(const std::string& name) const {
    if (kind_ == Kind::kStruct) {
        for (auto& [k, v] : *fields_)
            if (k == name) return &v;
    } else if (kind_ == Kind::kMap) {
        auto it = map_->find(name);
        if (it != map_->end()) return &it->second;
    }
    return nullptr;
}

std::string Value::print() const {
    switch (kind_) {
        case Kind::kNull: return "<no value>";
        case Kind::kBool: return int_ ? "true" : "false";
        case Kind::kInt: return std::to_string(int_);
        case Kind::kString: return str_;
        case Kind::kList: {
            std::string out = "[";
            for (size_t i = 0; i < list_->size(); ++i) out += (i ? " " : "") + (*list_)[i].print();
            return out + "]";
        }
        case Kind::kMap: {
            std::string out = "map[";
            size_t i = 0;
            for (auto& [k, v] : *map_) out += (i++ ? " " : "") + k + ":" + v.print();
            return out + "]";
        }
        case Kind::kStruct: {
            std::string out = "{";
            for (size_t i = 0; i < fields_->size(); ++i) out += (i ? " " : "") + (*fields_)[i].second.print();
            return out + "}";
        }
    }
    return "";
}

void Value::json_into(std::string& out, int indent, int depth) const {
    auto newline = [&](int d) {
        if (indent >= 0) out += "\n" + std::string(static_cast<size_t>(indent * d), ' ');
    };
    const char* colon = indent >= 0 ? ": " : ":";
    switch (kind_) {
        case Kind::kNull: out += "null"; return;
        case Kind::kBool: out += int_ ? "true" : "false"; return;
        case Kind::kInt: out += std::to_string(int_); return;
        case Kind::kString: out += json_quote(str_); return;
        case Kind::kList:
            if (list_->empty()) {
                out += "[]";
                return;
            }
            out += "[";
            for (size_t i = 0; i < list_->size(); ++i) {
                if (i) out += ",";
                newline(depth + 1);
                (*list_)[i].json_into(out, indent, depth + 1);
            }
            newline(depth);
            out += "]";
            return;
        case Kind::kMap:
        case Kind::kStruct: {
            std::vector<std::pair<std::string, const Value*>> members;
            if (kind_ == Kind::kMap)
                for (auto& [k, v] : *map_) members.emplace_back(k, &v);
            else
                for (auto& [k, v] : *fields_) members.emplace_back(k, &v);
            if (members.empty()) {
                out += "{}";
                return;
            }
            out += "{";
            for (size_t i = 0; i < members.size(); ++i) {
                if (i) out += ",";
                newline(depth + 1);
                out += json_quote(members[i].first) + colon;
                members[i].second->json_into(out, indent, depth + 1);
            }
            newline(depth);
            out += "}";
            return;
        }
    }
}

std::string Value::json(int indent) const {
    std::string out;
    json_into(out, indent, 0);
    return out;
}

// ------------------------------------------------------------------------------------------------
// Parsing

namespace {

struct Operand {
    enum class Kind { kDot, kField, kString, kNumber, kBool, kIdent, kPipe };
    Kind kind = Kind::kDot;
    std::vector<std::string> path;  // kField: names after the dot
    std::string text;               // kString, kIdent
    int64_t number = 0;
    std::shared_ptr<const struct Pipeline> pipe;  // kPipe: a parenthesised pipeline (`path`: fields of its value)
};

struct Command {
    std::vector<Operand> words;
};

struct Pipeline {
    std::vector<Command> commands;
};

}  // namespace

struct Template::Node {
    enum class Kind { kText, kAction, kRange, kIf, kWith };
    Kind kind = Kind::kText;
    std::string text;
    Pipeline pipe;
    std::vector<Node> body;
    std::vector<Node> else_body;
};

namespace {

using Node = Template::Node;

Error template_error(const std::string& msg) { return make_error("template: " + msg); }

class ActionLexer {
public:
    explicit ActionLexer(std::string_view s) : s_(s) {}

    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    bool done() {
        skip_space();
        return pos_ >= s_.size();
    }
    char peek() {
        skip_space();
        return pos_ < s_.size() ? s_[pos_] : '\0';
    }
    void advance() { ++pos_; }
    std::string_view rest() {
        skip_space();
        return s_.substr(pos_);
    }
    void consume(size_t n) { pos_ += n; }

    // The names of a field chain (".A.B" after its first dot), into `path`.
    void fields(std::vector<std::string>& path) {
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '.')) {
            size_t start = pos_;
            while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
            if (pos_ > start) path.emplace_back(s_.substr(start, pos_ - start));
            if (pos_ < s_.size() && s_[pos_] == '.') ++pos_;
        }
    }

    Result<Operand> operand() {
        skip_space();
        Operand op;
        char c = s_[pos_];
        if (c == '.') {
            ++pos_;
            op.kind = Operand::Kind::kDot;
            fields(op.path);
            if (!op.path.empty()) op.kind = Operand::Kind::kField;
            return op;
        }
        if (c == '"' || c == '`') {
            char quote = c;
            ++pos_;
            std::string out;
            while (pos_ < s_.size() && s_[pos_] != quote) {
                if (quote == '"' && s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
                    char e = s_[++pos_];
                    out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                } else {
                    out += s_[pos_];
                }
                ++pos_;
            }
            if (pos_ >= s_.size()) return template_error("unterminated quoted string");
            ++pos_;
            op.kind = Operand::Kind::kString;
            op.text = std::move(out);
            return op;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
            size_t start = pos_++;
            while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
            op.kind = Operand::Kind::kNumber;
            op.number = std::strtoll(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr, 10);
            return op;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '$') {
            size_t start = pos_;
            while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '$')) ++pos_;
            op.text = std::string(s_.substr(start, pos_ - start));
            if (op.text == "true" || op.text == "false") {
                op.kind = Operand::Kind::kBool;
                op.number = op.text == "true";
            } else if (op.text == "$") {
                op.kind = Operand::Kind::kDot;  // $ is the top-level dot; inside range we keep it simple
            } else {
                op.kind = Operand::Kind::kIdent;
            }
            return op;
        }
        return template_error(fmt::format("unexpected \"{}\" in command", c));
    }

    Result<Pipeline> pipeline(bool in_paren = false) {
        Pipeline p;
        Command cmd;
        for (;;) {
            char c = peek();
            if (c == '\0' || (in_paren && c == ')')) break;
            if (c == '|') {
                advance();
                if (cmd.words.empty()) return template_error("missing command before \"|\"");
                p.commands.push_back(std::move(cmd));
                cmd = Command{};
                continue;
            }
            if (c == '(') {
                advance();
                auto inner = TRY(pipeline(true));
                if (peek() != ')') return template_error("unclosed left paren");
                advance();
                Operand op;
                op.kind = Operand::Kind::kPipe;
                op.pipe = std::make_shared<const Pipeline>(std::move(inner));
                // (PIPELINE).Field: a field of the pipeline's value, as Go's templates chain it.
                if (pos_ < s_.size() && s_[pos_] == '.') {
                    ++pos_;
                    fields(op.path);
                }
                cmd.words.push_back(std::move(op));
                continue;
            }
            cmd.words.push_back(TRY(operand()));
        }
        if (cmd.words.empty()) return template_error(p.commands.empty() ? "missing value for command" : "missing command after \"|\"");
        p.commands.push_back(std::move(cmd));
        return p;
    }

private:
    std::string_view s_;
    size_t pos_ = 0;
};

struct Token {
    bool action = false;
    std::string text;
};

Result<std::vector<Token>> tokenize(const std::string& s) {
    std::vector<Token> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t open = s.find("{{", pos);
        std::string text = s.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
        if (open == std::string::npos) {
            out.push_back({false, text});
            break;
        }
        size_t close = s.find("}}", open + 2);
        if (close == std::string::npos) return template_error("unclosed action");
        std::string inner = s.substr(open + 2, close - open - 2);
        if (!inner.empty() && inner[0] == '-' && (inner.size() == 1 || std::isspace(static_cast<unsigned char>(inner[1])))) {
            inner.erase(0, 1);
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
        }
        bool trim_right = false;
        if (!inner.empty() && inner.back() == '-' && (inner.size() == 1 || std::isspace(static_cast<unsigned char>(inner[inner.size() - 2])))) {
            inner.pop_back();
            trim_right = true;
        }
        if (!text.empty()) out.push_back({false, text});
        out.push_back({true, inner});
        pos = close + 2;
        if (trim_right)
            while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
    }
    return out;
}

// Parses tokens[i…] into `nodes` until {{end}} or {{else}}; returns which one stopped it.
Result<std::string> parse_list(const std::vector<Token>& toks, size_t& i, std::vector<Node>& nodes) {
    while (i < toks.size()) {
        const Token& t = toks[i++];
        if (!t.action) {
            nodes.push_back(Node{Node::Kind::kText, t.text, {}, {}, {}});
            continue;
        }
        ActionLexer lx(t.text);
        std::string_view rest = lx.rest();
        if (rest.empty() || rest.substr(0, 2) == "/*") continue;  // {{/* comment */}}
        auto word = rest.substr(0, rest.find_first_of(" \t\n"));
        if (word == "end") return std::string("end");
        if (word == "else") {
            lx.consume(4);
            if (lx.rest().substr(0, 2) == "if") return std::string("else if") + std::string(lx.rest().substr(2));
            return std::string("else");
        }
        if (word == "range" || word == "if" || word == "with") {
            lx.consume(word.size());
            Node n;
            n.kind = word == "range" ? Node::Kind::kRange : word == "if" ? Node::Kind::kIf : Node::Kind::kWith;
            n.pipe = TRY(lx.pipeline());
            std::string stop = TRY(parse_list(toks, i, n.body));
            // "else if" chains nest an if inside the else branch.
            Node* tail = &n;
            while (stop.rfind("else if", 0) == 0) {
                std::string condition = stop.substr(7);
                ActionLexer inner(condition);
                Node elif;
                elif.kind = Node::Kind::kIf;
                elif.pipe = TRY(inner.pipeline());
                stop = TRY(parse_list(toks, i, elif.body));
                tail->else_body.push_back(std::move(elif));
                tail = &tail->else_body.back();
            }
            if (stop == "else") stop = TRY(parse_list(toks, i, tail->else_body));
            if (stop != "end") return template_error(fmt::format("unexpected EOF in {}", word));
            nodes.push_back(std::move(n));
            continue;
        }
        Node n;
        n.kind = Node::Kind::kAction;
        n.pipe = TRY(lx.pipeline());
        n.text = t.text;
        nodes.push_back(std::move(n));
    }
    return std::string();
}

// ------------------------------------------------------------------------------------------------
// Evaluation

std::string title_case(std::string s) {
    bool start = true;
    for (auto& c : s) {
        if (start && std::isalpha(static_cast<unsigned char>(c))) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        start = std::isspace(static_cast<unsigned char>(c));
    }
    return s;
}

Result<std::string> go_printf(const std::string& format, const std::vector<Value>& args) {
    std::string out;
    size_t a = 0;
    for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 >= format.size()) {
            out += format[i];
            continue;
        }
        char verb = format[++i];
        if (verb == '%') {
            out += '%';
            continue;
        }
        if (a >= args.size()) {
            out += fmt::format("%!{}(MISSING)", verb);
            continue;
        }
        const Value& v = args[a++];
        if (verb == 'q')
            out += json_quote(v.print());
        else
            out += v.print();
    }
    return out;
}

Result<Value> call(const std::string& name, std::vector<Value> args) {
    auto want = [&](size_t n) -> Result<void> {
        if (args.size() != n)
            return template_error(fmt::format("wrong number of args for {}: want {} got {}", name, n, args.size()));
        return {};
    };
    if (name == "json") {
        TRY(want(1));
        return Value(args[0].json());
    }
    if (name == "upper" || name == "lower" || name == "title") {
        TRY(want(1));
        std::string s = args[0].print();
        if (name == "title") return Value(title_case(s));
        for (auto& c : s) c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
        return Value(s);
    }
    if (name == "join") {
        TRY(want(2));
        if (args[0].kind() != Value::Kind::kList) return Value(args[0].print());
        std::string out;
        for (size_t i = 0; i < args[0].items().size(); ++i) out += (i ? args[1].print() : "") + args[0].items()[i].print();
        return Value(out);
    }
    if (name == "len") {
        TRY(want(1));
        auto& v = args[0];
        if (v.kind() == Value::Kind::kList) return Value(static_cast<long long>(v.items().size()));
        if (v.kind() == Value::Kind::kMap) return Value(static_cast<long long>(v.entries().size()));
        if (v.kind() == Value::Kind::kString) return Value(static_cast<long long>(v.str().size()));
        return template_error("len of " + v.print());
    }
    if (name == "index") {
        TRY(want(2));
        auto& v = args[0];
        if (v.kind() == Value::Kind::kList) {
            auto i = args[1].integer();
            if (i < 0 || static_cast<size_t>(i) >= v.items().size()) return template_error(fmt::format("index out of range: {}", i));
            return v.items()[static_cast<size_t>(i)];
        }
        const Value* f = v.field(args[1].print());
        return f ? *f : Value();
    }
    if (name == "println" || name == "print") {
        std::string out;
        for (size_t i = 0; i < args.size(); ++i) out += (i ? " " : "") + args[i].print();
        return Value(name == "println" ? out + "\n" : out);
    }
    if (name == "printf") {
        if (args.empty()) return template_error("wrong number of args for printf");
        std::vector<Value> rest(args.begin() + 1, args.end());
        return Value(TRY(go_printf(args[0].print(), rest)));
    }
    if (name == "truncate") {
        TRY(want(2));
        std::string s = args[0].print();
        auto n = static_cast<size_t>(std::max<int64_t>(0, args[1].integer()));
        return Value(s.size() > n ? s.substr(0, n) : s);
    }
    if (name == "not") {
        TRY(want(1));
        return Value(!args[0].truthy());
    }
    if (name == "eq" || name == "ne") {
        TRY(want(2));
        bool eq = args[0].kind() == args[1].kind() && args[0].print() == args[1].print();
        return Value(name == "eq" ? eq : !eq);
    }
    if (name == "contains") {
        TRY(want(2));
        return Value(args[0].print().find(args[1].print()) != std::string::npos);
    }
    return template_error(fmt::format("function \"{}\" not defined", name));
}

Result<Value> eval_pipeline(const Pipeline& p, const Value& dot);

Result<Value> eval_operand(const Operand& op, const Value& dot) {
    switch (op.kind) {
        case Operand::Kind::kDot: return dot;
        case Operand::Kind::kString: return Value(op.text);
        case Operand::Kind::kNumber: return Value(static_cast<long long>(op.number));
        case Operand::Kind::kBool: return Value(op.number != 0);
        case Operand::Kind::kIdent: return call(op.text, {});
        case Operand::Kind::kPipe:
        case Operand::Kind::kField: {
            Value piped;
            if (op.kind == Operand::Kind::kPipe) piped = TRY(eval_pipeline(*op.pipe, dot));
            const Value* v = op.kind == Operand::Kind::kPipe ? &piped : &dot;
            std::string walked;
            for (auto& name : op.path) {
                const Value* next = v->field(name);
                if (!next) {
                    if (v->kind() == Value::Kind::kMap) return Value();  // a missing map key is <no value>
                    return template_error(fmt::format("can't evaluate field {} in type {}", name,
                                                      walked.empty() ? "the value" : walked));
                }
                walked += "." + name;
                v = next;
            }
            return *v;
        }
    }
    return Value();
}

Result<Value> eval_pipeline(const Pipeline& p, const Value& dot) {
    Value result;
    bool have = false;
    for (auto& cmd : p.commands) {
        const Operand& head = cmd.words.front();
        if (head.kind == Operand::Kind::kIdent) {
            std::vector<Value> args;
            for (size_t i = 1; i < cmd.words.size(); ++i) args.push_back(TRY(eval_operand(cmd.words[i], dot)));
            if (have) args.push_back(result);
            result = TRY(call(head.text, std::move(args)));
        } else {
            if (cmd.words.size() > 1) return template_error("can't give argument to non-function");
            if (have) return template_error("can't pipe into a value");
            result = TRY(eval_operand(head, dot));
        }
        have = true;
    }
    return result;
}

Result<void> exec_nodes(const std::vector<Node>& nodes, const Value& dot, std::string& out) {
    for (auto& n : nodes) {
        switch (n.kind) {
            case Node::Kind::kText: out += n.text; break;
            case Node::Kind::kAction: out += TRY(eval_pipeline(n.pipe, dot)).print(); break;
            case Node::Kind::kIf: {
                Value v = TRY(eval_pipeline(n.pipe, dot));
                TRY(exec_nodes(v.truthy() ? n.body : n.else_body, dot, out));
                break;
            }
            case Node::Kind::kWith: {
                Value v = TRY(eval_pipeline(n.pipe, dot));
                if (v.truthy())
                    TRY(exec_nodes(n.body, v, out));
                else
                    TRY(exec_nodes(n.else_body, dot, out));
                break;
            }
            case Node::Kind::kRange: {
                Value v = TRY(eval_pipeline(n.pipe, dot));
                if (!v.truthy()) {
                    TRY(exec_nodes(n.else_body, dot, out));
                } else if (v.kind() == Value::Kind::kList) {
                    for (auto& item : v.items()) TRY(exec_nodes(n.body, item, out));
                } else if (v.kind() == Value::Kind::kMap) {
                    for (auto& [k, item] : v.entries()) TRY(exec_nodes(n.body, item, out));
                } else {
                    return template_error("range can't iterate over " + v.print());
                }
                break;
            }
        }
    }
    return {};
}

}  // namespace

Result<Template> Template::parse(const std::string& text) {
    Template t;
    std::string body = text;
    if (body.rfind("table", 0) == 0 && (body.size() == 5 || std::isspace(static_cast<unsigned char>(body[5])))) {
        t.table_ = true;
        // podman's "table " formats: every space is a column break (its tabwriter aligns them).
        if (body.size() > 5 && body[5] == ' ') std::replace(body.begin() + 6, body.end(), ' ', '\t');
        body = body.substr(std::min<size_t>(body.size(), 6));
    }
    // As podman: a literal "\t" or "\n" typed on a shell command line means the character.
    for (auto [from, to] : {std::pair<const char*, const char*>{"\\t", "\t"}, {"\\n", "\n"}}) {
        for (size_t pos; (pos = body.find(from)) != std::string::npos;) body.replace(pos, 2, to);
    }
    t.source_ = body;
    auto toks = TRY_CTX(tokenize(body), "invalid --format " + text);
    auto nodes = std::make_shared<std::vector<Node>>();
    size_t i = 0;
    std::string stop = TRY(parse_list(toks, i, *nodes));
    if (!stop.empty()) return template_error("unexpected {{" + stop + "}}");
    t.nodes_ = std::move(nodes);
    return t;
}

Result<std::string> Template::execute(const Value& dot) const {
    std::string out;
    TRY(exec_nodes(*nodes_, dot, out));
    return out;
}

std::string Template::header(const std::map<std::string, std::string>& headers) const {
    std::string out;
    for (auto& n : *nodes_) {
        if (n.kind == Node::Kind::kText) {
            out += n.text;
            continue;
        }
        if (n.kind != Node::Kind::kAction) continue;
        const auto& words = n.pipe.commands.front().words;
        std::string name;
        for (auto& w : words)
            if (w.kind == Operand::Kind::kField) name = w.path.back();
        auto it = headers.find(name);
        if (it != headers.end()) {
            out += it->second;
            continue;
        }
        std::string h = name.empty() ? n.text : name;
        for (auto& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += h;
    }
    return out;
}

Result<std::string> render_rows(const std::string& format, const std::vector<Value>& rows,
                                const std::map<std::string, std::string>& headers) {
    auto t = TRY(Template::parse(format));
    if (!t.is_table()) {
        std::string out;
        for (auto& r : rows) {
            out += TRY(t.execute(r));
            if (out.empty() || out.back() != '\n') out += "\n";
        }
        return out;
    }
    auto cells = [](const std::string& line) {
        std::vector<std::string> c;
        size_t start = 0;
        for (;;) {
            size_t tab = line.find('\t', start);
            c.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        return c;
    };
    Table table(cells(t.header(headers)));
    for (auto& r : rows) {
        std::string line = TRY(t.execute(r));
        while (!line.empty() && line.back() == '\n') line.pop_back();
        table.add(cells(line));
    }
    return table.render();
}

std::string go_time_text(int64_t ns) {
    std::string t = format_rfc3339(ns - ns % 1000000000);  // "2026-11-23T21:57:16Z"
    return t.substr(0, 10) + " " + t.substr(11, 8) + " +0000 UTC";
}

std::string spaced_size(uint64_t bytes) {
    std::string s = str::human_size(bytes);
    auto unit = s.find_first_not_of("0123456789.");
    return unit == std::string::npos ? s : s.substr(0, unit) + " " + s.substr(unit);
}

}  // namespace skiff::cli
