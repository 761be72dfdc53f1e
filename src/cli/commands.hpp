// The command table: every command's registration function, listed once in commands.cpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "context.hpp"

namespace skiff::cli {

using AddCommand = void (*)(CLI::App& parent, Context& ctx);

struct CommandEntry {
    const char* name;
    AddCommand add;
};

// All top-level commands, in the order `skiff --help` lists them.
const CommandEntry* commands(size_t* count);

// A command registered again under a parent (`skiff image ls` is `skiff images`).
struct SubcommandEntry {
    AddCommand add;
    const char* command;  // the name `add` registers
    const char* name;     // the name under the parent
    const char* alias;    // another name, or null
};

// A parent command (`skiff image`, `skiff container`) holding `subs`, each the top-level command
// itself renamed, so both spellings run the same code; without a subcommand it fails as podman's.
// Print `warning` and podman's "Are you sure you want to continue? [y/N] "; true only when stdin
// answers y or yes.
bool confirmed(const std::string& warning);

// An option's value if it was given on the command line, else nothing.
std::optional<int> given(const CLI::Option* option, int value);

CLI::App* add_parent(CLI::App& app, Context& ctx, const char* name, const char* description,
                     std::span<const SubcommandEntry> subs);

void add_info(CLI::App& parent, Context& ctx);
void add_version(CLI::App& parent, Context& ctx);
void add_unshare(CLI::App& parent, Context& ctx);
void add_run(CLI::App& parent, Context& ctx);
void add_ps(CLI::App& parent, Context& ctx);
void add_rm(CLI::App& parent, Context& ctx);
void add_images(CLI::App& parent, Context& ctx);
void add_import(CLI::App& parent, Context& ctx);
// import's and commit's -c/--change (Dockerfile instructions applied to the new image's config).
void add_change_option(CLI::App& sub, std::vector<std::string>& changes);
void add_inspect(CLI::App& parent, Context& ctx);
void add_load(CLI::App& parent, Context& ctx);
void add_rmi(CLI::App& parent, Context& ctx);
void add_pull(CLI::App& parent, Context& ctx);
void add_push(CLI::App& parent, Context& ctx);
void add_save(CLI::App& parent, Context& ctx);
void add_login(CLI::App& parent, Context& ctx);
void add_logout(CLI::App& parent, Context& ctx);
void add_tag(CLI::App& parent, Context& ctx);
void add_untag(CLI::App& parent, Context& ctx);
void add_image(CLI::App& parent, Context& ctx);
void add_history(CLI::App& parent, Context& ctx);
void add_search(CLI::App& parent, Context& ctx);
// `image tree`, under `image` only.
void add_image_tree(CLI::App& image, Context& ctx);
void add_rename(CLI::App& parent, Context& ctx);
void add_container(CLI::App& parent, Context& ctx);
void add_create(CLI::App& parent, Context& ctx);
void add_exec(CLI::App& parent, Context& ctx);
void add_start(CLI::App& parent, Context& ctx);
void add_init(CLI::App& parent, Context& ctx);
void add_container_clone(CLI::App* container, Context& ctx);  // `container clone` (no top-level form)
void add_stop(CLI::App& parent, Context& ctx);
void add_kill(CLI::App& parent, Context& ctx);
void add_wait(CLI::App& parent, Context& ctx);
void add_logs(CLI::App& parent, Context& ctx);
void add_top(CLI::App& parent, Context& ctx);
void add_port(CLI::App& parent, Context& ctx);
void add_stats(CLI::App& parent, Context& ctx);
void add_pause(CLI::App& parent, Context& ctx);
void add_unpause(CLI::App& parent, Context& ctx);
void add_update(CLI::App& parent, Context& ctx);
void add_restart(CLI::App& parent, Context& ctx);
void add_attach(CLI::App& parent, Context& ctx);
void add_cp(CLI::App& parent, Context& ctx);
void add_export(CLI::App& parent, Context& ctx);
void add_commit(CLI::App& parent, Context& ctx);
void add_diff(CLI::App& parent, Context& ctx);
void add_volume(CLI::App& parent, Context& ctx);
void add_secret(CLI::App& parent, Context& ctx);
void add_manifest(CLI::App& parent, Context& ctx);
void add_system(CLI::App& parent, Context& ctx);
void add_container_diff(CLI::App& parent, Context& ctx);
void add_image_diff(CLI::App& parent, Context& ctx);
// cmd_mount.cpp: `mount`, `unmount` (alias `umount`), and the `image` ones.
void add_mount(CLI::App& parent, Context& ctx);
void add_unmount(CLI::App& parent, Context& ctx);
void add_image_mount(CLI::App& parent, Context& ctx);
void add_image_unmount(CLI::App& parent, Context& ctx);

}  // namespace skiff::cli
