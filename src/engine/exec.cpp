// exec(): the container's runtime Spec rebuilt from its stored configuration, with the exec's process
// fields laid over them, run by the runtime in the namespaces of the container's process.
#include "skiff/engine/exec.hpp"

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

#include "container_root.hpp"
#include "run_internal.hpp"
#include "skiff/base/fs.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

constexpr const char* kNotRunning = "can only create exec sessions on running containers: container state improper";

// The container's configuration with the exec's process on top: the spec built from it is the
// container's own (capabilities, seccomp, no-new-privileges, hostname) running this command.
Result<ContainerConfig> exec_config(const storage::Container& c, const ExecOptions& opts) {
    ContainerConfig o = TRY(config_of(c));
    o.command = opts.command;
    o.entrypoint = std::vector<std::string>{};
    // The stored environment is the container's, resolved; the exec's files, then -e, override it.
    auto host = host_environment();
    for (auto& e : expand_env(env_file_entries(TRY(read_env_files(opts.env_files))), host)) o.env.push_back(e);
    for (auto& e : expand_env(opts.env, host)) o.env.push_back(e);
    if (!opts.user.empty()) o.user = opts.user;
    if (!opts.workdir.empty()) o.workdir = opts.workdir;
    o.tty = opts.tty;
    o.interactive = opts.interactive;
    o.privileged = o.privileged || opts.privileged;
    return o;
}

// exec/<session id>: "PID START" of the session's process, written once it has been executed.
std::string sessions_dir(const storage::StoreConfig& store, const std::string& id) {
    return fs::join(storage::container_run_dir(store, id), "exec");
}

}  // namespace

std::vector<std::string> exec_sessions(const storage::StoreConfig& store, const std::string& container_id) {
    std::vector<std::string> out;
    std::string dir = sessions_dir(store, container_id);
    auto names = fs::list_dir(dir);
    if (!names.ok()) return out;
    for (auto& name : *names) {
        auto text = fs::read_file(fs::join(dir, name));
        if (!text.ok()) continue;
        auto words = str::split(str::trim(*text), ' ');
        if (words.size() != 2) continue;
        pid_t pid = static_cast<pid_t>(std::atol(words[0].c_str()));
        unsigned long long start = std::strtoull(words[1].c_str(), nullptr, 10);
        // A session its parent (the container's init) has not reaped is a zombie: not running.
        if (storage::same_process(pid, start)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<int> exec(const storage::StoreConfig& store, const ExecOptions& opts, std::string* session) {
    if (opts.command.empty()) return make_error("must provide a non-empty command to start an exec session");
    auto c = TRY(storage::find_container(store, opts.container));
    if (c.state != storage::ContainerState::kRunning || !alive(c)) return make_error(kNotRunning);
    if (c.paused) return make_error("container " + c.name + " is paused: unpause it before exec: container state improper");
    auto config = TRY(exec_config(c, opts));
    auto p = TRY(prepare(store, TRY(image_of(store, c)), std::move(config), c.id));
    auto pidfd = open_process(c);
    if (!pidfd.ok()) return make_error(kNotRunning);
    std::string id = str::random_hex(32);
    std::string dir = sessions_dir(store, c.id);
    std::string record = fs::join(dir, id);
    auto recorded = [&](pid_t pid) {
        // Best effort: a session not recorded still runs, only inspect does not list it.
        if (fs::mkdir_p(dir, 0700).ok())
            (void)fs::write_file_atomic(record, std::to_string(pid) + " " + std::to_string(storage::process_start_time(pid)) + "\n",
                                        fs::Durability::kNoSync);
    };
    auto status = runtime::exec_in_container({c.pid, pidfd->get()}, p.spec, opts.detach, recorded);
    if (session) *session = id;
    if (!opts.detach) ::unlink(record.c_str());
    return status;
}

}  // namespace skiff::engine
