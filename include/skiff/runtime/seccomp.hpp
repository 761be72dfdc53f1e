// seccomp: the container's system-call filter. The parent prepares a BPF program before clone
// (podman's default profile or an OCI/docker JSON profile, compiled with libseccomp, the default
// cached in spec.cache_dir); the child loads it with one system call just before exec.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/runtime/spec.hpp"

namespace skiff::runtime::seccomp {

struct Program {
    std::vector<sock_filter> instructions;  // empty: no filter
    unsigned flags = 0;                     // SECCOMP_FILTER_FLAG_* for seccomp(2)
    bool empty() const { return instructions.empty(); }
};

// In the parent, before clone. kUnconfined or spec.privileged: an empty Program. kDefault:
// podman's default profile for spec.capabilities; kProfile: the JSON profile at
// spec.seccomp_profile (a bad one: "loading seccomp profile (PATH) failed: …", exit 125).
// With spec.cache_dir set, the compiled program is kept there under a name hashing every input,
// and the next prepare() with the same inputs is one file read.
Result<Program> prepare(const Spec& spec);

// In the child, the last step before exec: seccomp(SECCOMP_SET_MODE_FILTER). No-op when empty.
// The kernel allows it only with no_new_privs set or CAP_SYS_ADMIN in the effective set: without
// no-new-privileges, load before setresuid/caps::apply; with it, after caps::apply. Every system
// call made after load() must be one the filter allows (the default allows the usual set-up calls).
Result<void> load(const Program& program);

}  // namespace skiff::runtime::seccomp
