#!/usr/bin/env bats
# Files of a container that skiff reads from the host (top's user names from its /etc/passwd, cp
# --archive's owner from its /etc/passwd and /etc/group) are read inside the container's root: an
# absolute link leads to the container's own file, never the host's; only a regular file is read
# (not a device, not a FIFO that would hang the reader), of at most 16 MiB. What cannot be read
# that way counts as missing: top shows numeric ids, as podman does.

load busybox_containers

# A running container NAME whose /etc/passwd the shell command MAKE has replaced.
start_with_passwd() {
    local name=$1 make=$2
    run skiff run -d --name "$name" busybox sh -c "rm /etc/passwd && $make && echo ready && sleep 1000"
    assert_status 0
    wait_for_log "$name" ready
}

wait_for_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(skiff logs "$1" 2>/dev/null) == *"$2"* ]] && return 0
        sleep 0.1
    done
    fail "container $1 never said $2: $(skiff logs "$1" 2>&1)"
}

# top's USER column of the container's processes (all run as root: uid 0).
top_users() {
    run timeout 20 "$SKIFF" $(skiff_args) top "$1" user pid
}

@test "top: the container's own /etc/passwd names its users" {
    start_with_passwd own "echo 'chief:x:0:0::/root:/bin/sh' >/etc/passwd"
    top_users own
    assert_status 0
    assert_output_contains chief
}

@test "top: an /etc/passwd linked to a host file does not show the host's names" {
    local host_passwd=$SKIFF_TEST_DIR/host-passwd name=hostonly$RANDOM
    echo "$name:x:0:0::/:/bin/sh" >"$host_passwd"
    start_with_passwd linked "ln -s $host_passwd /etc/passwd"
    top_users linked
    assert_status 0
    refute_output_contains "$name"
    # The link leads nowhere inside the container: ids are shown as numbers.
    [[ $(echo "$output" | awk 'NR == 2 { print $1 }') == 0 ]] || fail "user column: $output"
}

@test "top: an /etc/passwd linked to /dev/zero is not read" {
    start_with_passwd zero "ln -s /dev/zero /etc/passwd"
    top_users zero
    assert_status 0
    [[ $(echo "$output" | awk 'NR == 2 { print $1 }') == 0 ]] || fail "user column: $output"
}

@test "top: an /etc/passwd that is a FIFO does not hang it" {
    start_with_passwd fifo "mkfifo /etc/passwd"
    top_users fifo
    [[ $status -ne 124 ]] || fail "top hung on the FIFO"
    assert_status 0
    [[ $(echo "$output" | awk 'NR == 2 { print $1 }') == 0 ]] || fail "user column: $output"
}

@test "top: an /etc/passwd over 16 MiB is not read" {
    # A name for uid 0 first, then 17 MiB: read whole, it would name the user.
    start_with_passwd big "{ echo 'chief:x:0:0::/root:/bin/sh'; head -c 17825792 /dev/zero; } >/etc/passwd"
    top_users big
    assert_status 0
    refute_output_contains chief
}

@test "cp: an /etc/passwd over 16 MiB is not read for the container's user" {
    # The container runs as a user its /etc/passwd names, and then makes that file huge: cp, which
    # gives what it copies in to that user, cannot read it and says so.
    local dir=$SKIFF_TEST_DIR/huge-image
    mkdir -p "$dir"
    tar -xf "$(busybox_tarball)" -C "$dir"
    echo 'chief:x:1234:1234::/:/bin/sh' >>"$dir/etc/passwd"
    chmod 666 "$dir/etc/passwd"
    tar -cf "$dir.tar" -C "$dir" --owner=0 --group=0 --numeric-owner .
    rm -rf "$dir"
    skiff import "$dir.tar" huge-passwd >/dev/null
    run skiff run -d --name huge -u chief huge-passwd sh -c \
        "head -c 17825792 /dev/zero >>/etc/passwd && echo ready && sleep 1000"
    assert_status 0
    wait_for_log huge ready
    echo data >"$SKIFF_TEST_DIR/file"
    run --separate-stderr skiff cp "$SKIFF_TEST_DIR/file" huge:/tmp/file
    assert_status 125
    assert_one_error_line chief
}
