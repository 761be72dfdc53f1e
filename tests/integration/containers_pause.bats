#!/usr/bin/env bats
# pause/unpause: a paused container's processes are frozen (a counter it writes stops advancing) and
# go on after unpause; ps, inspect and wait see it paused; kill and rm -f of a paused container end
# it, other signals wait for unpause; stop (as podman), exec into it, pausing what does not run and
# unpausing what is not paused are refused.

load busybox_containers

kCounter='i=0; while :; do i=$((i + 1)); echo $i > /tmp/count; sleep 0.05; done'

state_json() { cat "$SKIFF_TEST_RUNROOT/containers/$1/state.json"; }

# The counter the container writes, read from its upper directory on the host.
count_of() { cat "$SKIFF_TEST_ROOT/containers/$1/upper/tmp/count" 2>/dev/null; }

wait_count() {
    local id=$1 i
    for i in $(seq 100); do
        [[ -n $(count_of "$id") ]] && return 0
        sleep 0.05
    done
    fail "container $id never wrote its counter"
}

# The directory of the container's cgroup in the hierarchy holding the freezer: the v1 freezer, else
# the cgroup2 one.
freezer_state() {
    local dir
    dir=$(state_json "$1" | jq -r '.cgroups.freezer // empty')
    if [[ -n $dir ]]; then
        cat "$dir/freezer.state"
    else
        dir=$(state_json "$1" | jq -r '.cgroups[""]')
        awk '$1 == "frozen" { print ($2 == 1 ? "FROZEN" : "THAWED") }' "$dir/cgroup.events"
    fi
}

@test "pause freezes the container: its counter stops, ps and inspect say paused; unpause: it goes on" {
    local id
    id=$(skiff run -d --name counter busybox sh -c "$kCounter")
    wait_count "$id"

    run --separate-stderr skiff pause counter
    assert_status 0
    assert_output "counter"
    [[ $(freezer_state "$id") == FROZEN ]] || fail "freezer: $(freezer_state "$id")"
    [[ $(state_json "$id" | jq -r .paused) == true ]] || fail "state: $(state_json "$id")"
    local before after
    before=$(count_of "$id")
    sleep 0.5
    after=$(count_of "$id")
    [[ $before == "$after" ]] || fail "the counter went on while paused: $before -> $after"

    run skiff ps --format '{{.Names}} {{.Status}} {{.State}}'
    assert_output "counter Paused paused"
    run skiff ps --filter status=paused --format '{{.Names}}'
    assert_output "counter"
    run skiff inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' counter
    assert_output "paused true false"
    run skiff wait --condition paused counter
    assert_status 0
    assert_output "-1"

    run --separate-stderr skiff container unpause counter
    assert_status 0
    assert_output "counter"
    [[ $(freezer_state "$id") == THAWED ]] || fail "freezer: $(freezer_state "$id")"
    sleep 0.5
    after=$(count_of "$id")
    ((after > before)) || fail "the counter did not go on after unpause: $before -> $after"
    run skiff inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' counter
    assert_output "running false true"
    run skiff ps --format '{{.Names}} {{.Status}}'
    [[ $output == "counter Up"* ]] || fail "ps: $output"
}

@test "refused: pausing a container that is not running, pausing twice, unpausing a running one, exec into a paused one" {
    skiff create --name idle busybox true >/dev/null
    run --separate-stderr skiff pause idle
    assert_status 125
    assert_one_error_line "is not running" "container state improper"

    skiff run -d --name sleeper busybox sleep 1000 >/dev/null
    run --separate-stderr skiff unpause sleeper
    assert_status 125
    assert_one_error_line "is not paused"

    skiff pause sleeper >/dev/null
    run --separate-stderr skiff pause sleeper
    assert_status 125
    assert_one_error_line "already paused"
    run --separate-stderr skiff exec sleeper true
    assert_status 125
    assert_one_error_line "sleeper is paused"
    run --separate-stderr skiff pause no-such-thing
    assert_status 125
    assert_one_error_line "no-such-thing"
    # Still paused after all that, and unpaused exactly once.
    run skiff inspect --format '{{.State.Status}}' sleeper
    assert_output "paused"
    run skiff unpause sleeper
    assert_status 0
    run skiff exec sleeper echo back
    assert_status 0
    assert_output "back"
}

