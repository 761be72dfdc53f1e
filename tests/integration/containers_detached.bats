#!/usr/bin/env bats
# Detached containers: run -d, create + start, stop, kill, wait, logs, restart policies, --rm under
# the monitor, a killed monitor, and many commands at once.

load busybox_containers

state_field() {
    jq -r ".$2" "$SKIFF_TEST_RUNROOT/containers/$1/state.json"
}

# Until the container's logs (both streams) hold TEXT (5 s at most).
wait_logs() {
    local name=$1 text=$2 i out
    for i in $(seq 100); do
        out=$(skiff logs "$name" 2>&1)
        [[ $out == *"$text"* ]] && return 0
        sleep 0.05
    done
    fail "logs of $name: [$out], want [$text]"
}

# Until `skiff ps -a` shows the container's STATUS matching the pattern (5 s at most).
wait_status() {
    local name=$1 pattern=$2 i
    for i in $(seq 100); do
        [[ $(skiff ps -a --filter "name=^$name\$" --format '{{.Status}}') == $pattern ]] && return 0
        sleep 0.05
    done
    fail "status of $name: $(skiff ps -a --filter "name=^$name\$" --format '{{.Status}}'), want $pattern"
}

@test "run -d: the id on stdout, running in ps, logs of both streams, stop, wait, no monitor left" {
    run --separate-stderr skiff run -d --name web busybox sh -c 'echo to stdout; echo to stderr >&2; exec sleep 100'
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "stdout: $output"
    local id=$output
    run skiff ps --format '{{.Names}} {{.Status}}'
    [[ $output == "web Up"* ]] || fail "ps: $output"
    local monitor
    monitor=$(state_field "$id" monitor_pid)
    kill -0 "$monitor" || fail "no monitor process $monitor"
    wait_logs web "to stderr"
    run --separate-stderr skiff logs web
    assert_output "to stdout"
    [[ $stderr == "to stderr" ]] || fail "stderr: $stderr"
    run skiff logs -t web
    [[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+][0-9]{2}:[0-9]{2}\ to\ stdout$ ]] || fail "logs -t: $output"

    run skiff inspect --format '{{.State.Status}} {{.State.Running}} {{.Name}} {{.HostConfig.RestartPolicy.Name}}' web
    assert_output "running true web no"
    [[ $(skiff container inspect --format '{{.State.ConmonPid}}' web) == "$monitor" ]] || fail "ConmonPid"

    run --separate-stderr skiff stop -t 1 web  # stderr: the warning that SIGKILL was needed
    assert_status 0
    assert_output web
    run skiff ps -a --format '{{.Names}} {{.Status}}'
    [[ $output == "web Exited (137)"* ]] || fail "ps: $output"
    run skiff wait web
    assert_output 137
    for _ in $(seq 50); do process_runs "$monitor" || break; sleep 0.05; done
    ! process_runs "$monitor" || fail "the monitor $monitor outlived its container"
}

@test "the exit code is recorded; wait returns it; logs --tail and --since" {
    skiff run -d --name quick busybox sh -c 'echo one; echo two; echo three; exit 3' >/dev/null
    run skiff wait quick
    assert_output 3
    wait_status quick 'Exited (3)*'
    run skiff logs --tail 2 quick
    assert_output "two
three"
    run skiff logs --since 1h quick
    assert_output "one
two
three"
    run skiff logs --until 1h quick
    assert_output ""
}

@test "create, then start; start again runs it again and its log grows" {
    run skiff create --name later busybox sh -c 'echo ran'
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "create: $output"
    run skiff ps -a --format '{{.Names}} {{.Status}}'
    assert_output "later Created"
    run skiff start later
    assert_status 0
    assert_output later
    run skiff wait later
    assert_output 0
    skiff start later >/dev/null
    skiff wait later >/dev/null
    wait_logs later "ran
ran"
}

