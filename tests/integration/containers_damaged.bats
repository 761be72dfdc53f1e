#!/usr/bin/env bats
# A container whose record files are truncated, empty, garbage or missing: listed by ps -a with a
# warning naming the file, an error naming it from inspect, and removed by rm -f together with
# whatever still runs of it (its process, its monitor, its cgroup). And what a killed create,
# remove or rename leaves (a name reservation, staging and trash directories, temporary files) is
# swept by the next command that meets it.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

# A running detached container's id, pid, monitor pid and cgroup directories (in globals).
start_victim() {
    ID=$(skiff run -d --name "$1" busybox sleep 1000)
    PID=$(skiff inspect --format '{{.State.Pid}}' "$ID")
    MONITOR=$(skiff inspect --format '{{.State.ConmonPid}}' "$ID")
    mapfile -t CGROUPS < <(jq -r '.cgroups // {} | .[]' "$SKIFF_TEST_RUNROOT/containers/$ID/state.json")
    [[ $PID -gt 0 && $MONITOR -gt 0 ]] || fail "no pid ($PID) or monitor ($MONITOR)"
    process_runs "$PID" || fail "container process $PID is not running"
}

# The container is listed by ps -a, with one warning on stderr naming `file`.
assert_listed_damaged() {
    local id=$1 file=$2 name=$3
    run --separate-stderr skiff ps -a --format '{{.ID}} {{.Names}} {{.State}}'
    assert_status 0
    [[ $output == *"${id:0:12} $name "* ]] || fail "ps -a does not list ${id:0:12} $name: $output"
    [[ $stderr == *"$file"* ]] || fail "ps -a gives no warning naming $file: $stderr"
    [[ $(grep -c "$id" <<<"$stderr") == 1 ]] || fail "not one warning line: $stderr"
}

# rm -f removed it and ended its process, its monitor and its cgroup; the name is free again.
assert_removed_and_ended() {
    local name=$1 i
    run --separate-stderr skiff rm -f "$name"
    assert_status 0
    for i in $(seq 50); do
        process_runs "$PID" || process_runs "$MONITOR" || break
        sleep 0.1
    done
    ! process_runs "$PID" || fail "the container process $PID still runs"
    ! process_runs "$MONITOR" || fail "the monitor $MONITOR still runs"
    local dir
    for dir in "${CGROUPS[@]}"; do
        [[ ! -d $dir ]] || fail "cgroup $dir is left"
    done
    run skiff ps -a -q
    assert_output ""
    [[ ! -e $SKIFF_TEST_ROOT/containers/$ID && ! -e $SKIFF_TEST_RUNROOT/containers/$ID ]] || fail "directories left"
    run skiff run --rm --name "$name" busybox true
    assert_status 0
}

@test "truncated config.json of a running container: listed, inspect names it, rm -f ends it" {
    start_victim trunc
    local file=$SKIFF_TEST_ROOT/containers/$ID/config.json
    truncate -s 20 "$file"
    assert_listed_damaged "$ID" "$file" trunc
    run --separate-stderr skiff inspect trunc
    assert_status 125
    [[ $stderr == *"$file"* ]] || fail "inspect does not name $file: $stderr"
    # Without force it may be running: refused, nothing ended.
    run --separate-stderr skiff rm trunc
    assert_status 2
    process_runs "$PID" || fail "rm without -f ended the container"
    assert_removed_and_ended trunc
}

@test "garbage state.json of a running container: listed as unknown, rm -f ends it" {
    start_victim garbage
    local file=$SKIFF_TEST_RUNROOT/containers/$ID/state.json
    printf 'garbage{"state":' >"$file"
    assert_listed_damaged "$ID" "$file" garbage
    run --separate-stderr skiff ps -a --format '{{.Names}} {{.State}}'
    assert_output "garbage unknown"
    run --separate-stderr skiff inspect "$ID"
    assert_status 125
    [[ $stderr == *"$file"* ]] || fail "inspect does not name $file: $stderr"
    assert_removed_and_ended garbage
}