@test "stop of a paused container is refused as podman refuses it (125, still paused); after unpause it stops" {
    skiff run -d --name stoppee busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
    sleep 0.3  # the trap is set
    skiff pause stoppee >/dev/null
    local id
    id=$(skiff inspect --format '{{.Id}}' stoppee)
    run --separate-stderr skiff stop -t 2 stoppee
    assert_status 125
    assert_one_error_line "container $id is running or paused, refusing to clean up: container state improper"
    run skiff inspect --format '{{.State.Status}} {{.State.Paused}}' stoppee
    assert_output "paused true"
    skiff unpause stoppee >/dev/null
    run skiff stop -t 2 stoppee
    assert_status 0
    assert_output "stoppee"
    run skiff wait stoppee
    assert_output "3"
}

@test "kill -s of a paused container, as podman: it stays paused, the signal is handled once unpaused" {
    local id got
    id=$(skiff run -d --name signalee busybox sh -c \
        'trap "echo usr1 >> /tmp/got" USR1; touch /tmp/ready; while :; do sleep 0.1; done')
    got=$SKIFF_TEST_ROOT/containers/$id/upper/tmp
    for _ in $(seq 100); do [[ -e $got/ready ]] && break; sleep 0.05; done
    [[ -e $got/ready ]] || fail "the trap was never set"
    skiff pause signalee >/dev/null
    run --separate-stderr skiff kill -s USR1 signalee
    assert_status 0
    assert_output "signalee"
    sleep 0.5
    [[ ! -e $got/got ]] || fail "handled while paused: $(cat "$got/got")"
    run skiff inspect --format '{{.State.Status}} {{.State.Paused}}' signalee
    assert_output "paused true"
    [[ $(freezer_state "$id") == FROZEN ]] || fail "freezer: $(freezer_state "$id")"
    skiff unpause signalee >/dev/null
    for _ in $(seq 100); do [[ -e $got/got ]] && break; sleep 0.05; done
    [[ $(cat "$got/got" 2>/dev/null) == usr1 ]] || fail "not handled after unpause: $(cat "$got/got" 2>/dev/null)"
    run skiff inspect --format '{{.State.Status}}' signalee
    assert_output "running"
}

@test "kill and rm -f of a paused container; its cgroup goes with it" {
    local id
    id=$(skiff run -d --name killee busybox sleep 1000)
    skiff pause killee >/dev/null
    run skiff kill killee
    assert_status 0
    run skiff wait killee
    assert_output "137"

    id=$(skiff run -d --name removee busybox sleep 1000)
    local dirs
    dirs=$(state_json "$id" | jq -r '.cgroups[]')
    [[ -n $dirs ]] || fail "no cgroups recorded: $(state_json "$id")"
    skiff pause removee >/dev/null
    run skiff rm -f removee
    assert_status 0
    run skiff ps -a --format '{{.Names}}'
    assert_output "killee"
    local d
    for d in $dirs; do
        for _ in $(seq 50); do [[ -d $d ]] || break; sleep 0.1; done
        [[ ! -d $d ]] || fail "cgroup $d left behind"
    done
}

@test "pause -a and unpause -a act on every running (paused) container" {
    skiff run -d --name first-one busybox sleep 1000 >/dev/null
    skiff run -d --name second-one busybox sleep 1000 >/dev/null
    skiff create --name never-run busybox true >/dev/null
    run skiff pause -a
    assert_status 0
    [[ ${#lines[@]} -eq 2 ]] || fail "pause -a: $output"
    run skiff ps -a --format '{{.Names}} {{.State}}'
    assert_output_contains "first-one paused"
    assert_output_contains "second-one paused"
    assert_output_contains "never-run created"
    run skiff unpause --all
    assert_status 0
    [[ ${#lines[@]} -eq 2 ]] || fail "unpause -a: $output"
    run skiff ps --format '{{.State}}'
    assert_output $'running\nrunning'
    run --separate-stderr skiff pause -a first-one
    assert_status 125
    assert_one_error_line "--all"
}