@test "kill -s delivers the signal; kill of a stopped container is refused" {
    skiff run -d --name trapper busybox sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_logs trapper ready
    run skiff kill -s TERM trapper
    assert_status 0
    assert_output trapper
    run skiff wait trapper
    assert_output 7
    run skiff logs trapper
    assert_output "ready
got TERM"
    run --separate-stderr skiff kill trapper
    assert_status 125
    assert_one_error_line "can only kill running containers"
}

@test "rm -f -t N: the stop signal first, SIGKILL after N seconds; rm -f alone kills at once; -t needs -f" {
    local out="$BATS_TEST_TMPDIR/out"
    mkdir -p "$out"
    local trap_term='trap "echo TERM > /out/got; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
    skiff run -d --name graceful -v "$out:/out" busybox sh -c "$trap_term" >/dev/null
    wait_logs graceful ready
    run --separate-stderr skiff rm -t 5 graceful
    assert_status 125
    assert_one_error_line "--force option must be specified to use the --time option"
    run skiff rm -f -t 30 graceful
    assert_status 0
    assert_output graceful
    [[ $(cat "$out/got") == TERM ]] || fail "the container did not get its stop signal"
    rm -f "$out/got"
    skiff run -d --name abrupt -v "$out:/out" busybox sh -c "$trap_term" >/dev/null
    wait_logs abrupt ready
    run skiff rm -f abrupt
    assert_status 0
    [[ ! -e $out/got ]] || fail "rm -f without -t sent the stop signal"
    # -t 0: SIGKILL at once, even for a process that ignores the stop signal.
    skiff run -d --name stubborn busybox sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_logs stubborn ready
    run skiff rm -f -t 0 stubborn
    assert_status 0
    run skiff container exists stubborn
    assert_status 1
    # A --rm container's monitor removes it once stopped: rm -t counts it removed all the same.
    skiff run -d --rm --name selfremoving busybox sh -c 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_logs selfremoving ready
    run skiff rm -f -t 30 selfremoving
    assert_status 0
    assert_output selfremoving
    # stop -t -1 waits for the stop signal to work, without a SIGKILL.
    skiff run -d --name patient busybox sh -c 'trap "sleep 1; exit 5" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_logs patient ready
    run skiff stop -t -1 patient
    assert_status 0
    run skiff inspect --format '{{.State.ExitCode}}' patient
    assert_output 5
}

@test "run -d --rm: the monitor removes the container when it exits" {
    skiff run -d --rm --name gone busybox true >/dev/null
    for _ in $(seq 100); do
        [[ -z $(skiff ps -a -q --filter name=gone) ]] && break
        sleep 0.05
    done
    run skiff ps -a -q --filter name=gone
    assert_output ""
}

@test "--restart on-failure:2 runs it three times; --restart always is not restarted after stop" {
    skiff run -d --name flaky --restart on-failure:2 busybox sh -c 'echo try; exit 1' >/dev/null
    wait_logs flaky "try
try
try"
    wait_status flaky 'Exited (1)*'
    sleep 0.5
    run skiff logs flaky
    assert_output "try
try
try"

    skiff run -d --name forever --restart always busybox sh -c 'sleep 100' >/dev/null
    skiff stop -t 0 forever >/dev/null
    sleep 0.5
    wait_status forever 'Exited*'
}

@test "a killed monitor takes its container with it, which then shows exited" {
    # The container would have nobody to read its output or record its exit: it dies with its
    # monitor (PR_SET_PDEATHSIG), as a foreground container dies with its skiff.
    local id monitor pid i
    id=$(skiff run -d --name orphan busybox sleep 100)
    monitor=$(state_field "$id" monitor_pid)
    pid=$(state_field "$id" pid)
    process_runs "$pid" || fail "the container is not running"
    kill -9 "$monitor"
    wait_status orphan 'Exited*'
    for i in $(seq 50); do
        process_runs "$pid" || break
        sleep 0.1
    done
    ! process_runs "$pid" || fail "the container's process $pid outlived its monitor"
    run skiff rm orphan
    assert_status 0
}

