#!/usr/bin/env bats
# Removing a detached container does not race its monitor: rm (and stop, and container cleanup
# --rm) return only once the monitor has exited, and a monitor that outlives the removal (stopped
# here, so that rm gives up waiting for it) makes nothing again of what rm removed.

load busybox_containers

monitor_of() {
    skiff inspect --format '{{.State.ConmonPid}}' "$1"
}

# Nothing of container ID is left in the store: no definition, no run-time directory, no lock.
assert_nothing_left_of() {
    local id=$1 left
    left=$(find "$SKIFF_TEST_ROOT" "$SKIFF_TEST_RUNROOT" -name "*$id*" 2>/dev/null)
    [[ -z $left ]] || fail "left of $id: $left"
}

@test "rm -a -f: every detached container's monitor has exited when rm returns, and nothing of them is left" {
    local ids=() monitors=() i m
    for i in 1 2 3; do ids+=("$(skiff run -d busybox sleep 100)"); done
    ids+=("$(skiff run -d --rm busybox sleep 100)")
    ids+=("$(skiff run -d --restart always busybox sleep 100)")
    for i in "${ids[@]}"; do monitors+=("$(monitor_of "$i")"); done
    for m in "${monitors[@]}"; do process_runs "$m" || fail "no monitor $m"; done
    run skiff rm -a -f
    assert_status 0
    for i in "${ids[@]}"; do [[ $output == *"$i"* ]] || fail "rm -a -f did not name $i: $output"; done
    for m in "${monitors[@]}"; do ! process_runs "$m" || fail "monitor $m still runs after rm returned"; done
    for i in "${ids[@]}"; do assert_nothing_left_of "$i"; done
    # Nor a moment later.
    sleep 0.5
    for i in "${ids[@]}"; do assert_nothing_left_of "$i"; done
}

@test "stop of a --rm container, stop then rm, container cleanup --rm: no monitor left when they return" {
    local id m
    id=$(skiff run -d --rm busybox sleep 100)
    m=$(monitor_of "$id")
    run skiff stop -t 0 "$id"
    assert_status 0
    ! process_runs "$m" || fail "the --rm container's monitor $m still runs after stop returned"
    assert_nothing_left_of "$id"

    id=$(skiff run -d busybox sleep 100)
    m=$(monitor_of "$id")
    skiff stop -t 0 "$id" >/dev/null
    run skiff rm "$id"
    assert_status 0
    assert_output "$id"
    ! process_runs "$m" || fail "monitor $m still runs after stop and rm returned"
    assert_nothing_left_of "$id"

    id=$(skiff run -d busybox sleep 100)
    m=$(monitor_of "$id")
    skiff kill "$id" >/dev/null
    skiff wait "$id" >/dev/null
    run skiff container cleanup --rm "$id"
    assert_status 0
    ! process_runs "$m" || fail "monitor $m still runs after container cleanup --rm returned"
    assert_nothing_left_of "$id"
}

@test "a monitor that outlives rm (stopped meanwhile) makes nothing again; rm warns and goes on" {
    local id m
    id=$(skiff run -d --name held busybox sleep 100)
    m=$(monitor_of "$id")
    kill -STOP "$m"
    run --separate-stderr skiff rm -f held
    kill -CONT "$m"
    assert_status 0
    assert_output held
    [[ $stderr == *"level=warning"*"monitor"*"has not exited"* ]] || fail "no warning: $stderr"
    for _ in $(seq 100); do process_runs "$m" || break; sleep 0.05; done
    ! process_runs "$m" || fail "monitor $m still runs"
    assert_nothing_left_of "$id"
}

@test "rm of an initialized container (no -f, as podman) ends its held process and its monitor" {
    local id m pid
    id=$(skiff create busybox sleep 100)
    skiff init "$id" >/dev/null
    m=$(monitor_of "$id")
    pid=$(skiff inspect --format '{{.State.Pid}}' "$id")
    process_runs "$m" || fail "no monitor $m"
    run --separate-stderr skiff rm "$id"
    assert_status 0
    assert_output "$id"
    [[ -z $stderr ]] || fail "stderr: $stderr"
    ! process_runs "$pid" || fail "the initialized container's process $pid outlived rm"
    ! process_runs "$m" || fail "monitor $m still runs after rm returned"
    assert_nothing_left_of "$id"
}
