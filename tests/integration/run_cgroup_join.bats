#!/usr/bin/env bats
# A container's process is in its cgroups, in every hierarchy, from its first instruction (its device
# rules and limits hold for all it runs). skiff's child moves itself into its v1 cgroups before it
# does anything else, then makes its cgroup namespace (--cgroupns=private: this host's default may be
# the host's); an exec'd child joins them before it joins the namespaces. These fail if a child
# skipped that, or did it late.

load busybox_containers

# Every line of /proc/self/cgroup as printed in a container ($output): at the root of its cgroup
# namespace, "/", in every hierarchy.
assert_at_namespace_root() {
    local line
    [[ -n $output ]] || fail "no /proc/self/cgroup"
    while IFS= read -r line; do
        [[ $line == *:/ ]] || fail "not at its cgroup namespace's root: $line (all: $output)"
    done <<<"$output"
}

@test "the container's process is in its own cgroup in every hierarchy, made its cgroup namespace's root before it ran" {
    run skiff run -d --name c --cgroupns=private busybox sh -c 'cat /proc/self/cgroup; exec sleep 1000'
    assert_status 0
    local id pid line
    id=$(skiff inspect --format '{{.Id}}' c)
    pid=$(skiff inspect --format '{{.State.Pid}}' c)
    # From the host: in skiff-ID in every controller hierarchy (named ones such as name=systemd
    # get no cgroup of their own) and in cgroup2.
    while IFS= read -r line; do
        [[ $line == *:name=*:* ]] && continue
        [[ $line == *"/skiff-$id" ]] || fail "not in its own cgroup: $line"
    done </proc/"$pid"/cgroup
    # From inside, printed first thing: each of those is its namespace's root. The namespace was
    # made before the command ran, so the process was in its cgroups before it ran.
    run skiff logs c
    assert_at_namespace_root
}

@test "an exec'd process is in the container's cgroups in every hierarchy from its first instruction" {
    run skiff run -d --name c --cgroupns=private busybox sleep 1000
    assert_status 0
    # In the container's cgroup namespace: "/" is the container's own cgroup, a cgroup elsewhere
    # would show as a path beside it ("/../..").
    run skiff exec c cat /proc/self/cgroup
    assert_status 0
    assert_at_namespace_root
}
