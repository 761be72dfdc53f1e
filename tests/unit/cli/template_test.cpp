#include <catch2/catch.hpp>

#include "table.hpp"
#include "template.hpp"

using namespace skiff::cli;

namespace {

Value container() {
    return Value::record({
        {"ID", "3f5a5d6d1b0c"},
        {"Names", std::vector<std::string>{"web", "alias"}},
        {"Labels", Value::map({{"b", "2"}, {"a", "1"}})},
        {"State", Value::record({{"Running", true}, {"ExitCode", 0}, {"Pid", 42}})},
        {"Ports", std::vector<std::string>{}},
    });
}

std::string run(const std::string& fmt, const Value& v = container()) {
    auto t = Template::parse(fmt);
    REQUIRE(t.ok());
    auto out = t->execute(v);
    if (!out.ok()) return "ERROR: " + out.error().message;
    return *out;
}

}  // namespace

TEST_CASE("fields, nested fields and Go's printing of values") {
    CHECK(run("{{.ID}}") == "3f5a5d6d1b0c");
    CHECK(run("{{.State.Pid}} {{.State.Running}}") == "42 true");
    CHECK(run("{{.Names}}") == "[web alias]");
    CHECK(run("{{.Labels}}") == "map[a:1 b:2]");
    CHECK(run("{{.State}}") == "{true 0 42}");
    CHECK(run("{{.Labels.a}}") == "1");
    CHECK(run("{{.Labels.zzz}}") == "<no value>");
    CHECK(run("{{.Nope}}").rfind("ERROR: template: can't evaluate field Nope", 0) == 0);
}

TEST_CASE("functions and pipelines") {
    CHECK(run("{{json .Names}}") == R"(["web","alias"])");
    CHECK(run("{{.Names | json}}") == R"(["web","alias"])");
    CHECK(run("{{json .State}}") == R"({"Running":true,"ExitCode":0,"Pid":42})");
    CHECK(run("{{upper .ID}}") == "3F5A5D6D1B0C");
    CHECK(run("{{join .Names \",\"}}") == "web,alias");
    CHECK(run("{{len .Names}}") == "2");
    CHECK(run("{{index .Labels \"b\"}}") == "2");
    CHECK(run("{{index .Names 1}}") == "alias");
    CHECK(run("{{printf \"%s-%d\" .ID .State.Pid}}") == "3f5a5d6d1b0c-42");
    CHECK(run("{{println .ID}}") == "3f5a5d6d1b0c\n");
    CHECK(run("{{bogus .ID}}") == "ERROR: template: function \"bogus\" not defined");
}

TEST_CASE("a parenthesised pipeline's fields, as podman's (index .Mounts 0).Type") {
    Value v = Value::record({{"Mounts", Value::list({Value::record({{"Type", "image"}, {"RW", true}})})}});
    CHECK(run("{{(index .Mounts 0).Type}}", v) == "image");
    CHECK(run("{{ (index .Mounts 0).RW }}", v) == "true");
    CHECK(run("{{(index .Mounts 0)}}", v) == "{image true}");
    CHECK(run("{{(.State).Pid}}") == "42");
}

TEST_CASE("range, if, else, with, trim markers") {
    CHECK(run("{{range .Names}}<{{.}}>{{end}}") == "<web><alias>");
    CHECK(run("{{range .Ports}}x{{else}}none{{end}}") == "none");
    CHECK(run("{{if .State.Running}}up{{else}}down{{end}}") == "up");
    CHECK(run("{{if .Ports}}p{{else if .Names}}n{{else}}z{{end}}") == "n");
    CHECK(run("{{with .State}}{{.Pid}}{{end}}") == "42");
    CHECK(run("a  {{- .ID -}}  b") == "a3f5a5d6d1b0cb");
}

TEST_CASE("parse errors are reported, not crashes") {
    CHECK_FALSE(Template::parse("{{.ID").ok());
    CHECK_FALSE(Template::parse("{{if .ID}}x").ok());
    CHECK_FALSE(Template::parse("{{end}}").ok());
    CHECK_FALSE(Template::parse("{{\"unterminated}}").ok());
}

TEST_CASE("table formats get a header and aligned columns") {
    std::vector<Value> rows = {container(), Value::record({{"ID", "abc"}, {"Names", std::vector<std::string>{"x"}}})};
    auto out = render_rows("table {{.ID}}\t{{.Names}}", rows, {{"ID", "CONTAINER ID"}});
    REQUIRE(out.ok());
    CHECK(*out == "CONTAINER ID  NAMES\n3f5a5d6d1b0c  [web alias]\nabc           [x]\n");
    auto plain = render_rows("{{.ID}}", rows);
    REQUIRE(plain.ok());
    CHECK(*plain == "3f5a5d6d1b0c\nabc\n");
}

TEST_CASE("json quoting matches Go's encoder") {
    CHECK(json_quote("a\"b<c>&\n\x01") == R"("a\"b\u003cc\u003e\u0026\n\u0001")");
    CHECK(Value::list({}).json() == "[]");
    CHECK(Value::record({{"A", 1}}).json(4) == "{\n    \"A\": 1\n}");
}
