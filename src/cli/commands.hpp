// The command table: every command's registration function, listed once in commands.cpp.
#pragma once

#include "context.hpp"

namespace skiff::cli {

using AddCommand = void (*)(CLI::App& parent, Context& ctx);

struct CommandEntry {
    const char* name;
    AddCommand add;
};

// All top-level commands, in the order `skiff --help` lists them.
const CommandEntry* commands(size_t* count);

void add_info(CLI::App& parent, Context& ctx);
void add_version(CLI::App& parent, Context& ctx);
void add_run(CLI::App& parent, Context& ctx);
void add_ps(CLI::App& parent, Context& ctx);
void add_rm(CLI::App& parent, Context& ctx);
void add_images(CLI::App& parent, Context& ctx);
void add_import(CLI::App& parent, Context& ctx);
void add_inspect(CLI::App& parent, Context& ctx);
void add_load(CLI::App& parent, Context& ctx);
void add_rmi(CLI::App& parent, Context& ctx);
void add_pull(CLI::App& parent, Context& ctx);
void add_login(CLI::App& parent, Context& ctx);
void add_logout(CLI::App& parent, Context& ctx);
void add_tag(CLI::App& parent, Context& ctx);
void add_untag(CLI::App& parent, Context& ctx);
void add_image(CLI::App& parent, Context& ctx);
void add_history(CLI::App& parent, Context& ctx);

}  // namespace skiff::cli
