#!/usr/bin/env bats
# --runtime and --runtime-flag: skiff is its own OCI runtime. --runtime names the skiff binary that
# runs a container (its monitor is executed from it, and a foreground run attaches to that monitor);
# the container records it (inspect's OCIRuntime) and every start uses it. A binary that is not skiff
# is refused, and so is a runtime flag skiff's runtime does not take (exit 126, as podman's runtime).

load busybox_containers

# A copy of the skiff under test, as podman's test copies its runtime: another file, the same program.
# (A directory of its own: the sealed view of a binary is an overlay of its directory, which must not
# hold the store.)
copy_of_skiff() {
    local copy=$SKIFF_TEST_DIR/rt/myruntime
    mkdir -p "${copy%/*}"
    [[ -x $copy ]] || cp --preserve "$SKIFF" "$copy"
    echo "$copy"
}

# Whether process PID runs from the binary FILE: the sealed view of it shows FILE's inode (a sealed
# memfd copy, where the view cannot be made, shows nothing to tell).
runs_from() {
    local exe
    exe=$(readlink "/proc/$1/exe")
    [[ $exe == /memfd:* ]] && return 0
    [[ $(stat -L -c %i "/proc/$1/exe") == $(stat -c %i "$2") ]]
}

# The monitor of a running container, by the pid inspect gives.
monitor_pid() {
    skiff inspect --format '{{.State.ConmonPid}}' "$1"
}

@test "--runtime: info reports the runtime chosen, skiff itself by default" {
    run skiff info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.Version}}'
    assert_status 0
    assert_output "skiff $SKIFF $("$SKIFF" --version)"
    local copy
    copy=$(copy_of_skiff)
    run skiff --runtime "$copy" info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.Conmon.Path}}'
    assert_status 0
    assert_output "$copy $copy $SKIFF"
}

@test "--runtime PATH: a detached container's monitor runs from that binary; inspect shows it" {
    local copy
    copy=$(copy_of_skiff)
    run skiff run -d --name other --runtime "$copy" busybox sleep 60
    assert_status 0
    run skiff inspect --format '{{.OCIRuntime}}' other
    assert_output "$copy"
    # The monitor runs from a sealed view of the copy: its inode is the copy's, not the skiff's under test.
    local pid
    pid=$(monitor_pid other)
    [[ $pid -gt 0 ]] || fail "no monitor pid"
    runs_from "$pid" "$copy" || fail "the monitor runs from $(readlink "/proc/$pid/exe"), not the runtime"
    run skiff exec other echo inside
    assert_output "inside"
    skiff kill other
    run skiff wait other
    assert_output "137"
    # A restart uses the recorded runtime again, with no --runtime given.
    skiff start other
    run skiff inspect --format '{{.State.Running}} {{.OCIRuntime}}' other
    assert_output "true $copy"
    skiff rm -f -t 0 other
    # A relative path is recorded absolute, so that a start from elsewhere finds it.
    run bash -c "cd '${copy%/*}' && $(printf '%q ' "$SKIFF" $(skiff_args)) --runtime ./myruntime create --name rel busybox true"
    assert_status 0
    run skiff inspect --format '{{.OCIRuntime}}' rel
    assert_output "$copy"
    run skiff start rel
    assert_status 0
    # The default: skiff's own binary.
    skiff create --name own busybox true
    run skiff inspect --format '{{.OCIRuntime}}' own
    assert_output "skiff"
}

@test "--runtime PATH: a foreground run is attached to the runtime's monitor; exit code and --rm kept" {
    local copy
    copy=$(copy_of_skiff)
    run --separate-stderr skiff run --rm --runtime "$copy" busybox sh -c 'echo out; echo err >&2; exit 7'
    assert_status 7
    assert_output "out"
    [[ $stderr == "err" ]] || fail "stderr: $stderr"
    run skiff ps -a -q
    assert_output ""
    run skiff run --name kept --runtime "$copy" busybox echo hello
    assert_status 0
    assert_output "hello"
    run skiff inspect --format '{{.OCIRuntime}} {{.State.ExitCode}}' kept
    assert_output "$copy 0"
    # While it runs, its monitor is the runtime's binary (not this skiff, running it in-process).
    skiff run --name fg --runtime "$copy" busybox sleep 30 >/dev/null 3>&- &
    local runner=$! pid=""
    for _ in $(seq 50); do
        pid=$(skiff inspect --format '{{.State.ConmonPid}}' fg 2>/dev/null) && [[ $pid -gt 0 ]] && break
        sleep 0.1
    done
    [[ $pid -gt 0 ]] || fail "the foreground container has no monitor"
    runs_from "$pid" "$copy" || fail "the foreground run's monitor runs from $(readlink "/proc/$pid/exe")"
    skiff kill fg
    wait "$runner" || true
    # The command not found: podman's 127, through the monitor too.
    run -127 skiff run --rm --runtime "$copy" busybox no-such-command
    assert_status 127
}

@test "--runtime NAME is looked up in PATH; a name or path that is no runtime is refused" {
    local bin=$SKIFF_TEST_DIR/bin
    mkdir -p "$bin"
    cp --preserve "$SKIFF" "$bin/skiffrt"
    run env PATH="$bin:$PATH" "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" --runtime skiffrt \
        run --rm busybox echo named
    assert_status 0
    assert_output "named"
    run skiff --runtime no-such-runtime run --rm busybox true
    assert_status 125
    assert_output 'Error: default OCI runtime "no-such-runtime" not found: invalid argument'
    run skiff --runtime /nonexistent/rt run --rm busybox true
    assert_status 125
    assert_output 'Error: no valid executable found for OCI runtime /nonexistent/rt: invalid argument'
    # A program that is not skiff (runc is one) is not driven: refused at create, nothing made.
    run skiff --runtime /bin/true create --name notskiff busybox true
    assert_status 125
    assert_output_contains "is not skiff"
    run skiff ps -a -q
    assert_output ""
    # Commands that run no container do not look at the runtime.
    run skiff --runtime no-such-runtime ps -a -q
    assert_status 0
}

@test "--runtime-flag: an unknown flag fails the start with 126; debug and log=PATH are the runtime's log" {
    run --separate-stderr skiff --runtime-flag invalidflag run --rm busybox true
    assert_status 126
    assert_one_error_line
    [[ $stderr == *"--invalidflag"* ]] || fail "stderr: $stderr"
    run skiff ps -a -q
    assert_output ""
    # A detached start: the monitor refuses it; `start` fails with 125, as podman's start does.
    skiff create --name flagged busybox true
    run skiff --runtime-flag bogus=1 start flagged
    assert_status 125
    assert_output_contains "--bogus=1"
    # The runtime's debug log, to a file, in runc's JSON.
    local log=$SKIFF_TEST_DIR/runtime.log
    run skiff --runtime-flag debug --runtime-flag log="$log" --runtime-flag log-format=json start flagged
    assert_status 0
    skiff wait flagged
    [[ -s $log ]] || fail "the runtime wrote no log"
    grep -q '^{"level":"debug","msg":' "$log" || fail "no debug line in JSON: $(head -3 "$log")"
    # Without debug nothing below a warning is logged; the foreground run's log goes there too.
    rm -f "$log"
    run skiff --runtime-flag log="$log" run --rm busybox true
    assert_status 0
    [[ ! -s $log ]] || fail "log without debug: $(cat "$log")"
    run skiff --runtime-flag debug --runtime-flag log="$log" run --rm busybox true
    assert_status 0
    grep -q 'level=debug msg=' "$log" || fail "no debug line in text: $(head -3 "$log")"
}
