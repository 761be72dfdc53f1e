#include "commands.hpp"

namespace skiff::cli {

// One line per command. Keep sorted by name.
static const CommandEntry kCommands[] = {
    {"attach", add_attach},
    {"commit", add_commit},
    {"container", add_container},
    {"cp", add_cp},
    {"create", add_create},
    {"diff", add_diff},
    {"exec", add_exec},
    {"export", add_export},
    {"history", add_history},
    {"image", add_image},
    {"images", add_images},
    {"import", add_import},
    {"info", add_info},
    {"init", add_init},
    {"inspect", add_inspect},
    {"kill", add_kill},
    {"load", add_load},
    {"login", add_login},
    {"logout", add_logout},
    {"logs", add_logs},
    {"manifest", add_manifest},
    {"mount", add_mount},
    {"pause", add_pause},
    {"port", add_port},
    {"ps", add_ps},
    {"pull", add_pull},
    {"push", add_push},
    {"rename", add_rename},
    {"restart", add_restart},
    {"rm", add_rm},
    {"rmi", add_rmi},
    {"run", add_run},
    {"save", add_save},
    {"search", add_search},
    {"secret", add_secret},
    {"start", add_start},
    {"stats", add_stats},
    {"stop", add_stop},
    {"system", add_system},
    {"tag", add_tag},
    {"top", add_top},
    {"unmount", add_unmount},
    {"unpause", add_unpause},
    {"unshare", add_unshare},
    {"untag", add_untag},
    {"update", add_update},
    {"version", add_version},
    {"volume", add_volume},
    {"wait", add_wait},
};

const CommandEntry* commands(size_t* count) {
    *count = sizeof kCommands / sizeof kCommands[0];
    return kCommands;
}

}  // namespace skiff::cli
