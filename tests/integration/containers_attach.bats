#!/usr/bin/env bats
# attach and start -a: a detached container's output (both streams, kept apart) and exit code
# through its monitor's attach socket; stdin with -i; detach keys; signals passed on; a pty's size.

load busybox_containers

# Until the container's logs (both streams) hold TEXT (10 s at most).
wait_logs() {
    local name=$1 text=$2 i out
    for i in $(seq 200); do
        out=$(skiff logs "$name" 2>&1)
        [[ $out == *"$text"* ]] && return 0
        sleep 0.05
    done
    fail "logs of $name: [$out], want [$text]"
}

state_of() { skiff inspect --format '{{.State.Status}}' "$1"; }

# The sockets container NAME's monitor holds open (its attach socket, the runtime's, its clients').
monitor_sockets() {
    local mon
    mon=$(skiff inspect --format '{{.State.ConmonPid}}' "$1")
    find "/proc/$mon/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# Until the monitor of container NAME holds COUNT more sockets than BASE (clients), 10 s at most.
wait_clients() {
    local name=$1 count=$2 base=$3 i
    for i in $(seq 200); do
        (($(monitor_sockets "$name") >= base + count)) && return 0
        sleep 0.05
    done
    fail "no $count clients attached to $name: $(monitor_sockets "$name") sockets, $base before"
}

run_in_pty() {
    local script_file=$1
    : >"$SKIFF_TEST_DIR/typescript"
    run timeout -k 5 90 script -qefc "sh $script_file" "$SKIFF_TEST_DIR/typescript"
}

@test "attach to a running container: its later output on the right streams, then its exit code" {
    skiff run -d --name talker busybox sh -c 'echo early; sleep 2; echo later; echo err-later >&2; exit 5'
    wait_logs talker early
    run --separate-stderr skiff attach talker
    assert_status 5
    assert_output later
    [[ $stderr == err-later ]] || fail "stderr: [$stderr]"
    [[ $(state_of talker) == exited ]] || fail "state: $(state_of talker)"
    # What was written while nobody was attached is in the log only; the log has it all.
    run skiff logs talker
    assert_output_contains early
    assert_output_contains later
}

@test "container attach is attach" {
    skiff run -d --name sleeper busybox sh -c 'sleep 1; echo done-here; exit 2'
    run skiff container attach sleeper
    assert_status 2
    assert_output_contains done-here
}

@test "start -a prints all of a created container's output and returns its exit code" {
    skiff create --name greeter busybox sh -c 'echo hi; echo oops >&2; exit 3'
    run --separate-stderr skiff start -a greeter
    assert_status 3
    assert_output hi
    [[ $stderr == oops ]] || fail "stderr: [$stderr]"
    [[ $(state_of greeter) == exited ]] || fail "state: $(state_of greeter)"
    # Again, from exited: the same.
    run --separate-stderr skiff start --attach greeter
    assert_status 3
    assert_output hi
}

@test "start -a of a command that does not exist: one error line, 127" {
    skiff create --name missing busybox /no/such/command
    run -127 --separate-stderr skiff start -a missing
    assert_status 127
    assert_one_error_line /no/such/command
}

@test "start -ai passes stdin to a container created with -i" {
    skiff create -i --name reader busybox sh -c 'read line; echo "got=[$line]"'
    run --separate-stderr skiff start -ai reader <<<"from start"
    assert_status 0
    assert_output "got=[from start]"
}

@test "--detach-keys= (empty after the =) disables detaching and takes no other word: start -a, attach, exec" {
    skiff create -i --name keyless busybox sh -c 'read line; echo "got=[$line]"'
    # ctrl-p ctrl-q would detach with the default keys; with none they are the container's input.
    local typed=$'a\020\021b'
    run --separate-stderr skiff start -ai --detach-keys= keyless < <(printf '%s\n' "$typed")
    assert_status 0
    assert_output "got=[$typed]"
    run --separate-stderr skiff start -a -i --detach-keys "" keyless < <(printf '%s\n' "$typed")
    assert_status 0
    assert_output "got=[$typed]"

    skiff run -di --name keyless-reader busybox sh -c 'read line; echo "read=[$line]"; exit 6' >/dev/null
    run --separate-stderr skiff exec --detach-keys= keyless-reader echo exec-ran
    assert_status 0
    assert_output "exec-ran"
    run --separate-stderr skiff attach --detach-keys= keyless-reader < <(printf '%s\n' "$typed"; sleep 1)
    assert_status 6
    assert_output "read=[$typed]"
    # A value after the = is still the value.
    run --separate-stderr skiff attach --detach-keys=ctrl-1 keyless-reader
    assert_status 125
    assert_one_error_line "detach keys"
}

@test "run -di cat: attach's stdin is echoed back, its end ends the container" {
    skiff run -di --name catter busybox cat
    run --separate-stderr skiff attach catter <<<"hello"
    assert_status 0
    assert_output hello
    [[ $(state_of catter) == exited ]] || fail "state: $(state_of catter)"
}

@test "stdin stays open between clients; the detach keys detach from a pipe too; --no-stdin" {
    skiff run -di --name twoline busybox sh -c 'read a; echo "first=[$a]"; read b; echo "second=[$b]"; exit 4'
    # ctrl-p ctrl-q after a line: detached with 0, the container's stdin still open.
    run skiff attach twoline < <(printf 'one\n\020\021'; sleep 5)
    assert_status 0
    wait_logs twoline "first=[one]"
    [[ $(state_of twoline) == running ]] || fail "state: $(state_of twoline)"
    # --no-stdin: this client's input (and its end) does not reach the container.
    local base
    base=$(monitor_sockets twoline)
    "$SKIFF" $(skiff_args) attach --no-stdin twoline </dev/null >"$SKIFF_TEST_DIR/nostdin.out" 2>&1 &
    local quiet=$!
    wait_clients twoline 1 "$base"
    run skiff attach --detach-keys ctrl-x,y twoline < <(printf 'two\n'; sleep 1)
    assert_status 4
    assert_output "second=[two]"
    wait "$quiet" || [[ $? -eq 4 ]] || fail "--no-stdin client: $?"
    [[ $(cat "$SKIFF_TEST_DIR/nostdin.out") == "second=[two]" ]] || fail "--no-stdin client saw: $(cat "$SKIFF_TEST_DIR/nostdin.out")"
}

# `skiff attach [OPTION] NAME` in a pty of its own (`script`): LINE typed after a second, then the
# bytes KEYS (a printf format) a second later. The typescript is the output, attach's exit status in it.
attach_typing() {
    local option=$1 name=$2 line=$3 keys=$4 s=$SKIFF_TEST_DIR/typing.sh
    cat >"$s" <<EOF
"$SKIFF" $(skiff_args | tr '\n' ' ') attach $option $name
echo "attach-exit=\$?"
EOF
    : >"$SKIFF_TEST_DIR/typescript"
    run timeout -k 5 90 script -qefc "sh $s" "$SKIFF_TEST_DIR/typescript" < <(
        sleep 1
        printf '%s\r' "$line"
        sleep 1
        printf "$keys"
        sleep 3
    )
}

@test "the detach keys in a terminal leave the container running" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    skiff run -dit --name ttyshell busybox sh
    attach_typing "" ttyshell 'echo in-$((6 * 7))' '\020\021'
    assert_status 0
    assert_output_contains in-42
    assert_output_contains attach-exit=0
    [[ $(state_of ttyshell) == running ]] || fail "state: $(state_of ttyshell)"
    # A sequence of one's own, and a second attach to the same shell.
    attach_typing "--detach-keys=ctrl-a,d" ttyshell 'echo again-$((5 + 5))' '\001d'
    assert_status 0
    assert_output_contains again-10
    assert_output_contains attach-exit=0
    [[ $(state_of ttyshell) == running ]] || fail "state: $(state_of ttyshell)"
    # With detaching disabled the same keys are only input: the shell gets them, exit ends it.
    attach_typing "--detach-keys=" ttyshell 'exit 5' '\020\021'
    assert_status 0
    assert_output_contains attach-exit=5
    [[ $(state_of ttyshell) == exited ]] || fail "state: $(state_of ttyshell)"
}

