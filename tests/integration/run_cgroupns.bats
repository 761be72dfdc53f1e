#!/usr/bin/env bats
# --cgroupns: the container's cgroup namespace — the host's, one of its own, a running container's
# (container:NAME) or the one a file is (ns:PATH) — and what the container sees of its cgroups in
# each (/proc/self/cgroup, /sys/fs/cgroup); podman's default for this host; podman's errors; and
# inspect, exec and container clone with it.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

# Prints the container's namespace, its cgroups, its memory limit as its /sys/fs/cgroup shows it
# (v1's memory hierarchy or cgroup2), and that mount's line of mountinfo, then END.
SHOW='readlink /proc/self/ns/cgroup; cat /proc/self/cgroup
    m=/sys/fs/cgroup/memory; [ -d $m ] || m=/sys/fs/cgroup
    cat $m/memory.limit_in_bytes 2>/dev/null || cat $m/memory.max
    grep " $m " /proc/self/mountinfo; echo END'

# The log of container $1 once it has printed END (without it), in $output and $lines.
log_until_end() {
    local i
    for ((i = 0; i < 100; i++)); do
        output=$(skiff logs "$1")
        if [[ $output == *END ]]; then
            output=${output%END}
            output=${output%$'\n'}
            mapfile -t lines <<<"$output"
            return 0
        fi
        sleep 0.1
    done
    fail "$1 did not print END: [$output]"
}

# The fields of a mountinfo line ($1): its root (4th) and its mount options (6th).
mount_root() { awk '{print $4}' <<<"$1"; }
mount_options() { awk '{print $6}' <<<"$1"; }

