#!/usr/bin/env bats
# CVE-2019-5736 on every path that starts a container's process: foreground run, run -d, create +
# start (the monitor), exec. A container whose pid 1 is `/proc/self/exe` runs skiff's binary; the
# full attack (open /proc/1/exe for writing; hold it open, pass the descriptor to another container,
# and reopen it for writing once the binary is no longer busy) must fail, the binary unchanged.
# Then each layer alone: skiff processes that clone a container's run from a read-only view of
# skiff's binary, and are not dumpable.
#
# The skiff under attack is a copy of the build, never the build itself.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    mkdir -p "$SKIFF_TEST_DIR/h" "$SKIFF_TEST_DIR/victim"
    gcc -static -O1 -o "$SKIFF_TEST_DIR/h/exe_attack" "$REPO/tests/fixtures/exe_attack.c"
}

teardown_file() { skiff_teardown_file; }

setup() {
    remove_all_containers
    VICTIM=$SKIFF_TEST_DIR/victim/skiff
    cp "$SKIFF" "$VICTIM"
    VICTIM_SUM=$(sha256sum <"$VICTIM")
    SOCKETS=$SKIFF_TEST_DIR/sockets-$BATS_TEST_NUMBER
    mkdir -p "$SOCKETS"
}

teardown() {
    [[ -z ${HOLDER:-} ]] || kill "$HOLDER" 2>/dev/null || true
    skiff_teardown
}

# The copy under attack, with this file's store.
victim() {
    timeout --foreground -k 5 "$SKIFF_TEST_TIMEOUT" "$VICTIM" $(skiff_args) "$@"
}

# skiff's binary is dynamic: the busybox image gets the host's libraries, read-only.
LIBS=(-v /usr/lib:/usr/lib:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro)
# Where the attack's two halves meet.
attack_mounts() { echo -v "$SKIFF_TEST_DIR/h:/h:ro" -v "$SOCKETS:/s"; }
# pid 1 runs skiff itself, waiting on its standard input.
SELF=(/proc/self/exe login -u x --password-stdin localhost:1)

# The receiving half, in a container of the build's own skiff, waiting for the descriptor.
start_receiver() {
    run skiff run -d --name recv $(attack_mounts) busybox /h/exe_attack recv /s/sock
    assert_status 0
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -S $SOCKETS/sock ]] && return 0
        sleep 0.1
    done
    fail "the receiver does not listen"
}

# Wait until the container VICTIM's pid 1 runs skiff (its command line says login).
wait_victim_runs_skiff() {
    local pid i
    for ((i = 0; i < 100; i++)); do
        pid=$(victim inspect --format '{{.State.Pid}}' victim 2>/dev/null) || true
        [[ -n $pid && $pid != 0 ]] && grep -q login "/proc/$pid/cmdline" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "the victim's pid 1 does not run skiff"
}

# The attack once the victim runs: its output, and then the binary unchanged.
attack_victim() {
    wait_victim_runs_skiff
    run victim exec victim /h/exe_attack send /s/sock
    echo "send: $output"
    assert_status 0
    assert_output_contains "open-read: ok"
    assert_output_contains "send: ok"
    refute_output_contains "write-binary: ok"
    # The victim's pid 1 ends; the receiver reopens the binary for writing once it is not busy.
    victim kill victim >/dev/null 2>&1 || true
    [[ -z ${HOLDER:-} ]] || kill "$HOLDER" 2>/dev/null || true
    run skiff wait recv
    run skiff logs recv
    echo "recv: $output"
    assert_output_contains "receive: ok"
    assert_output_contains "reopen-for-writing: "
    refute_output_contains "write-binary: ok"
    [[ $(sha256sum <"$VICTIM") == "$VICTIM_SUM" ]] || fail "the attack changed skiff's binary"
}

@test "the full attack through a run -d container's /proc/1/exe fails" {
    start_receiver
    run victim run -d -i --name victim "${LIBS[@]}" $(attack_mounts) busybox "${SELF[@]}"
    assert_status 0
    attack_victim
}

@test "the full attack through a created and started container's /proc/1/exe fails" {
    start_receiver
    run victim create -i --name victim "${LIBS[@]}" $(attack_mounts) busybox "${SELF[@]}"
    assert_status 0
    run victim start victim
    assert_status 0
    attack_victim
}

