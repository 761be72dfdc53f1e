#!/usr/bin/env bats
# CVE-2019-5736 on every path that starts a container's process: foreground run, run -d, create +
# start (the monitor), exec. The container's process is a clone of skiff until it executes its
# command, which it does through skiff's exec stub (src/runtime/exec_stub.c) in a sealed memfd: a
# command naming itself through /proc/self/exe (directly, as a script's or an ELF file's interpreter)
# runs the stub, never skiff. The full attack (open the executing process's /proc/PID/exe for
# writing; pass a descriptor to another container, which reopens it for writing once it is no
# longer busy) is made while strace holds the stub at its execve, and must fail, the binary
# unchanged. Then each layer alone: the monitor and exec's set-up run from a read-only view of
# skiff's binary, and skiff's processes that clone a container's are not dumpable.
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

# Where the attack's two halves meet.
attack_mounts() { echo -v "$SKIFF_TEST_DIR/h:/h:ro" -v "$SOCKETS:/s"; }
# A command that names itself: were that skiff's binary, pid 1 would run skiff, waiting on stdin.
SELF=(/proc/self/exe login -u x --password-stdin localhost:1)
STUB_REFUSAL="skiff-exec: skiff's exec stub runs only as the last step of starting a container's command"

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

# "$@" under strace, which holds every execve its processes make for 3 s at its entry. skiff
# itself executes only with execveat: what is held is the exec stub executing the command.
hold_stub() { strace -f -qq -o /dev/null -e trace=execve -e inject=execve:delay_enter=3000000 "$@"; }

# The host pid of the exec stub while it executes a command whose last word is MARK.
stub_pid() {
    local i
    for ((i = 0; i < 200; i++)); do
        pgrep -f "^skiff-exec .* $1\$" && return 0
        sleep 0.05
    done
    return 1
}

# The host pid PID runs the exec stub: a memfd sealed against writes, shrinking, growing and new
# seals (F_GET_SEALS is 1034).
assert_runs_stub() {
    local pid=$1
    [[ $(readlink "/proc/$pid/exe") == "/memfd:skiff-exec (deleted)" ]] || fail "process $pid runs $(readlink "/proc/$pid/exe")"
    run python3 -c "import fcntl, os; print(fcntl.fcntl(os.open('/proc/$pid/exe', os.O_RDONLY), 1034) & 15)"
    assert_output 15
}

# The full attack on the exec stub (host pid PID) while it executes the container's command: from
# inside the container's mount and pid namespaces, open its /proc/PID/exe for writing (busy while
# it runs), and pass a descriptor to the receiver, which reopens it for writing once the stub is
# gone (then the seals refuse the write).
attack_stub() {
    local pid=$1 inner
    assert_runs_stub "$pid"
    inner=$(awk '$1 == "NSpid:" { print $NF }' "/proc/$pid/status")
    run nsenter -t "$pid" -m -p /h/exe_attack send /s/sock "$inner"
    echo "send: $output"
    assert_status 0
    assert_output_contains "open-read: ok"
    assert_output_contains "send: ok"
    refute_output_contains "write-binary: ok"
}

# What the receiver saw, once the stub is gone; and the binary unchanged.
assert_receiver_failed() {
    run skiff wait recv
    run skiff logs recv
    echo "recv: $output"
    assert_output_contains "receive: ok"
    assert_output_contains "reopen-for-writing: ok"
    assert_output_contains "write-binary: Operation not permitted"
    [[ $(sha256sum <"$VICTIM") == "$VICTIM_SUM" ]] || fail "the attack changed skiff's binary"
}

# While strace holds the exec stub of `victim "$@"`, whose last word is a mark of its own: CHECK
# (attack_stub, or assert_runs_stub) on the stub's host pid; then the victim command must succeed.
while_stub_held() {
    local check=$1
    shift
    hold_stub "$VICTIM" $(skiff_args) "$@" >/dev/null 2>&1 &
    HOLDER=$!
    local pid
    pid=$(stub_pid "${!#}") || fail "no exec stub seen"
    "$check" "$pid"
    wait "$HOLDER" || fail "victim $* failed"
    HOLDER=
}

@test "the full attack on a foreground run's exec stub fails" {
    start_receiver
    while_stub_held attack_stub run --rm $(attack_mounts) busybox echo "mark-$BATS_TEST_NUMBER"
    assert_receiver_failed
}

@test "the full attack on the exec stub of run -d, and of create + start, fails" {
    start_receiver
    while_stub_held attack_stub run -d $(attack_mounts) busybox echo "mark-$BATS_TEST_NUMBER-d"
    run victim create --name created $(attack_mounts) busybox echo "mark-$BATS_TEST_NUMBER-s"
    assert_status 0
    # The receiver took its one descriptor already: the host's checks only. start's last word is
    # the container's name, not the mark: the command's.
    hold_stub "$VICTIM" $(skiff_args) start created >/dev/null 2>&1 &
    HOLDER=$!
    local pid
    pid=$(stub_pid "mark-$BATS_TEST_NUMBER-s") || fail "no exec stub seen"
    assert_runs_stub "$pid"
    wait "$HOLDER" || fail "start failed"
    HOLDER=
    assert_receiver_failed
}

@test "the full attack on an exec's stub fails" {
    start_receiver
    run victim run -d --name c $(attack_mounts) busybox sleep 1000
    assert_status 0
    while_stub_held attack_stub exec c echo "mark-$BATS_TEST_NUMBER"
    assert_receiver_failed
}

