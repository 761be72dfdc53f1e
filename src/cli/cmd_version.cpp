// skiff version: the version of this binary and what it was built for.
#include <sys/utsname.h>

#include <iostream>
#include <memory>

#include <CLI/App.hpp>
#include <fmt/core.h>

#include "commands.hpp"
#include "version.hpp"

namespace skiff::cli {

void add_version(CLI::App& parent, Context& ctx) {
    auto* sub = parent.add_subcommand("version", "Display the skiff version information");
    auto format = std::make_shared<std::string>();
    sub->add_option("-f,--format", *format, "Change the output format to JSON");
    sub->callback([format, &ctx] {
        struct utsname u {};
        ::uname(&u);
        std::string arch = std::string(u.machine) == "x86_64" ? "amd64" : u.machine;
        if (*format == "json" || *format == "{{json .}}") {
            std::cout << fmt::format("{{\n  \"Client\": {{\n    \"Version\": \"{}\",\n    \"OsArch\": \"linux/{}\"\n  }}\n}}\n",
                                     SKIFF_VERSION, arch);
        } else if (format->empty()) {
            std::cout << fmt::format("Version:      {}\nOS/Arch:      linux/{}\n", SKIFF_VERSION, arch);
        } else {
            ctx.exit_code = fail(make_error("unsupported format \"" + *format + "\": want json"));
        }
    });
}

}  // namespace skiff::cli
