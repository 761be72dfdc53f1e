#!/usr/bin/env bats
# cgroups and limits: a cgroup per container beneath skiff's own, limits written where the host keeps
# each controller (cgroup v2, or the v1 controllers of a hybrid host like this one), an OOM kill
# reported, a fork loop stopped, and nothing left behind.

load busybox_containers

# Inside the container: the first of the files that exists (v1 name, then cgroup2 name), printed.
read_cgroup_file() {
    printf '(for f in %s; do [ -f "$f" ] && { cat "$f"; exit 0; }; done; echo missing)' "$*"
}

# The directories of the container's own cgroup (skiff-ID) in the host's hierarchies.
cgroups_of() {
    local id
    id=$(skiff ps -a -q --no-trunc --filter "name=^$1\$")
    [[ -n $id ]] || return 0
    find /sys/fs/cgroup -maxdepth 6 -type d -name "skiff-$id" 2>/dev/null
}

@test "--memory and --pids-limit are written to the container's cgroup; the cgroup is removed after" {
    run skiff run --name limits --memory 32m --pids-limit 50 busybox sh -c "
        $(read_cgroup_file /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max)
        $(read_cgroup_file /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max)"
    assert_status 0
    assert_output "33554432
50"
    [[ -z $(cgroups_of limits) ]] || fail "cgroups left: $(cgroups_of limits)"
}

@test "--memory 0 is no limit, as podman takes it" {
    run skiff run --name nolimit --memory=0 busybox echo hello
    assert_status 0
    assert_output "hello"
    run skiff inspect --format '{{.HostConfig.Memory}}' nolimit
    assert_output "0"
}

@test "--cpus, --cpu-shares and --cpuset-cpus" {
    run skiff run --rm --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 busybox sh -c "
        $(read_cgroup_file /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu.max)
        $(read_cgroup_file /sys/fs/cgroup/cpu,cpuacct/cpu.shares /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu.weight)
        $(read_cgroup_file /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset.cpus)"
    assert_status 0
    [[ ${lines[0]} == 50000 || ${lines[0]} == "50000 100000" ]] || fail "quota: $output"
    [[ ${lines[1]} == 512 || ${lines[1]} == 20 ]] || fail "shares: $output"
    [[ ${lines[2]} == 0 ]] || fail "cpuset: $output"
}

@test "a memory hog under --memory is OOM-killed: exit 137, recorded as such" {
    run skiff run --name hog --memory 32m --memory-swap 32m busybox sh -c \
        'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
    assert_status 137
    refute_output_contains survived
    run skiff inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}' hog
    assert_output "true 137 33554432"
    skiff run --name fine --memory 32m busybox true
    run skiff inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' fine
    assert_output "false 0"
}

@test "a fork loop under --pids-limit is stopped" {
    run --separate-stderr skiff run --rm --pids-limit 10 busybox sh -c \
        'i=0; while [ $i -lt 50 ]; do sleep 3 & i=$((i+1)); done; echo looped'
    [[ $stderr == *"fork"* || $stderr == *"Resource temporarily unavailable"* ]] || fail "stderr: $stderr"
}

@test "a detached container's cgroup goes with it; --cgroups disabled makes none" {
    skiff run -d --name limited --memory 64m busybox sleep 100 >/dev/null
    [[ -n $(cgroups_of limited) ]] || fail "no cgroup made"
    skiff stop -t 0 limited >/dev/null
    [[ -z $(cgroups_of limited) ]] || fail "cgroups left: $(cgroups_of limited)"

    run skiff run --rm --cgroups disabled busybox true
    assert_status 0
    run --separate-stderr skiff run --rm --cgroups disabled --memory 32m busybox true
    assert_status 125
    assert_one_error_line "--cgroups"
}

@test "run reads /proc/self/cgroup once: the mount plan and the container's cgroup share it" {
    command -v strace >/dev/null || skip "strace is not installed"
    local trace=$SKIFF_TEST_DIR/openat.trace
    run strace -f -qq -e trace=openat,open -o "$trace" "$SKIFF" $(skiff_args) run --rm --cgroupns=private busybox true
    assert_status 0
    run grep -c '"/proc/self/cgroup"' "$trace"
    assert_output 1
    # In the host's cgroup namespace the container's init reads it too, once for all its mounts of
    # its own cgroups.
    run strace -f -qq -e trace=openat,open -o "$trace" "$SKIFF" $(skiff_args) run --rm --cgroupns=host busybox true
    assert_status 0
    run grep -c '"/proc/self/cgroup"' "$trace"
    assert_output 2
}

