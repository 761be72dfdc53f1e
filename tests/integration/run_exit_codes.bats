#!/usr/bin/env bats
# skiff run's exit status: the container's own, 126/127 when its command cannot be started,
# 128+N when its process was killed by signal N, 125 when skiff itself failed; errors in one line.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "a command that succeeds exits 0" {
    run skiff run --rm busybox true
    assert_status 0
}

@test "the container's own exit status is skiff's" {
    local code
    for code in 1 2 3 42 125 126 127 255; do
        run -"$code" skiff run --rm busybox sh -c "exit $code"
        assert_status "$code"
    done
    run skiff run --rm busybox false
    assert_status 1
}

@test "output of the container reaches skiff's stdout and stderr separately" {
    run --separate-stderr skiff run --rm busybox sh -c 'echo to-stdout; echo to-stderr >&2; exit 4'
    assert_status 4
    assert_output to-stdout
    [[ $stderr == to-stderr ]] || fail "stderr: [$stderr]"
}

@test "a command that does not exist exits 127 with one Error line" {
    run -127 --separate-stderr skiff run --rm busybox /no/such/command
    assert_status 127
    assert_one_error_line /no/such/command
    [[ -z $output ]] || fail "stdout: [$output]"
}

@test "a command not found in PATH exits 127" {
    run -127 --separate-stderr skiff run --rm busybox no-such-command-anywhere
    assert_status 127
    assert_one_error_line no-such-command-anywhere
}

@test "an entrypoint that does not exist exits 127" {
    run -127 --separate-stderr skiff run --rm --entrypoint /no/entrypoint busybox
    assert_status 127
    assert_one_error_line /no/entrypoint
}

@test "a file that is not executable exits 126 with one Error line" {
    run --separate-stderr skiff run --rm busybox /bin/notexec
    assert_status 126
    assert_one_error_line /bin/notexec
}

@test "a command the kernel refuses to execute: 126 or 127, the reason in one Error line, for run, run -d and exec" {
    # Executable, yet no program (no #!), and a script whose interpreter is missing: the exec stub's
    # own execve fails, and says why over the sync socket.
    local dir=$SKIFF_TEST_DIR/unrunnable
    mkdir -p "$dir"
    printf 'echo hi\n' >"$dir/noshebang"
    printf '#!/no/such/interpreter\n' >"$dir/nointerp"
    chmod +x "$dir/noshebang" "$dir/nointerp"
    run --separate-stderr skiff run --rm -v "$dir:/u:ro" busybox /u/noshebang
    assert_status 126
    assert_one_error_line "exec \`/u/noshebang\`: Exec format error: OCI permission denied"
    run -127 --separate-stderr skiff run --rm -v "$dir:/u:ro" busybox /u/nointerp
    assert_status 127
    assert_one_error_line "exec \`/u/nointerp\`: No such file or directory: OCI runtime attempted to invoke a command that was not found"
    run --separate-stderr skiff run -d -v "$dir:/u:ro" busybox /u/noshebang
    assert_status 126
    assert_one_error_line "Exec format error"
    run skiff run -d --name c -v "$dir:/u:ro" busybox sleep 1000
    assert_status 0
    run -127 --separate-stderr skiff exec c /u/nointerp
    assert_status 127
    assert_one_error_line "exec \`/u/nointerp\`: No such file or directory"
    run skiff rm -f -t 0 c
}

@test "a directory as the command exits 126" {
    run --separate-stderr skiff run --rm busybox /tmp
    assert_status 126
    assert_one_error_line /tmp
}

@test "a container killed by SIGKILL exits 137" {
    local out=$SKIFF_TEST_DIR/kill.out
    local token=$((100000 + RANDOM))
    "$SKIFF" $(skiff_args) run --rm busybox sleep "$token" >"$out" 2>&1 &
    local skiff_pid=$!
    local init
    init=$(container_init_pid "$skiff_pid" sleep "$token") || {
        kill -KILL "$skiff_pid"
        fail "no container process under skiff ($skiff_pid): $(cat "$out")"
    }
    kill -KILL "$init"
    local rc=0
    wait "$skiff_pid" || rc=$?
    [[ $rc -eq 137 ]] || fail "exit status: want 137, got $rc: $(cat "$out")"
}

@test "a container whose init traps TERM and re-raises it is not killed: init ignores its own signals" {
    # The kernel protects a pid namespace's init from signals sent inside it: kill -TERM $$ is a no-op.
    run skiff run --rm busybox sh -c 'kill -TERM $$; echo survived'
    assert_status 0
    assert_output survived
}

@test "an image that does not exist exits 125 with one Error line" {
    run --separate-stderr skiff run --rm no-such-image true
    assert_status 125
    assert_one_error_line no-such-image
    [[ -z $output ]] || fail "stdout: [$output]"
}

@test "a flag skiff does not know exits 125 naming the flag" {
    run --separate-stderr skiff run --rm --no-such-flag busybox true
    assert_status 125
    assert_one_error_line --no-such-flag
}

@test "run without an image exits 125" {
    run --separate-stderr skiff run --rm
    assert_status 125
    [[ $stderr == "Error: "* ]] || fail "stderr: [$stderr]"
}

@test "a user that is not in the image's passwd file is refused with an Error line" {
    run --separate-stderr skiff run --rm -u no-such-user busybox true
    [[ $status -ne 0 ]] || fail "run succeeded"
    assert_one_error_line no-such-user
}

@test "a capability that does not exist is refused with 125" {
    run --separate-stderr skiff run --rm --cap-add CAP_NO_SUCH_THING busybox true
    assert_status 125
    assert_one_error_line NO_SUCH_THING
}

@test "a network mode skiff does not have is refused with 125" {
    run --separate-stderr skiff run --rm --network no-such-network busybox true
    assert_status 125
    assert_one_error_line no-such-network
}

@test "a seccomp profile that does not exist is refused with 125" {
    run --separate-stderr skiff run --rm --security-opt seccomp=/no/such/profile.json busybox true
    assert_status 125
    assert_one_error_line /no/such/profile.json
}

@test "an image that does not exist creates no container" {
    run skiff run --name never-created no-such-image true
    assert_status 125
    run skiff ps -a -q
    assert_status 0
    assert_output ""
}