@test "errors: a missing command, unknown containers, bad policies and drivers" {
    run -127 --separate-stderr skiff run -d --name bad busybox /no/such/command
    assert_status 127
    assert_one_error_line "/no/such/command"
    run --separate-stderr skiff start nosuch
    assert_status 125
    assert_one_error_line nosuch
    run --separate-stderr skiff stop nosuch
    assert_status 125
    run --separate-stderr skiff wait nosuch
    assert_status 125
    run --separate-stderr skiff logs nosuch
    assert_status 125
    run --separate-stderr skiff run -d --restart sometimes busybox true
    assert_status 125
    assert_one_error_line "sometimes"
    run --separate-stderr skiff run -d --rm --restart always busybox true
    assert_status 125
    assert_one_error_line "--rm"
    run --separate-stderr skiff run -d --log-driver syslog busybox true
    assert_status 125
    assert_one_error_line "invalid log driver: invalid argument"  # podman's words
    run --separate-stderr skiff kill -s NOPE bad
    assert_status 125
    assert_one_error_line "NOPE"
    skiff run --name fg --log-driver none busybox true  # a foreground run keeps a log, as podman's
    run --separate-stderr skiff logs fg
    assert_status 125
    assert_one_error_line "log"
}

@test "many at once: parallel run -d, ps, stop, rm on distinct and shared containers" {
    skiff run -d --name shared busybox sleep 100 >/dev/null
    local i pids=()
    for i in $(seq 8); do
        (
            for j in 1 2 3; do
                for cmd in "run -d --name p$i-$j busybox sleep 100" "ps -a" "logs shared" "stop -t 0 p$i-$j" "rm p$i-$j"; do
                    # shellcheck disable=SC2086
                    timeout 30 "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" $cmd >/dev/null ||
                        { echo "skiff $cmd failed: $?"; exit 1; }
                done
            done
        ) >"$SKIFF_TEST_DIR/loop-$i.log" 2>&1 &
        pids+=($!)
    done
    local failed=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { failed=1; cat "$SKIFF_TEST_DIR/loop-$((i + 1)).log" >&2; }
    done
    [[ $failed -eq 0 ]] || fail "a loop failed"
    run skiff ps -a --format '{{.Names}}'
    assert_output shared
    skiff rm -f shared >/dev/null
}

@test "--cidfile, --pidfile and --replace" {
    local dir=$SKIFF_TEST_DIR/files-$BATS_TEST_NUMBER
    mkdir -p "$dir"
    run skiff run -d --name svc --cidfile "$dir/cid" --pidfile "$dir/pid" busybox sleep 100
    assert_status 0
    [[ $(cat "$dir/cid") == "$output" ]] || fail "cidfile: $(cat "$dir/cid") vs $output"
    [[ $(cat "$dir/pid") == $(skiff inspect --format '{{.State.Pid}}' svc) ]] || fail "pidfile: $(cat "$dir/pid")"
    local first=$output
    run --separate-stderr skiff run -d --name svc --cidfile "$dir/cid" busybox true
    assert_status 125
    assert_one_error_line "container id file exists"
    run --separate-stderr skiff run -d --name svc busybox true
    assert_status 125
    assert_one_error_line "already in use"
    run skiff run -d --replace --name svc busybox sleep 100
    assert_status 0
    [[ $output != "$first" ]] || fail "not replaced"
    run skiff ps -a -q --no-trunc
    assert_output "$output"
    run --separate-stderr skiff run --replace busybox true
    assert_status 125
    assert_one_error_line "--name"
}