@test "--cgroupns=host: the host's namespace; /sys/fs/cgroup holds only the container's own cgroups, read-only" {
    skiff run -d --name c --cgroupns=host --memory 64m busybox sh -c "$SHOW; exec sleep 1000"
    local pid id
    pid=$(skiff inspect --format '{{.State.Pid}}' c)
    id=$(skiff inspect --format '{{.Id}}' c)
    log_until_end c
    local n=$(grep -c '' /proc/"$pid"/cgroup)
    [[ ${lines[0]} == "$(readlink /proc/self/ns/cgroup)" ]] || fail "not the host's namespace: [${lines[0]}]"
    # In the host's namespace the container's cgroups have the paths the host sees.
    [[ $(printf '%s\n' "${lines[@]:1:n}") == "$(cat /proc/"$pid"/cgroup)" ]] ||
        fail "/proc/self/cgroup is not the host's view:" "${lines[@]:1:n}" "host:" "$(cat /proc/"$pid"/cgroup)"
    # Its own cgroup, not the hierarchy's root: its limit, and the mount's root is its cgroup.
    [[ ${lines[n + 1]} == 67108864 ]] || fail "memory limit: [${lines[n + 1]}]"
    [[ $(mount_root "${lines[n + 2]}") == */skiff-$id ]] || fail "mount root: [${lines[n + 2]}]"
    [[ $(mount_options "${lines[n + 2]}") == ro,* ]] || fail "not read-only: [${lines[n + 2]}]"
    run skiff exec c sh -c 'm=/sys/fs/cgroup/memory; [ -d $m ] || m=/sys/fs/cgroup; touch $m/x'
    assert_status 1
    assert_output_contains "Read-only file system"

    run skiff run --rm --cgroupns=host --privileged busybox sh -c "$SHOW"
    assert_status 0
    local mount=${lines[${#lines[@]} - 2]}
    [[ $(mount_root "$mount") == */skiff-* && $(mount_options "$mount") == rw,* ]] ||
        fail "privileged: not its own cgroup, writable: [$mount]"
}

@test "--cgroupns=private: a namespace of its own whose root is the container's cgroups" {
    skiff run -d --name c --cgroupns=private --memory 64m busybox sh -c "$SHOW; exec sleep 1000"
    local pid
    pid=$(skiff inspect --format '{{.State.Pid}}' c)
    log_until_end c
    local n=$(grep -c '' /proc/"$pid"/cgroup)
    [[ ${lines[0]} != "$(readlink /proc/self/ns/cgroup)" ]] || fail "the host's namespace"
    [[ ${lines[0]} == "$(readlink /proc/"$pid"/ns/cgroup)" ]] || fail "not its init's namespace: [${lines[0]}]"
    local line
    for line in "${lines[@]:1:n}"; do
        [[ $line == *:/ ]] || fail "not the namespace's root: $line"
    done
    [[ ${lines[n + 1]} == 67108864 ]] || fail "memory limit: [${lines[n + 1]}]"
    [[ $(mount_root "${lines[n + 2]}") == / ]] || fail "mount root: [${lines[n + 2]}]"
    [[ $(mount_options "${lines[n + 2]}") == ro,* ]] || fail "not read-only: [${lines[n + 2]}]"
}

@test "the default is podman's for this host, recorded at create: the host's on cgroup v1 or hybrid, private on v2" {
    local want=host
    [[ $(skiff info --format '{{.Host.CgroupsVersion}}') == v2 ]] && want=private
    skiff create --name d busybox true
    run skiff inspect --format '{{.HostConfig.CgroupMode}}' d
    assert_output "$want"
    run skiff run --rm busybox readlink /proc/self/ns/cgroup
    assert_status 0
    if [[ $want == host ]]; then
        assert_output "$(readlink /proc/self/ns/cgroup)"
    else
        [[ $output != "$(readlink /proc/self/ns/cgroup)" ]] || fail "the host's namespace"
    fi
    # And podman's, asked.
    command -v podman >/dev/null && command -v runc >/dev/null || return 0
    local rootfs=$SKIFF_TEST_DIR/podman-rootfs
    mkdir -p "$rootfs"
    tar -xf "$(busybox_tarball)" -C "$rootfs"
    local p=(timeout 120 podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-runroot"
        --cgroup-manager cgroupfs --runtime runc)
    "${p[@]}" create --name d --rootfs "$rootfs" true >/dev/null
    run "${p[@]}" inspect --format '{{.HostConfig.CgroupMode}}' d
    "${p[@]}" rm -f d >/dev/null
    assert_output "$want"
}

@test "--cgroupns=container:NAME joins a running container's; inspect names it; it cannot go first" {
    skiff run -d --name donor --cgroupns=private busybox sleep 1000
    local id pid
    id=$(skiff inspect --format '{{.Id}}' donor)
    pid=$(skiff inspect --format '{{.State.Pid}}' donor)
    run skiff run --rm --cgroupns=container:donor busybox readlink /proc/self/ns/cgroup
    assert_status 0
    assert_output "$(readlink /proc/"$pid"/ns/cgroup)"

    local joiner
    joiner=$(skiff create --cgroupns=container:donor busybox true)
    run skiff inspect --format '{{.HostConfig.CgroupMode}}' "$joiner"
    assert_output "container:$id"
    run --separate-stderr skiff rm -f donor
    assert_status 125
    assert_one_error_line "Error: container $id has dependent containers which must be removed before it: $joiner: container already exists"

    skiff create --name stopped busybox true
    run --separate-stderr skiff run --rm --cgroupns=container:stopped busybox true
    assert_status 125
    assert_one_error_line "Error: container $(skiff inspect --format '{{.Id}}' stopped), whose namespaces this one joins, is not running: start it first"
    run --separate-stderr skiff run --rm --cgroupns=container:nosuch busybox true
    assert_status 125
    assert_one_error_line 'Error: looking up container to share cgroup namespace with: no container with name or ID "nosuch" found: no such container'
}

@test "--cgroupns=ns:PATH joins the namespace PATH is, which must exist at create" {
    skiff run -d --name donor --cgroupns=private busybox sleep 1000
    local pid
    pid=$(skiff inspect --format '{{.State.Pid}}' donor)
    run skiff run --rm --cgroupns=ns:/proc/$pid/ns/cgroup busybox readlink /proc/self/ns/cgroup
    assert_status 0
    assert_output "$(readlink /proc/"$pid"/ns/cgroup)"
    skiff create --name byns --cgroupns=ns:/proc/$pid/ns/cgroup busybox true
    run skiff inspect --format '{{.HostConfig.CgroupMode}}' byns
    assert_output "ns:/proc/$pid/ns/cgroup"

    run --separate-stderr skiff create --cgroupns=ns:/nonexistent busybox true
    assert_status 125
    assert_one_error_line "Error: cannot find specified cgroup namespace path: stat /nonexistent: no such file or directory"
    # A file that is no namespace: the container cannot be set up (podman with runc: 126 too).
    run --separate-stderr skiff run --rm --cgroupns=ns:/etc/hostname busybox true
    assert_status 126
    assert_one_error_line "join the cgroup namespace: Invalid argument"
}

@test "bad --cgroupns values are refused with podman's messages" {
    local v
    for v in bogus shareable none; do
        run --separate-stderr skiff run --rm --cgroupns=$v busybox true
        assert_status 125
        assert_one_error_line "Error: unrecognized namespace mode $v passed"
    done
    run --separate-stderr skiff create --cgroupns=container: busybox true
    assert_status 125
    assert_one_error_line "Error: invalid config provided: namespace mode container requires a value"
    run --separate-stderr skiff create --cgroupns=ns: busybox true
    assert_status 125
    assert_one_error_line "Error: invalid config provided: namespace mode path requires a value"
    run --separate-stderr skiff create --cgroupns=pod busybox true
    assert_status 125
    assert_one_error_line "Error: cannot use pod namespace as container is not joining a pod or pod has no infra container: invalid argument"
    run skiff ps -a -q
    assert_output ""
}

@test "exec ends in the container's cgroup namespace and cgroups, the host's or its own" {
    skiff run -d --name h --cgroupns=host busybox sleep 1000
    skiff run -d --name p --cgroupns=private busybox sleep 1000
    local hpid ppid
    hpid=$(skiff inspect --format '{{.State.Pid}}' h)
    ppid=$(skiff inspect --format '{{.State.Pid}}' p)
    run skiff exec h sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'
    assert_status 0
    assert_output "$(readlink /proc/self/ns/cgroup)
$(cat /proc/"$hpid"/cgroup)"
    run skiff exec p readlink /proc/self/ns/cgroup
    assert_status 0
    assert_output "$(readlink /proc/"$ppid"/ns/cgroup)"
    [[ $output != "$(readlink /proc/self/ns/cgroup)" ]] || fail "exec in p: the host's namespace"
}

@test "container clone keeps the cgroup namespace mode" {
    local mode
    for mode in host private; do
        skiff create --name orig-$mode --cgroupns=$mode busybox true
        skiff container clone orig-$mode >/dev/null
        run skiff inspect --format '{{.HostConfig.CgroupMode}}' orig-$mode-clone
        assert_output "$mode"
    done
}