@test "a command naming itself through /proc/self/exe runs the exec stub, never skiff" {
    # Directly, as a script's interpreter, as an ELF file's interpreter.
    printf '#!/proc/self/exe\n' >"$SKIFF_TEST_DIR/h/script"
    chmod +x "$SKIFF_TEST_DIR/h/script"
    printf 'int main(void) { return 0; }\n' >"$SKIFF_TEST_DIR/h/interp.c"
    gcc -o "$SKIFF_TEST_DIR/h/interp" -Wl,--dynamic-linker=/proc/self/exe "$SKIFF_TEST_DIR/h/interp.c"
    local cmd
    for cmd in "${SELF[*]}" /h/script /h/interp; do
        run --separate-stderr victim run --rm -i $(attack_mounts) busybox $cmd </dev/null
        echo "$cmd: $status $output $stderr"
        assert_status 126
        [[ $stderr == "$STUB_REFUSAL" ]] || fail "$cmd ran: $stderr"
    done
    # A detached container's, a started one's, and an exec'd command.
    run victim run -d --name d busybox "${SELF[@]}"
    assert_status 0
    run victim wait d
    assert_output 126
    run victim logs d
    assert_output "$STUB_REFUSAL"
    run victim run -d --name c busybox sleep 1000
    assert_status 0
    run --separate-stderr victim exec c "${SELF[@]}"
    assert_status 126
    [[ $stderr == "$STUB_REFUSAL" ]] || fail "exec ran: $stderr"
    [[ $(sha256sum <"$VICTIM") == "$VICTIM_SUM" ]] || fail "skiff's binary changed"
}

# The host pid of the monitor of the running container NAME (its init's parent).
monitor_of() {
    local pid
    pid=$(skiff inspect --format '{{.State.Pid}}' "$1") || return 1
    awk '{ print $4 }' "/proc/$pid/stat"
}

# PID runs from a view of skiff's binary that cannot be written: not the file itself; a memfd
# copy sealed against writes, shrinking, growing and new seals (F_GET_SEALS is 1034), or else a
# file that opening for writing fails on for another reason than the binary being busy (what
# protects the file only while it runs).
assert_runs_sealed() {
    local pid=$1 exe
    exe=$(readlink "/proc/$pid/exe")
    [[ $exe != "$(realpath "$VICTIM")" ]] || fail "process $pid runs skiff's binary itself: $exe"
    if [[ $exe == /memfd:* ]]; then
        run python3 -c "import fcntl, os; print(fcntl.fcntl(os.open('/proc/$pid/exe', os.O_RDONLY), 1034) & 15)"
        assert_output 15
        return
    fi
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

# The host pid of exec's entering process: a clone of `skiff exec` (the same command line) in the
# container's pid namespace (two pids in NSpid), while strace holds it at a setns of its set-up.
entering_pid() {
    local i p
    for ((i = 0; i < 200; i++)); do
        for p in $(pgrep -f " exec c echo $1\$"); do
            awk '$1 == "NSpid:" && NF == 3 { found = 1 } END { exit !found }' "/proc/$p/status" 2>/dev/null || continue
            echo "$p"
            return 0
        done
        sleep 0.05
    done
    return 1
}

# Holds exec's entering process at its set-up (strace delays every setns 2 s: the entering
# process's own as it joins the container's namespaces) and checks two layers: it runs from a
# sealed view, and it is not dumpable. skiff runs without CAP_SYS_PTRACE, as the one who looks:
# else the capabilities the looker lacks would refuse it whatever the dumpability.
check_entering_process() {
    local mark=$1
    without_ptrace strace -f -qq -o /dev/null -e trace=setns -e inject=setns:delay_enter=2000000 \
        "$VICTIM" $(skiff_args) exec c echo "$mark" >/dev/null 2>&1 &
    HOLDER=$!
    local pid
    pid=$(entering_pid "$mark") || fail "no entering process seen"
    assert_runs_sealed "$pid"
    run without_ptrace readlink "/proc/$pid/exe"
    [[ $status -ne 0 ]] || fail "the entering process's exe was read: $output"
    # The check itself: the same caller reads a dumpable process's.
    run without_ptrace readlink "/proc/$(skiff inspect --format '{{.State.Pid}}' c)/exe"
    assert_status 0
    wait "$HOLDER" || fail "the exec failed"
    HOLDER=
}

@test "exec's entering process runs from a sealed view of skiff's binary, not dumpable, during its set-up" {
    run victim run -d --name c busybox sleep 1000
    assert_status 0
    check_entering_process "mark-$BATS_TEST_NUMBER-view"
    # The same from the memfd copy (a file where the overlay's empty lower directory should be).
    local lower=$SKIFF_TEST_RUNROOT/sealed-exe
    rm -rf "$lower"
    touch "$lower"
    check_entering_process "mark-$BATS_TEST_NUMBER-memfd"
    rm "$lower"
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
    init=$(container_init_pid "$pid" sleep 1000) || fail "no container"
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *" run --rm "* ]] || fail "process $pid is not skiff run"
    run without_ptrace readlink "/proc/$pid/exe"
    [[ $status -ne 0 ]] || fail "the foreground skiff's exe was read: $output"
    run without_ptrace readlink "/proc/$init/exe"
    assert_status 0
    # Ended with its container, so that the copy under attack is no longer busy for the next test.
    skiff rm -f -t 0 c >/dev/null
    wait "$pid" || true
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