@test "empty config.json and empty state.json of a running container, removed by id" {
    start_victim empties
    : >"$SKIFF_TEST_ROOT/containers/$ID/config.json"
    : >"$SKIFF_TEST_RUNROOT/containers/$ID/state.json"
    assert_listed_damaged "$ID" "$SKIFF_TEST_RUNROOT/containers/$ID/state.json" empties
    run --separate-stderr skiff ps -a
    [[ $stderr == *"$SKIFF_TEST_ROOT/containers/$ID/config.json"* ]] || fail "no word of config.json: $stderr"
    assert_removed_and_ended "${ID:0:12}"
}

@test "missing config.json and state.json of a running container: rm -f finds the rest from the kernel" {
    start_victim missing
    rm "$SKIFF_TEST_ROOT/containers/$ID/config.json" "$SKIFF_TEST_RUNROOT/containers/$ID/state.json"
    assert_listed_damaged "$ID" "$SKIFF_TEST_ROOT/containers/$ID/config.json" missing
    assert_removed_and_ended missing
}

@test "a damaged record of a stopped container is removed by plain rm" {
    skiff run --name stopped busybox true
    local id
    id=$(skiff ps -a -q --no-trunc)
    printf '{"id": 12' >"$SKIFF_TEST_ROOT/containers/$id/config.json"
    run --separate-stderr skiff start stopped
    assert_status 125
    [[ $stderr == *config.json* ]] || fail "start does not name config.json: $stderr"
    run skiff rm stopped
    assert_status 0
    run skiff ps -a -q
    assert_output ""
}

@test "a name reserved by a killed create (no record, nobody at work) is taken over" {
    local ghost=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    ln -s "$ghost" "$SKIFF_TEST_ROOT/containers/names/ghost"
    mkdir -p "$SKIFF_TEST_RUNROOT/containers/$ghost" "$SKIFF_TEST_ROOT/containers/.creating-$ghost"
    echo '{}' >"$SKIFF_TEST_RUNROOT/containers/$ghost/state.json"
    run --separate-stderr skiff rm ghost
    assert_status 1
    [[ ! -L $SKIFF_TEST_ROOT/containers/names/ghost ]] || fail "rm left the stale reservation"
    ln -s "$ghost" "$SKIFF_TEST_ROOT/containers/names/ghost"
    run skiff run --rm --name ghost busybox true
    assert_status 0
    [[ ! -e $SKIFF_TEST_RUNROOT/containers/$ghost && ! -e $SKIFF_TEST_ROOT/containers/.creating-$ghost ]] ||
        fail "the killed create's directories are left"
}

@test "a name whose rename was cut short is free; the container keeps the name its record holds" {
    skiff create --name kept busybox true >/dev/null
    local id
    id=$(skiff ps -a -q --no-trunc)
    ln -s "$id" "$SKIFF_TEST_ROOT/containers/names/halfway"
    run skiff create --name halfway busybox true
    assert_status 0
    run skiff ps -a --format '{{.Names}}'
    [[ $(sort <<<"$output" | tr '\n' ' ') == "halfway kept " ]] || fail "names: $output"
}

@test "staging and trash directories and temporary files of dead writers are swept by ps -a" {
    local dead=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee
    mkdir -p "$SKIFF_TEST_ROOT/containers/.creating-$dead/x" "$SKIFF_TEST_ROOT/containers/.removing-$dead/y" \
        "$SKIFF_TEST_RUNROOT/containers/.removing-$dead" "$SKIFF_TEST_RUNROOT/containers/$dead" \
        "$SKIFF_TEST_ROOT/containers/.tmp" "$SKIFF_TEST_RUNROOT/containers/.tmp"
    # A writer that is gone (a pid that is no process now, or one that started at another time).
    touch "$SKIFF_TEST_ROOT/containers/.tmp/999999999-1-0" "$SKIFF_TEST_RUNROOT/containers/.tmp/$$-1-3"
    run skiff ps -a
    assert_status 0
    run find "$SKIFF_TEST_ROOT/containers" "$SKIFF_TEST_RUNROOT/containers" -mindepth 1 -path '*/names' -prune -o \
        -name "*$dead*" -print -o -path '*/.tmp/*' -print
    assert_output ""
}
