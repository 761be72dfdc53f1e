#!/usr/bin/env bats
# /dev/shm and --ipc, as podman: a shareable container's /dev/shm is a tmpfs on the host, in its
# run directory, bind-mounted into it and into the containers that join its ipc namespace
# (--ipc container:ID), so they share POSIX shm files; it is mounted at start and unmounted when
# the container stops or is removed. --ipc private keeps a tmpfs of its own in the container.

load busybox_containers

setup() {
    [[ $(id -u) == 0 ]] || skip "the host tmpfs of /dev/shm is root's (rootless: a tmpfs of the container's own)"
    remove_all_containers
}

shm_dir() {
    echo "$SKIFF_TEST_RUNROOT/containers/$1/shm"
}

# The host's mountinfo line of the tmpfs at DIR (nothing if none).
host_shm_mount() {
    awk -v d="$1" '$5 == d' /proc/self/mountinfo
}

assert_no_shm_mounts() {
    local left
    left=$(awk -v r="$SKIFF_TEST_RUNROOT/" 'index($5, r) == 1 && $5 ~ /\/shm$/' /proc/self/mountinfo)
    [[ -z $left ]] || fail "shm mounts left on the host:" "$left"
}

@test "--ipc container:ID shares the donor's /dev/shm both ways; the host tmpfs goes with rm" {
    local donor joiner line
    donor=$(skiff run -d --name donor --shm-size 2m busybox sleep 100)
    line=$(host_shm_mount "$(shm_dir "$donor")")
    [[ $line == *" - tmpfs shm "*size=2048k* ]] || fail "no 2m tmpfs at $(shm_dir "$donor"): [$line]"
    [[ ${line%% - *} == *nosuid*nodev*noexec* ]] || fail "tmpfs options: [$line]"
    [[ $(stat -c %a "$(shm_dir "$donor")") == 1777 ]] || fail "mode $(stat -c %a "$(shm_dir "$donor")")"

    skiff exec donor sh -c 'echo from-donor > /dev/shm/one'
    run skiff run --rm --ipc container:donor busybox sh -c 'cat /dev/shm/one; echo from-joiner > /dev/shm/two'
    assert_status 0
    assert_output from-donor
    run skiff exec donor cat /dev/shm/two
    assert_output from-joiner

    # A detached joiner too: the same tmpfs, while the donor stops and is removed.
    joiner=$(skiff run -d --ipc container:donor busybox sleep 100)
    run skiff exec "$joiner" cat /dev/shm/one
    assert_output from-donor
    run skiff rm -f -a
    assert_status 0
    assert_no_shm_mounts
    [[ ! -e $(shm_dir "$donor") ]] || fail "$(shm_dir "$donor") left"
}

@test "stop unmounts a shareable container's /dev/shm tmpfs, start mounts a new one" {
    local id
    id=$(skiff run -d busybox sh -c 'echo kept > /dev/shm/f; sleep 100')
    line=$(host_shm_mount "$(shm_dir "$id")")
    [[ $line == *" - tmpfs shm "*size=65536k* ]] || fail "no 64m tmpfs at $(shm_dir "$id"): [$line]"
    skiff stop -t 0 "$id" >/dev/null
    assert_no_shm_mounts
    skiff start "$id" >/dev/null
    [[ -n $(host_shm_mount "$(shm_dir "$id")") ]] || fail "start mounted no tmpfs at $(shm_dir "$id")"
    skiff rm -f "$id" >/dev/null
    assert_no_shm_mounts
}

@test "a killed monitor's /dev/shm tmpfs is unmounted by rm" {
    local id monitor
    id=$(skiff run -d busybox sleep 100)
    monitor=$(skiff inspect --format '{{.State.ConmonPid}}' "$id")
    [[ -n $(host_shm_mount "$(shm_dir "$id")") ]] || fail "no tmpfs at $(shm_dir "$id")"
    kill -9 "$monitor"
    for _ in $(seq 100); do process_runs "$monitor" || break; sleep 0.05; done
    [[ -n $(host_shm_mount "$(shm_dir "$id")") ]] || fail "the killed monitor's tmpfs is gone already?"
    run skiff rm -f "$id"
    assert_status 0
    assert_no_shm_mounts
}

@test "--ipc private, and a foreground run: a tmpfs of the container's own, nothing on the host" {
    local id
    id=$(skiff run -d --ipc private busybox sleep 100)
    [[ -z $(host_shm_mount "$(shm_dir "$id")") ]] || fail "a private container has a host tmpfs"
    run skiff exec "$id" sh -c "awk '\$5 == \"/dev/shm\"' /proc/self/mountinfo"
    [[ $output == *" - tmpfs shm "*size=65536k* ]] || fail "private /dev/shm: [$output]"
    skiff exec "$id" sh -c 'echo mine > /dev/shm/f'
    run skiff run --rm --ipc container:"$id" busybox true
    assert_status 125
    skiff rm -f "$id" >/dev/null

    # In the foreground (no monitor to unmount a host tmpfs if skiff is killed): a tmpfs of its own.
    run skiff run --rm --shm-size 1m busybox sh -c "echo x > /dev/shm/f && cat /dev/shm/f && awk '\$5 == \"/dev/shm\"' /proc/self/mountinfo"
    assert_status 0
    [[ ${lines[0]} == x && ${lines[1]} == *" - tmpfs shm "*size=1024k* ]] || fail "plain run: [$output]"
    skiff run --rm busybox sh -c 'touch /dev/shm/ready; sleep 3' &
    local fg=$! i
    for i in $(seq 100); do
        [[ -n $(skiff ps -q) ]] && break
        sleep 0.05
    done
    [[ -n $(skiff ps -q) ]] || fail "the foreground run did not start"
    assert_no_shm_mounts
    wait "$fg"
    assert_no_shm_mounts
}
