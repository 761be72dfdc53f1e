// skiff version [--format json|TEMPLATE]: the version of this binary and what it was built for.
#include <sys/utsname.h>

#include <iostream>
#include <memory>

#include <CLI/App.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "template.hpp"
#include "version.hpp"

namespace skiff::cli {

namespace {

// podman's SystemVersionReport: a Client (this binary); skiff has no server to add a Server.
Value version_report() {
    struct utsname u {};
    ::uname(&u);
    std::string machine = u.machine;
    std::string arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
    Value client = Value::record({{"Version", SKIFF_VERSION}, {"OsArch", "linux/" + arch}, {"Os", "linux"}});
    return Value::record({{"Client", client}});
}

Result<std::string> format_version(const Value& report, const std::string& format) {
    if (format == "json" || format == "{{json .}}") return report.json() + "\n";
    if (format.empty()) {
        const Value& c = *report.field("Client");
        return fmt::format("Version:      {}\nOS/Arch:      {}\n", c.field("Version")->str(), c.field("OsArch")->str());
    }
    auto tmpl = TRY(Template::parse(format));
    auto out = tmpl.execute(report);
    // As podman: a template that does not fit the report is tried on the client alone, so the
    // older `{{.Version}}` keeps working.
    if (!out.ok()) out = tmpl.execute(*report.field("Client"));
    std::string text = TRY(std::move(out));
    if (text.empty() || text.back() != '\n') text += "\n";
    return text;
}

}  // namespace

void add_version(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("version", "Display the skiff version information");
    auto format = std::make_shared<std::string>();
    sub->add_option("-f,--format", *format, "Change the output format to JSON or a Go template");
    sub->callback([format, &ctx] {
        auto text = format_version(version_report(), *format);
        if (!text.ok()) {
            ctx.exit_code = fail(text.error());
            return;
        }
        std::cout << *text;
    });
}

}  // namespace skiff::cli
