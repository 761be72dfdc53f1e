#!/usr/bin/env bats
# The monitor of a detached container holds little memory: it is skiff re-executed as
# `skiff __monitor` (not a fork that keeps the starting command's heap), and once the container runs
# it drops the pages of the code that started it. Measured against skiff itself, not in kB, so that
# another host or build does not change the verdict.

load busybox_containers

monitor_of() {
    jq -r .monitor_pid "$SKIFF_TEST_RUNROOT/containers/$1/state.json"
}

# "RSS SIZE" (kB) of PID's executable code mapping: the r-xp mapping of its own binary.
text_rss_size() {
    local exe
    exe=$(readlink "/proc/$1/exe")
    awk -v exe="$exe" '/^[0-9a-f]+-[0-9a-f]+ / { text = ($2 == "r-xp" && $6 == exe) }
        text && /^Size:/ { size += $2 } text && /^Rss:/ { rss += $2 } END { print rss + 0, size + 0 }' "/proc/$1/smaps"
}

# Until the monitor PID keeps less than an eighth of skiff's code resident (5 s at most): it drops
# what starting the container faulted in, which was more than half of it.
wait_code_dropped() {
    local pid=$1 i rss size
    for i in $(seq 50); do
        read -r rss size < <(text_rss_size "$pid")
        ((size > 0 && rss * 8 < size)) && return 0
        sleep 0.1
    done
    fail "monitor $pid keeps $rss kB of its $size kB of code resident"
}

@test "the monitor is skiff re-executed (none of the starting command's heap), named as skiff, and drops the code that started the container" {
    run skiff run -d --name memo busybox sleep 100
    assert_status 0
    local id=$output monitor
    monitor=$(monitor_of "$id")
    kill -0 "$monitor" || fail "no monitor $monitor"
    local -a argv
    mapfile -d '' argv <"/proc/$monitor/cmdline"
    # Nothing on its command line but the command: what to run comes over its channel.
    [[ ${argv[1]} == __monitor && ${#argv[@]} -eq 2 ]] || fail "monitor's command line: ${argv[*]}"
    [[ $(cat "/proc/$monitor/comm") == "$(basename "$(readlink -f "$SKIFF")" | cut -c1-15)" ]] ||
        fail "monitor's name: $(cat "/proc/$monitor/comm")"
    wait_code_dropped "$monitor"
    skiff stop -t 0 memo >/dev/null
}

@test "after dropping its start-up pages the monitor logs, restarts and records as before" {
    run skiff run -d --name latecomer --restart on-failure:1 busybox sh -c 'sleep 1; echo late line; exit 3'
    assert_status 0
    local id=$output monitor
    monitor=$(monitor_of "$id")
    wait_code_dropped "$monitor"
    # The first run exits 3 after its line; the policy runs it once more; both lines are logged.
    for i in $(seq 100); do
        [[ $(skiff logs latecomer 2>&1 | grep -c 'late line') -eq 2 ]] && break
        sleep 0.1
    done
    run skiff logs latecomer
    [[ $(grep -c 'late line' <<<"$output") -eq 2 ]] || fail "logs: $output"
    run skiff wait latecomer
    assert_output 3
    run skiff inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' latecomer
    assert_output "exited 3 1"
    for i in $(seq 50); do
        process_runs "$monitor" || return 0
        sleep 0.1
    done
    fail "monitor $monitor still there"
}