@test "bad limits are refused before anything runs" {
    run --separate-stderr skiff run --rm --memory lots busybox true
    assert_status 125
    assert_one_error_line "lots"
    run --separate-stderr skiff run --rm --memory 64m --memory-swap 32m busybox true
    assert_status 125
    assert_one_error_line "--memory-swap"
    run --separate-stderr skiff run --rm --cpus two busybox true
    assert_status 125
    assert_one_error_line "--cpus"
    run --separate-stderr skiff run --rm --cgroups maybe busybox true
    assert_status 125
    assert_one_error_line "maybe"
    run skiff ps -a -q
    assert_output ""
}

@test "a skiff killed with SIGKILL: its container dies with it, rm removes the cgroup it left" {
    "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" run --name killed --memory 64m busybox sleep 100 &
    local pid=$! i
    for i in $(seq 100); do
        [[ $(skiff ps --format '{{.Names}}') == killed ]] && break
        sleep 0.05
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        [[ $(skiff ps -a --filter name=killed --format '{{.Status}}') == Exited* ]] && break
        sleep 0.05
    done
    run skiff ps -a --filter name=killed --format '{{.Status}}'
    [[ $output == Exited* ]] || fail "status: $output"
    local id left
    id=$(skiff ps -a -q --no-trunc --filter name=killed)
    left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "skiff-$id")
    [[ -n $left ]] || fail "no cgroup was left to clean up: is the test still meaningful?"
    run skiff rm killed
    assert_status 0
    [[ -z $(find /sys/fs/cgroup -maxdepth 6 -type d -name "skiff-$id") ]] || fail "cgroups left: $left"
}

@test "stats --no-stream reads the container's cgroup: its limit, its processes" {
    skiff run -d --name measured --memory 64m busybox sh -c 'sleep 100 & exec sleep 200' >/dev/null
    for _ in $(seq 50); do [[ $(skiff stats --no-stream --format '{{.PIDs}}' measured) == 2 ]] && break; sleep 0.05; done
    run skiff stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' measured
    assert_status 0
    [[ $output =~ ^measured\ 2\ [0-9.]+[kMG]?B\ /\ 67.1MB$ ]] || fail "stats: $output"
    run skiff stats --no-stream
    [[ ${lines[0]} == "ID"*"NAME"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS"* ]] || fail "header: ${lines[0]}"
    run skiff stats --no-stream --format json measured
    [[ $(jq -r '.[0].Name' <<<"$output") == measured ]] || fail "json: $output"
    skiff stop -t 0 measured >/dev/null
    run --separate-stderr skiff stats --no-stream measured
    assert_status 125
    assert_one_error_line "not running"
}

@test "stats streams a report every --interval seconds (5 by default), clearing a terminal first" {
    skiff run -d --name streamed busybox sleep 200 >/dev/null
    # Reports are counted by their header lines; the bounds leave seconds of slack either way.
    run timeout 4 "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" stats --interval 1 --format 'table {{.Name}}' streamed
    (( $(grep -c '^NAME' <<<"$output") >= 2 )) || fail "--interval 1: $output"
    run timeout 2 "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" stats --format 'table {{.Name}}' streamed
    [[ $(grep -c '^NAME' <<<"$output") == 1 ]] || fail "default interval: $output"
    [[ $output != *$'\e['* ]] || fail "a pipe got the terminal's escapes: $output"
    # On a terminal each report starts on a cleared screen, as podman's; --no-reset keeps the screen.
    local cmd
    cmd=$(printf '%q ' "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" stats --no-stream --format '{{.Name}}' streamed)
    run script -qec "$cmd" /dev/null
    [[ $output == $'\e[2J\e[1;1H'* ]] || fail "terminal: $(od -c <<<"$output" | head -3)"
    run script -qec "$cmd --no-reset" /dev/null
    [[ $output == streamed* ]] || fail "--no-reset: $(od -c <<<"$output" | head -3)"
    run --separate-stderr skiff stats --interval 0 streamed
    assert_status 125
    assert_one_error_line "invalid interval"
}