@test "attach to a container with a terminal passes the window size on" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    skiff run -dt --name sizer busybox sh -c 'trap "echo size=\$(stty size); exit 6" WINCH; echo ready; while :; do sleep 0.1; done'
    wait_logs sizer ready
    local s=$SKIFF_TEST_DIR/size.sh
    cat >"$s" <<EOF
stty rows 33 cols 77
"$SKIFF" $(skiff_args | tr '\n' ' ') attach sizer
echo "attach-exit=\$?"
EOF
    run_in_pty "$s"
    assert_status 0
    assert_output_contains "size=33 77"
    assert_output_contains attach-exit=6
}

@test "--sig-proxy: SIGTERM to attach reaches the container; =false leaves it alone" {
    skiff run -d --name trapper busybox sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done'
    wait_logs trapper ready
    local base
    base=$(monitor_sockets trapper)
    "$SKIFF" $(skiff_args) attach --sig-proxy=false trapper >"$SKIFF_TEST_DIR/noproxy.out" 2>&1 &
    local pid=$!
    wait_clients trapper 1 "$base"
    kill -TERM "$pid"
    wait "$pid" || true
    local i
    for i in $(seq 100); do (($(monitor_sockets trapper) == base)) && break; sleep 0.05; done
    [[ $(state_of trapper) == running ]] || fail "the container got the signal: $(state_of trapper)"

    "$SKIFF" $(skiff_args) attach trapper >"$SKIFF_TEST_DIR/proxy.out" 2>&1 &
    pid=$!
    wait_clients trapper 1 "$base"
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq 9 ]] || fail "attach exit: $rc, output: $(cat "$SKIFF_TEST_DIR/proxy.out")"
    grep -q got-term "$SKIFF_TEST_DIR/proxy.out" || fail "output: $(cat "$SKIFF_TEST_DIR/proxy.out")"
}