@test "the full attack through a foreground run's /proc/1/exe fails" {
    start_receiver
    mkfifo "$SOCKETS/stdin"
    # The victim's stdin stays open (and empty) while HOLDER runs.
    sleep 1000 >"$SOCKETS/stdin" &
    HOLDER=$!
    victim run --rm -i --name victim "${LIBS[@]}" $(attack_mounts) busybox "${SELF[@]}" \
        <"$SOCKETS/stdin" >/dev/null 2>&1 &
    attack_victim
}

# The host pid of the monitor of the running container NAME (its init's parent).
monitor_of() {
    local pid
    pid=$(skiff inspect --format '{{.State.Pid}}' "$1") || return 1
    awk '{ print $4 }' "/proc/$pid/stat"
}

# PID runs from a view of skiff's binary that cannot be written: not the file itself, and opening
# it for writing fails for another reason than the binary being busy (what protects the file only
# while it runs).
assert_runs_sealed() {
    local pid=$1 exe
    exe=$(readlink "/proc/$pid/exe")
    [[ $exe != "$(realpath "$VICTIM")" ]] || fail "process $pid runs skiff's binary itself: $exe"
    run sh -c "echo x >>/proc/$pid/exe"
    [[ $status -ne 0 ]] || fail "process $pid's binary written"
    [[ $output != *"busy"* ]] || fail "only busy: $output"
}

@test "the monitor of run -d runs from a sealed view of skiff's binary" {
    run victim run -d --name c busybox sleep 1000
    assert_status 0
    local mon
    mon=$(monitor_of c)
    [[ $(tr '\0' ' ' <"/proc/$mon/cmdline") == *__monitor* ]] || fail "process $mon is not the monitor"
    assert_runs_sealed "$mon"
}

@test "a foreground run runs from a sealed view of skiff's binary" {
    "$VICTIM" $(skiff_args) run --rm --name c busybox sleep 1000 >/dev/null 2>&1 &
    local pid=$!
    container_init_pid "$pid" >/dev/null || fail "no container"
    assert_runs_sealed "$pid"
    kill "$pid"
}

# Whether PID is dumpable, seen by a process that lacks only CAP_SYS_PTRACE: a process that is not
# dumpable keeps its /proc/PID/exe (and mem, fds...) from it.
without_ptrace() { setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace "$@"; }

@test "the monitor is not dumpable" {
    # skiff lacks CAP_SYS_PTRACE too, so that the one who looks has every capability it has.
    run without_ptrace "$VICTIM" $(skiff_args) run -d --name c busybox sleep 1000
    assert_status 0
    local mon
    mon=$(monitor_of c)
    run without_ptrace readlink "/proc/$mon/exe"
    [[ $status -ne 0 ]] || fail "the monitor's exe was read: $output"
    # The check itself: the same caller reads a dumpable process's.
    run without_ptrace readlink "/proc/$(skiff inspect --format '{{.State.Pid}}' c)/exe"
    assert_status 0
}

@test "a foreground run is not dumpable" {
    # setpriv itself, not a function (a subshell's pid would be $!), so that $! is skiff's pid.
    setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace \
        "$VICTIM" $(skiff_args) run --rm --name c busybox sleep 1000 >/dev/null 2>&1 &
    local pid=$!
    local init
    init=$(container_init_pid "$pid") || fail "no container"
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *" run --rm "* ]] || fail "process $pid is not skiff run"
    run without_ptrace readlink "/proc/$pid/exe"
    [[ $status -ne 0 ]] || fail "the foreground skiff's exe was read: $output"
    run without_ptrace readlink "/proc/$init/exe"
    assert_status 0
    kill "$pid"
}

@test "where no overlay view can be made, the monitor runs from a sealed memfd copy" {
    # A file where the overlay's empty lower directory should be: the copy is the way left.
    local lower=$SKIFF_TEST_RUNROOT/sealed-exe
    rm -rf "$lower"
    touch "$lower"
    run victim run -d --name c busybox sleep 1000
    assert_status 0
    local mon
    mon=$(monitor_of c)
    [[ $(readlink "/proc/$mon/exe") == "/memfd:skiff (deleted)" ]] || fail "monitor runs $(readlink "/proc/$mon/exe")"
    # Sealed against writes, shrinking, growing and new seals (F_GET_SEALS is 1034).
    run python3 -c "import fcntl, os; print(fcntl.fcntl(os.open('/proc/$mon/exe', os.O_RDONLY), 1034) & 15)"
    assert_output 15
    # exec and foreground run take the same way.
    run victim run --rm busybox true
    assert_status 0
    rm "$lower"
}