@test "top lists the container's processes with its own pids; descriptors choose columns" {
    skiff run -d --name busy busybox sh -c 'sleep 100 & exec sleep 200' >/dev/null
    for _ in $(seq 50); do [[ $(skiff top busy pid | wc -l) -ge 3 ]] && break; sleep 0.05; done
    run skiff top busy
    assert_status 0
    [[ ${lines[0]} == "USER"*"PID"*"PPID"*"%CPU"*"ELAPSED"*"TTY"*"TIME"*"COMMAND" ]] || fail "header: ${lines[0]}"
    run skiff top busy pid,ppid,args
    assert_output_contains "1           0           sleep 200"
    assert_output_contains "sleep 100"
    run --separate-stderr skiff top busy nonsense
    assert_status 125
    assert_one_error_line "nonsense"
    skiff stop -t 0 busy >/dev/null
    run --separate-stderr skiff top busy
    assert_status 125
    assert_one_error_line "running"
}

@test "the state records the cgroup by hierarchy only; top reads a record an older skiff wrote (a list of dirs)" {
    local id state
    id=$(skiff run -d --name busy busybox sh -c 'sleep 100 & exec sleep 200')
    state=$SKIFF_TEST_RUNROOT/containers/$id/state.json
    [[ $(jq -r 'has("cgroup_dirs")' "$state") == false ]] || fail "the old list is still written: $(cat "$state")"
    [[ $(jq -r '.cgroups | length' "$state") -ge 1 ]] || fail "no cgroups recorded: $(cat "$state")"
    # As an older skiff wrote it: the directories alone.
    jq -c '.cgroup_dirs = [.cgroups[]] | del(.cgroups)' "$state" >"$state.old" && mv "$state.old" "$state"
    for _ in $(seq 50); do [[ $(skiff top busy pid | wc -l) -ge 3 ]] && break; sleep 0.05; done
    run skiff top busy pid,args
    assert_status 0
    assert_output_contains "sleep 200"
    assert_output_contains "sleep 100"  # not its init alone: the cgroup was found from the list
}

@test "container run, create and exec hand the image's or container's words over as run and exec do" {
    run skiff container run --rm -e GREETING=hi busybox sh -c 'echo $GREETING -n'
    assert_status 0
    assert_output "hi -n"
    run skiff container run --rm busybox sh -c 'exit 7'
    assert_status 7
    skiff container create --name later busybox sleep 100 >/dev/null
    skiff container start later >/dev/null
    run skiff container exec later echo -e 'x\ty'
    assert_status 0
    assert_output $'x\ty'
    run skiff container exec -e WHO=me later sh -c 'echo $WHO'
    assert_output "me"
    run --separate-stderr skiff container run
    assert_status 125
    assert_one_error_line "requires at least 1 arg"
}

@test "starts of one container at once launch it once" {
    skiff create --name racer busybox sh -c 'echo launched; exec sleep 100' >/dev/null
    local i pids=()
    for i in $(seq 6); do skiff start racer >/dev/null & pids+=($!); done
    for i in "${pids[@]}"; do wait "$i" || fail "a start failed"; done
    wait_logs racer launched
    sleep 0.3
    run skiff logs racer
    assert_output "launched"
    [[ $(skiff ps -q --filter name=racer | wc -l) == 1 ]] || fail "not running once"
}

@test "start -a and plain starts of one container at once launch it once" {
    local round i pids
    for round in $(seq 5); do
        skiff create --name "racer-a$round" busybox sh -c 'echo launched; exec sleep 100' >/dev/null
        pids=()
        skiff start -a "racer-a$round" >/dev/null 2>&1 &
        local attached=$!
        for i in $(seq 3); do skiff start "racer-a$round" >/dev/null & pids+=($!); done
        for i in "${pids[@]}"; do wait "$i" || fail "a start failed"; done
        wait_logs "racer-a$round" launched
        sleep 0.2
        run skiff logs "racer-a$round"
        assert_output "launched"
        skiff rm -f "racer-a$round" >/dev/null
        wait "$attached" || true
    done
}

