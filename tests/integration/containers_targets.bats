#!/usr/bin/env bats
# The containers start, stop, kill, pause, unpause, restart and rm act on, as podman picks them:
# --all, --latest, --cidfile, --filter (restart-policy= among its keys), --ignore; podman's
# messages for flags that do not go together; start --all leaves running containers out; rm
# --force of a missing container; wait on a container that never ran; and stop: the "stopping"
# state while it waits, without the container's lock, the warning when SIGKILL is needed, and a
# --rm container stopped.

load busybox_containers

@test "start --all starts the containers not running, and prints only those" {
    local done running
    done=$(skiff run -d busybox true)
    running=$(skiff run -d busybox sleep 60)
    skiff wait "$done" >/dev/null
    run skiff start --all
    assert_status 0
    assert_output "$done"
    skiff rm -f -t 0 "$done" "$running" >/dev/null
}

@test "start --filter: restart-policy= and exited= pick the containers, with or without names" {
    local plain failed always
    plain=$(skiff run -d busybox true)
    failed=$(skiff run -d busybox false)
    always=$(skiff create --restart=always busybox true)
    skiff wait "$plain" "$failed" >/dev/null
    run skiff start --filter restart-policy=always "$plain"
    assert_status 0
    assert_output ""
    run skiff start --filter restart-policy=none "$plain"
    assert_status 0
    assert_output "$plain"
    skiff wait "$plain" >/dev/null
    run skiff start --all --filter exited=1
    assert_status 0
    assert_output "$failed"
    run --separate-stderr skiff start --filter restart-policy=fakepolicy "$plain"
    assert_status 125
    [[ $stderr == "Error: fakepolicy invalid restart policy" ]] || fail "stderr: $stderr"
    skiff rm -f -t 0 "$plain" "$failed" "$always" >/dev/null
}

@test "podman's messages for targets that do not go together" {
    run --separate-stderr skiff start --all somename
    assert_status 125
    [[ $stderr == "Error: either start all containers or the container(s) provided in the arguments" ]] || fail "$stderr"
    run --separate-stderr skiff stop --all somename
    assert_status 125
    [[ $stderr == "Error: no arguments are needed with --all" ]] || fail "$stderr"
    run --separate-stderr skiff kill --latest --all
    assert_status 125
    [[ $stderr == "Error: --all and --latest cannot be used together" ]] || fail "$stderr"
    run --separate-stderr skiff pause --cidfile /nonexistent --all
    assert_status 125
    [[ $stderr == "Error: --all, --latest, and --cidfile cannot be used together" ]] || fail "$stderr"
    run --separate-stderr skiff restart --filter name=x somename
    assert_status 125
    [[ $stderr == "Error: --filter takes no arguments" ]] || fail "$stderr"
    run --separate-stderr skiff stop
    assert_status 125
    [[ $stderr == "Error: you must provide at least one name or id" ]] || fail "$stderr"
}

@test "--latest, --cidfile, --filter and --ignore name the containers to act on" {
    local first second cidfile=$BATS_TEST_TMPDIR/cid
    first=$(skiff run -d --name first -l group=x busybox sleep 60)
    second=$(skiff run -d --name second busybox sleep 60)
    echo "$first" >"$cidfile"
    run skiff pause --latest
    assert_status 0
    assert_output "$second"
    run skiff unpause --filter status=paused
    assert_status 0
    assert_output "$second"
    run skiff kill --cidfile "$cidfile"
    assert_status 0
    assert_output "$first"
    skiff wait first >/dev/null
    run --separate-stderr skiff stop --ignore nosuchcontainer second
    assert_status 0
    assert_output "second"
    run --separate-stderr skiff stop nosuchcontainer
    assert_status 125
    [[ $stderr == *'no container with name or ID "nosuchcontainer" found'* ]] || fail "$stderr"
    run --separate-stderr skiff kill --cidfile "$BATS_TEST_TMPDIR/none"
    assert_status 125
    assert_one_error_line "reading CIDFile"
    run skiff rm --filter label=group=x
    assert_status 0
    assert_output "$first"
    skiff rm -f -t 0 second >/dev/null
}

@test "rm --force of a container that does not exist: no error, no output" {
    run --separate-stderr skiff rm bogus
    assert_status 1
    run --separate-stderr skiff rm --force bogus
    assert_status 0
    [[ -z $output && -z $stderr ]] || fail "output [$output] stderr [$stderr]"
}

@test "wait on a container that never ran answers 0 at once" {
    skiff create --name never busybox true >/dev/null
    run timeout 10 "$SKIFF" $(skiff_args) wait never
    assert_status 0
    assert_output "0"
}

@test "stop: the container shows stopping, without its lock, and a warning comes with SIGKILL" {
    skiff run -d --name stubborn busybox sh -c "trap 'echo ignoring' TERM; echo READY; while :; do sleep 0.1; done" >/dev/null
    local log=$BATS_TEST_TMPDIR/stop.err
    for i in $(seq 50); do [[ $(skiff logs stubborn) == *READY* ]] && break; sleep 0.1; done
    skiff stop -t 3 stubborn >/dev/null 2>"$log" &
    local stopper=$!
    for i in $(seq 50); do [[ $(skiff logs stubborn) == *ignoring* ]] && break; sleep 0.1; done
    run skiff inspect --format '{{.State.Status}}' stubborn
    assert_output "stopping"
    run skiff ps --filter status=stopping --format '{{.Names}}'
    assert_output "stubborn"
    # The lock is free: unpause takes it at once, then refuses (125: not paused) instead of
    # blocking until the stop ends (124 from timeout).
    run timeout 2 "$SKIFF" $(skiff_args) unpause stubborn
    assert_status 125
    wait "$stopper"
    grep -q "StopSignal SIGTERM failed to stop container stubborn in 3 seconds, resorting to SIGKILL" "$log" ||
        fail "no warning: $(cat "$log")"
    run skiff inspect --format '{{.State.Status}} {{.State.ExitCode}}' stubborn
    assert_output "exited 137"
}

@test "stop of a --rm container succeeds once the container has removed itself" {
    skiff run -d --rm --name gone busybox sleep 60 >/dev/null
    run skiff stop -t 0 gone
    assert_status 0
    assert_output "gone"
    run skiff container exists gone
    assert_status 1
}

@test "inspect -l inspects the container created last; with a name it is podman's error" {
    skiff create --name older busybox true >/dev/null
    local newest
    newest=$(skiff create --name newest busybox true)
    run skiff inspect -l --format '{{.Id}} {{.Name}}'
    assert_status 0
    assert_output "$newest newest"
    run --separate-stderr skiff inspect -l older
    assert_status 125
    assert_one_error_line "Error: --latest and arguments cannot be used together"
}
