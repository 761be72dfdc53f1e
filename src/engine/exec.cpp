// exec(): the container's runtime Spec rebuilt from its stored options, with the exec's process
// fields laid over them, run by the runtime in the namespaces of the container's process.
#include "skiff/engine/exec.hpp"

#include "run_internal.hpp"
#include "skiff/runtime/enter.hpp"
#include "skiff/storage/containers.hpp"

namespace skiff::engine {

namespace {

constexpr const char* kNotRunning = "can only create exec sessions on running containers: container state improper";

// The container's options with the exec's process on top: the spec built from them is the
// container's own (capabilities, seccomp, no-new-privileges, hostname) running this command.
Result<RunOptions> exec_run_options(const storage::Container& c, const ExecOptions& opts) {
    RunOptions o = TRY(options_of(c));
    o.command = opts.command;
    o.entrypoint = "";
    // The stored environment is the container's, resolved; the exec's files, then -e, override it.
    for (auto& e : env_file_entries(TRY(read_env_files(opts.env_files)))) o.env.push_back(e);
    for (auto& e : opts.env) o.env.push_back(e);
    if (!opts.user.empty()) o.user = opts.user;
    if (!opts.workdir.empty()) o.workdir = opts.workdir;
    o.tty = opts.tty;
    o.interactive = opts.interactive;
    o.privileged = o.privileged || opts.privileged;
    return o;
}

}  // namespace

Result<int> exec(const storage::StoreConfig& store, const ExecOptions& opts) {
    if (opts.command.empty()) return make_error("must provide a non-empty command to start an exec session");
    auto c = TRY(storage::find_container(store, opts.container));
    if (c.state != storage::ContainerState::kRunning || !alive(c)) return make_error(kNotRunning);
    if (c.paused) return make_error("container " + c.name + " is paused: unpause it before exec: container state improper");
    auto run_opts = TRY(exec_run_options(c, opts));
    auto p = TRY(prepare(store, run_opts, c.id));
    auto pidfd = open_process(c);
    if (!pidfd.ok()) return make_error(kNotRunning);
    return runtime::exec_in_container({c.pid, pidfd->get()}, p.spec, opts.detach);
}

}  // namespace skiff::engine