@test "an ID prefix two containers share is an error (125), not a missing container (1)" {
    local i
    # Seventeen ids: two of them begin with the same hex digit.
    for i in $(seq 17); do skiff create busybox true >/dev/null; done
    local prefix
    prefix=$(skiff ps -a -q --no-trunc | cut -c1 | sort | uniq -d | head -1)
    [[ -n $prefix ]] || fail "no shared first digit among: $(skiff ps -a -q)"
    run --separate-stderr skiff rm "$prefix"
    assert_status 125
    assert_one_error_line "more than one result"
    run --separate-stderr skiff container exists "$prefix"
    assert_status 125
    run skiff container exists no-such-thing
    assert_status 1
    run skiff rm no-such-thing
    assert_status 1
}

@test "restart: a running container is stopped and started again (a new process); a created one is started" {
    local id pid1 pid2
    id=$(skiff run -d --name again busybox sleep 1000)
    pid1=$(skiff inspect --format '{{.State.Pid}}' again)
    run --separate-stderr skiff restart -t 1 again
    assert_status 0
    assert_output "again"
    pid2=$(skiff inspect --format '{{.State.Pid}}' again)
    [[ $pid2 -gt 0 && $pid2 != "$pid1" ]] || fail "pid before $pid1, after $pid2"
    kill -0 "$pid2" || fail "no process $pid2"
    run skiff inspect --format '{{.State.Status}}' again
    assert_output "running"

    skiff create --name fresh busybox sleep 1000 >/dev/null
    run skiff container restart fresh
    assert_status 0
    assert_output "fresh"
    run skiff ps --format '{{.Names}}' --filter name=fresh
    assert_output "fresh"

    run --separate-stderr skiff restart --all --running
    assert_status 0
    [[ ${#lines[@]} -eq 2 ]] || fail "restart --all --running: $output"
    run --separate-stderr skiff restart no-such-box
    assert_status 125
    assert_one_error_line "no-such-box"
    run --separate-stderr skiff restart
    assert_status 125
    assert_one_error_line "you must provide at least one name or id"  # podman's words
}

@test "wait --condition: running, created, exited (its code), several at once; bad conditions are refused" {
    skiff create --name later busybox sh -c 'sleep 0.5; exit 4' >/dev/null
    run skiff wait --condition created later
    assert_status 0
    assert_output "-1"
    (sleep 0.5; skiff start later >/dev/null) &
    local starter=$!
    run skiff wait --condition running --interval 50ms later
    assert_status 0
    assert_output "-1"
    run skiff inspect --format '{{.State.Status}}' later
    assert_output "running"
    run skiff wait --condition stopped --condition paused later
    assert_status 0
    assert_output "4"
    wait "$starter"
    run --separate-stderr skiff wait --condition healthy later
    assert_status 125
    assert_one_error_line "healthy"
    run --separate-stderr skiff wait --condition running --interval soon later
    assert_status 125
    assert_one_error_line "soon"
}

@test "ps --size: what the container wrote, and the image beside it, as podman prints it" {
    skiff run --name writer busybox sh -c 'head -c 5000 /dev/zero > /big' >/dev/null
    run skiff ps -a --size --format '{{.Names}} {{.Size}}'
    assert_status 0
    [[ $output =~ ^writer\ 5(\.[0-9]+)?kB\ \(virtual\ [0-9.]+[kMG]B\)$ ]] || fail "ps --size: $output"
    run skiff ps -a -s
    [[ ${lines[0]} == *SIZE* ]] || fail "no SIZE column: ${lines[0]}"
    [[ ${lines[1]} == *"(virtual "* ]] || fail "row: ${lines[1]}"
    run skiff ps -a
    [[ ${lines[0]} != *SIZE* ]] || fail "SIZE without --size: ${lines[0]}"
    run skiff ps -a --size --format json
    [[ $(jq '.[0].Size.rwSize' <<<"$output") -ge 5000 ]] || fail "json: $output"
    [[ $(jq '.[0].Size.rootFsSize > .[0].Size.rwSize' <<<"$output") == true ]] || fail "json: $output"
}