@test "two clients attached at once both see the output and the exit code" {
    skiff run -d --name shared busybox sh -c 'echo ready; i=0; while [ $i -lt 40 ] && [ ! -e /go ]; do sleep 0.1; i=$((i + 1)); done; sleep 1; echo for-both; exit 4'
    wait_logs shared ready
    local base
    base=$(monitor_sockets shared)
    "$SKIFF" $(skiff_args) attach shared >"$SKIFF_TEST_DIR/one.out" 2>&1 &
    local one=$!
    "$SKIFF" $(skiff_args) attach shared >"$SKIFF_TEST_DIR/two.out" 2>&1 &
    local two=$!
    wait_clients shared 2 "$base"
    skiff exec shared touch /go
    local rc1=0 rc2=0
    wait "$one" || rc1=$?
    wait "$two" || rc2=$?
    [[ $rc1 -eq 4 && $rc2 -eq 4 ]] || fail "exit codes: $rc1 $rc2"
    [[ $(cat "$SKIFF_TEST_DIR/one.out") == for-both ]] || fail "one: $(cat "$SKIFF_TEST_DIR/one.out")"
    [[ $(cat "$SKIFF_TEST_DIR/two.out") == for-both ]] || fail "two: $(cat "$SKIFF_TEST_DIR/two.out")"
}

@test "attach refuses what it cannot attach to: one error line, 125" {
    skiff create --name idle busybox true
    run --separate-stderr skiff attach idle
    assert_status 125
    assert_one_error_line "running containers"
    skiff start -a idle
    run --separate-stderr skiff attach idle
    assert_status 125
    assert_one_error_line "running containers" exited
    run --separate-stderr skiff attach no-such-container
    assert_status 125
    assert_one_error_line no-such-container
    skiff run -d --name alive busybox sleep 30
    run --separate-stderr skiff attach --detach-keys ctrl-1 alive
    assert_status 125
    assert_one_error_line "detach keys"
    run --separate-stderr skiff attach
    assert_status 125
    assert_one_error_line "container is required"
    run --separate-stderr skiff start -a idle alive
    assert_status 125
    assert_one_error_line "multiple containers"
}

@test "start -ai of a container with a terminal: it starts with the terminal's size, keys reach it" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    skiff create -it --name asker busybox sh -c 'echo "size=$(stty size)"; read line; echo "typed=[$line]"; exit 8'
    local s=$SKIFF_TEST_DIR/startai.sh
    cat >"$s" <<EOF
stty rows 21 cols 55
"$SKIFF" $(skiff_args | tr '\n' ' ') start -ai asker
echo "start-exit=\$?"
EOF
    : >"$SKIFF_TEST_DIR/typescript"
    run timeout -k 5 90 script -qefc "sh $s" "$SKIFF_TEST_DIR/typescript" < <(
        sleep 2
        printf 'some words\r'
        sleep 3
    )
    assert_status 0
    assert_output_contains "size=21 55"
    assert_output_contains "typed=[some words]"
    assert_output_contains start-exit=8
}
