#!/usr/bin/env bats
# --init and --init-path: an init as the container's PID 1 (at /run/podman-init, as podman's) runs
# the command as its child, forwards signals to it, reaps orphans and exits with its status.

load busybox_containers

# The processes of the container that are zombies, by its `exec`.
zombies_in() {
    skiff exec "$1" sh -c 'for s in /proc/[0-9]*/stat; do read -r pid comm state rest <"$s" && [ "$state" = Z ] && echo "$pid $comm"; done; true'
}

@test "--init: PID 1 is the init, the command its child; inspect shows Init" {
    run skiff run --name withinit --init busybox sh -c 'echo $$; tr "\0" " " </proc/1/cmdline'
    assert_status 0
    assert_output "2
/run/podman-init -- sh -c echo \$\$; tr \"\\0\" \" \" </proc/1/cmdline "
    run skiff inspect --format '{{.HostConfig.Init}} {{index .Config.Annotations "io.podman.annotations.init"}}' withinit
    assert_output "true TRUE"
    skiff create --name noinit busybox true
    run skiff inspect --format '{{.HostConfig.Init}}' noinit
    assert_output "false"
}

@test "--init: the command's exit status, and 128+N when a signal killed it" {
    run skiff run --rm --init busybox sh -c 'exit 3'
    assert_status 3
    run skiff run --rm --init busybox sh -c 'kill -9 $$'
    assert_status 137
    run -127 --separate-stderr skiff run --rm --init busybox no-such-command
    assert_status 127
    [[ $stderr == *"no-such-command: No such file or directory"* ]] || fail "stderr: $stderr"
}

@test "--init reaps the orphans a command leaves to PID 1" {
    # Without an init, the exec'd sleep is PID 1 and never waits for the orphaned child.
    skiff run -d --name reaped --init busybox sh -c 'sh -c "sleep 0.2 &"; exec sleep 30'
    sleep 1.5
    run zombies_in reaped
    assert_status 0
    assert_output ""
    skiff run -d --name unreaped busybox sh -c 'sh -c "sleep 0.2 &"; exec sleep 30'
    sleep 1.5
    run zombies_in unreaped
    assert_output_contains "sleep"
}

@test "--init forwards the stop signal to the command" {
    skiff run -d --name fwd --init busybox sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
    local i
    for ((i = 0; i < 100; i++)); do
        skiff logs fwd | grep -q ready && break
        sleep 0.1
    done
    run skiff stop -t 10 fwd
    assert_status 0
    run skiff inspect --format '{{.State.ExitCode}}' fwd
    assert_output "7"
    run skiff logs fwd
    assert_output_contains "got TERM"
}

@test "--init-path mounts the given binary as the init" {
    local init=$BATS_TEST_TMPDIR/my-init
    printf '#!/bin/sh\necho "my init: $*"\n' >"$init"
    chmod 755 "$init"
    run skiff run --rm --init --init-path "$init" busybox echo hi
    assert_status 0
    assert_output "my init: -- echo hi"
}

@test "--init refusals: podman's words" {
    run --separate-stderr skiff create --init --pid host busybox true
    assert_status 125
    assert_one_error_line "cannot add init binary as PID 1 (PID namespace isn't private)"
    run --separate-stderr skiff create --init --init-path /no/such/init busybox true
    assert_status 125
    assert_one_error_line "container-init binary not found on the host: stat /no/such/init: no such file or directory"
    run skiff ps -a -q
    assert_output ""
}
