// plan(): a validated spec and the host's description → the ordered mount operations.
#include <algorithm>

#include "skiff/base/strings.hpp"
#include "skiff/runtime/plan.hpp"

namespace skiff::runtime {

namespace {

// The /dev symlinks every container gets, as crun makes them.
constexpr std::pair<const char*, const char*> kDevSymlinks[] = {
    {"/dev/fd", "/proc/self/fd"},         {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"},   {"/dev/stderr", "/proc/self/fd/2"},
    {"/dev/ptmx", "pts/ptmx"},            {"/dev/core", "/proc/kcore"},
};

std::string join_path(const std::string& dir, std::string_view name) {
    return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

Op new_fs(std::string path, std::string fstype, std::string source, MountOptions options) {
    Op op;
    op.kind = Op::Kind::kMount;
    op.path = std::move(path);
    op.fstype = std::move(fstype);
    op.source = std::move(source);
    op.options = std::move(options);
    return op;
}

Op simple(Op::Kind kind, std::string path, std::string source = {}, bool optional = false) {
    Op op;
    op.kind = kind;
    op.path = std::move(path);
    op.source = std::move(source);
    op.optional = optional;
    return op;
}

// One hierarchy's mount: all of it as the container's cgroup namespace shows it (a namespace of its
// own, or a joined one, has its root at that namespace's cgroup), or in the host's namespace only
// the container's own cgroup in it, as runc binds it.
Op cgroup_fs(std::string path, std::string fstype, const std::string& hierarchy, MountOptions opts, bool own_only) {
    Op op = new_fs(std::move(path), fstype, fstype, std::move(opts));
    if (!own_only) return op;
    op.kind = Op::Kind::kMountOwnCgroup;
    op.source = hierarchy;
    return op;
}

// A "cgroup" mount means what the host can give: cgroup2 on a unified host; on a v1 or hybrid
// host, what crun and runc make: a tmpfs holding one mount per v1 hierarchy (plus cgroup2 at
// unified/ on hybrid), which is made read-only once filled when the mount asks for "ro".
void expand_cgroup(std::vector<Op>& ops, const std::string& dest, MountOptions opts, const Host& host, bool own_only) {
    opts.data.clear();
    if (host.cgroups.mode == CgroupMode::kNone) return;
    if (host.cgroups.mode == CgroupMode::kUnified) {
        ops.push_back(cgroup_fs(dest, "cgroup2", "", opts, own_only));
        return;
    }
    MountOptions holder = opts;
    holder.attrs &= ~MountOptions::kReadOnly;
    holder.data = {"mode=755", "size=1024k"};
    ops.push_back(new_fs(dest, "tmpfs", "tmpfs", holder));
    for (const std::string& h : host.cgroups.v1_hierarchies) {
        std::vector<std::string> words = str::split(h, ',');
        std::string dir = h;
        if (str::starts_with(h, "name=")) dir = h.substr(5);
        MountOptions hopts = opts;
        hopts.data = words;
        ops.push_back(cgroup_fs(join_path(dest, dir), "cgroup", h, hopts, own_only));
        if (words.size() > 1 && !str::starts_with(h, "name=")) {
            for (const std::string& w : words) ops.push_back(simple(Op::Kind::kSymlink, join_path(dest, w), dir));
        }
    }
    if (host.cgroups.mode == CgroupMode::kHybrid)
        ops.push_back(cgroup_fs(join_path(dest, "unified"), "cgroup2", "", opts, own_only));
    if (opts.has(MountOptions::kReadOnly)) ops.push_back(simple(Op::Kind::kRemountReadonly, dest));
}

Op bind_file(std::string path, std::string source) {
    Op op = simple(Op::Kind::kBind, std::move(path), std::move(source));
    op.options.bind = true;
    return op;
}

Result<Op> root_op(const Spec& spec) {
    const Mount& r = spec.root;
    MountOptions opts = TRY(parse_mount_options(r.options, r.type == "bind"));
    if (!opts.bind) return new_fs("/", r.type, r.source.empty() ? r.type : r.source, opts);
    Op op = simple(Op::Kind::kBind, "/", r.source);
    op.options = opts;
    return op;
}

}  // namespace

Result<Plan> plan(const Spec& spec, const Host& host) {
    TRY(validate(spec));
    Plan p;
    p.root = TRY(root_op(spec));

    // A read-only tmpfs is made writable and turned read-only after every mount: its own copy-up
    // and the mount points of what is mounted beneath it (/etc/hosts in a tmpfs /etc) are written.
    std::vector<std::string> readonly_after;
    for (const auto& [link, target] : spec.root_symlinks)
        p.ops.push_back(simple(Op::Kind::kSymlink, clean_path(link), target));
    for (const Mount& m : spec.mounts) {
        std::string dest = clean_path(m.destination);
        MountOptions opts = TRY(parse_mount_options(m.options, m.type == "bind"));
        // A privileged container gets /sys and its cgroups writable, as podman gives them.
        if (spec.privileged && (m.type == "sysfs" || m.type == "cgroup")) opts.attrs &= ~MountOptions::kReadOnly;
        if (m.type == "cgroup") {
            expand_cgroup(p.ops, dest, opts, host, spec.namespaces.cgroup.kind == Namespace::Kind::kHost);
        } else if (opts.bind) {
            Op op = simple(Op::Kind::kBind, dest, m.source);
            op.options = opts;
            p.ops.push_back(op);
        } else {
            if (m.type == "tmpfs" && opts.has(MountOptions::kReadOnly)) {
                opts.attrs &= ~MountOptions::kReadOnly;
                readonly_after.push_back(dest);
            }
            p.ops.push_back(new_fs(dest, m.type, m.source.empty() ? m.type : m.source, opts));
        }
    }
    for (const std::string& dest : readonly_after) p.ops.push_back(simple(Op::Kind::kRemountReadonly, dest));

    std::vector<std::string> devices(std::begin(kDefaultDevices), std::end(kDefaultDevices));
    if (spec.privileged) {
        for (const std::string& d : host.devices)
            if (std::find(devices.begin(), devices.end(), d) == devices.end() &&
                (spec.host_ttys || !str::starts_with(d, "/dev/tty")))
                devices.push_back(d);
    }
    // A --device at a default node's place replaces it.
    std::erase_if(devices, [&](const std::string& d) {
        return std::any_of(spec.devices.begin(), spec.devices.end(), [&](const Device& x) { return clean_path(x.path) == d; });
    });
    for (const std::string& d : devices) p.ops.push_back(bind_file(d, d));
    for (const Device& d : spec.devices) {
        std::string path = clean_path(d.path);
        if (host.in_user_namespace) {
            p.ops.push_back(bind_file(path, d.host_path));
            continue;
        }
        Op op = simple(Op::Kind::kMknod, path);
        op.device = d;
        p.ops.push_back(op);
    }
    for (const auto& [link, target] : kDevSymlinks) p.ops.push_back(simple(Op::Kind::kSymlink, link, target));
    if (spec.terminal) p.ops.push_back(simple(Op::Kind::kConsole, "/dev/console"));

    if (!spec.privileged) {
        for (const std::string& m : spec.masked_paths)
            p.ops.push_back(simple(Op::Kind::kMask, clean_path(m), {}, true));
        for (const std::string& r : spec.readonly_paths)
            p.ops.push_back(simple(Op::Kind::kReadonly, clean_path(r), {}, true));
    }
    if (spec.readonly_rootfs) p.ops.push_back(simple(Op::Kind::kRemountReadonly, "/"));
    return p;
}

}  // namespace skiff::runtime
