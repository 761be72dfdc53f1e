#include "namespaces.hpp"

#include <fcntl.h>
#include <sched.h>

#include "skiff/base/sys.hpp"

namespace skiff::runtime {

namespace {

constexpr uint64_t kNewIfPrivate[] = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID};

Result<unique_fd> open_namespace(const Namespace& n, const char* what) {
    if (n.kind != Namespace::Kind::kJoin) return unique_fd();
    if (n.path.empty())
        return make_error(std::string("join the ") + what + " namespace: the container it belongs to is not running");
    unique_fd fd(::open(n.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error(std::string("open the ") + what + " namespace " + n.path);
    return fd;
}

Result<void> join(const unique_fd& fd, int type, const char* what) {
    if (!fd) return {};
    if (::setns(fd.get(), type) < 0) return sys_error(std::string("join the ") + what + " namespace");
    return {};
}

}  // namespace

uint64_t clone_flags(const Namespaces& ns) {
    const Namespace* each[] = {&ns.net, &ns.ipc, &ns.uts, &ns.pid};
    uint64_t flags = CLONE_NEWNS;
    for (size_t i = 0; i < std::size(each); ++i)
        if (each[i]->kind == Namespace::Kind::kNew) flags |= kNewIfPrivate[i];
    return flags;
}

Result<JoinedNamespaces> open_joined(const Namespaces& ns) {
    JoinedNamespaces j;
    j.net = TRY(open_namespace(ns.net, "network"));
    j.ipc = TRY(open_namespace(ns.ipc, "ipc"));
    j.uts = TRY(open_namespace(ns.uts, "uts"));
    j.pid = TRY(open_namespace(ns.pid, "pid"));
    j.cgroup = TRY(open_namespace(ns.cgroup, "cgroup"));
    return j;
}

Result<void> join_in_child(const JoinedNamespaces& joined) {
    TRY(join(joined.net, CLONE_NEWNET, "network"));
    TRY(join(joined.ipc, CLONE_NEWIPC, "ipc"));
    TRY(join(joined.uts, CLONE_NEWUTS, "uts"));
    TRY(join(joined.cgroup, CLONE_NEWCGROUP, "cgroup"));
    return {};
}

Result<PidNamespaceForChildren> PidNamespaceForChildren::enter(const JoinedNamespaces& joined) {
    PidNamespaceForChildren p;
    if (!joined.pid) return p;
    unique_fd own(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!own) return sys_error("open skiff's pid namespace");
    if (::setns(joined.pid.get(), CLONE_NEWPID) < 0) return sys_error("join the pid namespace");
    p.own_ = std::move(own);
    return p;
}

PidNamespaceForChildren::~PidNamespaceForChildren() {
    if (own_) (void)::setns(own_.get(), CLONE_NEWPID);
}

}  // namespace skiff::runtime
