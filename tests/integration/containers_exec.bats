#!/usr/bin/env bats
# skiff exec: a process in a running container, in its namespaces, with its capabilities, seccomp
# filter, user and environment; exit codes as podman's; stdin, terminal, detach, signals; and no way
# for the container to reach skiff's binary through /proc/PID/exe (CVE-2019-5736).

load helpers
load stdio_helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

setup() { remove_all_containers; }

# A running container NAME (sleeping unless a command is given).
start_container() {
    local name=$1
    shift
    (($# > 0)) || set -- busybox sleep 1000
    run skiff run -d --name "$name" "$@"
    assert_status 0
}

@test "exec echo: the output on stdout, status 0" {
    start_container c busybox sleep 1000
    run --separate-stderr skiff exec c echo hello from exec
    assert_status 0
    assert_output "hello from exec"
    [[ -z $stderr ]] || fail "stderr: $stderr"
}

@test "exit codes: the process's own, 127 not found, 126 not executable, 128+N for a signal" {
    start_container c
    run skiff exec c sh -c 'exit 5'
    assert_status 5
    run --separate-stderr skiff exec c no-such-command
    assert_status 127
    assert_one_error_line no-such-command
    run --separate-stderr skiff exec c /etc/passwd
    assert_status 126
    assert_one_error_line /etc/passwd
    run skiff exec c sh -c 'kill -9 $$'
    assert_status 137
}

@test "-e, --env-file, -w, -u; the container's environment underneath" {
    start_container c -e FROM_RUN=run -e OVER=run busybox sleep 1000
    echo "FILE_VAR=file" >"$SKIFF_TEST_DIR/exec.env"
    run skiff exec --env-file "$SKIFF_TEST_DIR/exec.env" -e OVER=exec -w /tmp -u 65534:65534 c \
        sh -c 'echo "$FROM_RUN $OVER $FILE_VAR"; pwd; id -u; id -g'
    assert_status 0
    [[ ${lines[0]} == "run exec file" ]] || fail "env: $output"
    [[ ${lines[1]} == /tmp ]] || fail "pwd: $output"
    [[ ${lines[2]} == 65534 && ${lines[3]} == 65534 ]] || fail "ids: $output"
    run skiff exec -u nobody c id -un
    assert_output nobody
    run --separate-stderr skiff exec -u no-such-user c true
    assert_status 126
    assert_one_error_line no-such-user
    run skiff exec c sh -c 'id -u; pwd'
    [[ $output == $'0\n/' ]] || fail "defaults: $output"
}

@test "the container's user and working directory are the default" {
    start_container c -u 65534 -w /tmp busybox sleep 1000
    run skiff exec c sh -c 'id -u; pwd'
    assert_status 0
    assert_output $'65534\n/tmp'
}

@test "the container's --ulimit and --oom-score-adj hold for exec'd processes" {
    local adj=$(($(cat /proc/self/oom_score_adj) + 123))
    start_container c --ulimit nofile=321:654 --oom-score-adj "$adj" busybox sleep 1000
    run skiff exec c sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
    assert_status 0
    assert_output "321
654
$adj"
}

@test "exec joins every namespace of the container: hostname, pid 1, mounts, ipc, net, cgroup" {
    start_container c --hostname boxy busybox sleep 1000
    run skiff exec c hostname
    assert_output boxy
    run skiff exec c sh -c 'tr "\0" " " </proc/1/cmdline'
    assert_output "sleep 1000 "
    run skiff exec c ps -o pid,args
    assert_status 0
    assert_output_contains "1 sleep 1000"
    run skiff exec c sh -c 'for n in mnt uts ipc net cgroup pid; do
        [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] || echo "differs: $n"; done; echo checked'
    assert_output checked
    # The same mount table as the container's pid 1: its root, not the host's.
    run skiff exec c sh -c 'diff /proc/1/mountinfo /proc/self/mountinfo && echo same-mounts'
    assert_output same-mounts
    run skiff exec c sh -c 'test -e /proc/1/root/bin/busybox && test ! -e /work && echo container-root'
    assert_output container-root
}

@test "same capabilities, seccomp filter and no-new-privileges as the container's pid 1" {
    start_container c --security-opt no-new-privileges busybox sleep 1000
    run skiff exec c sh -c 'grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status; echo --; grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):" /proc/1/status'
    assert_status 0
    local mine=${output%%--*} init=${output##*--}
    [[ $(echo $mine) == $(echo $init) ]] || fail "exec: [$mine] init: [$init]"
    assert_output_contains $'Seccomp:\t2'
    assert_output_contains $'NoNewPrivs:\t1'
    [[ $(awk '$1 == "CapEff:" { print $2; exit }' <<<"$output") != 000001ffffffffff ]] || fail "all caps: $output"
}

@test "--privileged: every capability and no seccomp filter for the exec'd process only" {
    start_container c busybox sleep 1000
    run skiff exec --privileged c sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status'
    assert_status 0
    assert_output_contains $'Seccomp:\t0'
    local eff
    eff=$(awk '$1 == "CapEff:" { print $2 }' <<<"$output")
    [[ $eff == "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" ]] || fail "CapEff $eff"
    run skiff exec c grep Seccomp: /proc/self/status
    assert_output $'Seccomp:\t2'
}

@test "only fds 0, 1 and 2 reach the process" {
    start_container c
    # The shell's descriptors, listed by a child of it (ls's own would add the directory it reads).
    run skiff exec c sh -c 'ls /proc/$$/fd; true'
    assert_status 0
    assert_output $'0\n1\n2'
    run skiff exec -i c ls /proc/self/fd
    assert_output $'0\n1\n2\n3'
}

@test "-i forwards stdin; without it the process reads /dev/null" {
    start_container c
    run bash -c "echo hi | $(printf '%q ' timeout 20 "$SKIFF" $(skiff_args)) exec -i c cat"
    assert_status 0
    assert_output hi
    run bash -c "echo hi | $(printf '%q ' timeout 20 "$SKIFF" $(skiff_args)) exec c cat"
    assert_status 0
    assert_output ""
}

@test "exec from a terminal: TIOCSTI does not reach the caller's terminal; fds 0-2 are /dev/null and pipes" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    build_sti
    start_container c -v "$SKIFF_TEST_DIR/bin:/t:ro" busybox sleep 1000
    run_then_read_terminal exec c /t/sti "touch $SKIFF_TEST_DIR/PWNED"$'\n'
    assert_output_contains skiff-exit=0
    assert_output_contains nothing-injected
    refute_output_contains "injected=["
    refute_output_contains pushed
    [[ ! -e $SKIFF_TEST_DIR/PWNED ]] || fail "the injected command ran"
    run_then_read_terminal exec c sh -c 'for i in 0 1 2; do echo "fd$i=$(readlink /proc/$$/fd/$i)"; done'
    assert_output_contains "fd0=/dev/null"
    [[ $output =~ fd1=pipe:\[[0-9]+\] ]] || fail "fd 1 is not a pipe: $output"
    [[ $output =~ fd2=pipe:\[[0-9]+\] ]] || fail "fd 2 is not a pipe: $output"
}

@test "exec: an output file cannot be read back or rewritten, nor a read-only input file with -i" {
    start_container c
    local f=$SKIFF_TEST_DIR/appended.log err=$SKIFF_TEST_DIR/appended.err in=$SKIFF_TEST_DIR/input.txt
    printf 'earlier secret line\n' >"$f"
    skiff exec c sh -c \
        'readlink /proc/self/fd/1 >&2; timeout 1 head -c 100 /proc/self/fd/1 >&2; echo rewritten >/proc/self/fd/1; echo after' \
        >>"$f" 2>"$err" || true
    [[ $(head -n1 "$f") == "earlier secret line" ]] || fail "the log was rewritten: $(cat "$f")"
    grep -qx after "$f" || fail "the process's output is missing: $(cat "$f")"
    ! grep -q secret "$err" || fail "the process read the earlier content: $(cat "$err")"
    printf 'original input\n' >"$in"
    chmod 0444 "$in"
    run skiff exec -i c sh -c 'readlink /proc/self/fd/0; echo pwned >/proc/self/fd/0; exit 0' <"$in"
    [[ $(cat "$in") == "original input" ]] || fail "the input file was rewritten: $(cat "$in")"
    assert_output_contains "pipe:["
}

@test "exec: stdout and stderr separate, megabytes delivered, stdin's end passed on" {
    start_container c
    run --separate-stderr skiff exec c sh -c 'echo to-out; echo to-err >&2; exit 4'
    assert_status 4
    assert_output to-out
    [[ $stderr == to-err ]] || fail "stderr: $stderr"
    local n
    n=$(skiff exec c sh -c 'head -c 5000000 /dev/zero; echo end' | wc -c)
    [[ $n -eq 5000004 ]] || fail "got $n bytes"
    run skiff exec -i c cat <<<hi
    assert_status 0
    assert_output hi
}

@test "exec: a background process holding the output does not keep skiff waiting" {
    start_container c
    local start=$SECONDS
    run timeout 20 "$SKIFF" $(skiff_args) exec c sh -c 'sleep 30 & echo started'
    assert_status 0
    assert_output started
    ((SECONDS - start < 10)) || fail "skiff exec took $((SECONDS - start)) s"
}

@test "-t: a terminal from the container's devpts" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    start_container c
    local s=$SKIFF_TEST_DIR/exec-pty.sh
    cat >"$s" <<EOF
stty rows 33 cols 77
"$SKIFF" $(skiff_args | tr '\n' ' ') exec -t c sh -c 'tty; test -t 0 && test -t 1 && echo both-terminals; echo "size=\$(stty size)"; exit 4'
echo "skiff-exit=\$?"
EOF
    : >"$SKIFF_TEST_DIR/typescript"
    run timeout -k 5 60 script -qefc "sh $s" "$SKIFF_TEST_DIR/typescript"
    assert_status 0
    assert_output_contains /dev/pts/
    assert_output_contains both-terminals
    assert_output_contains "size=33 77"
    assert_output_contains skiff-exit=4
}

@test "-t -i: what is typed reaches the process" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    start_container c
    local s=$SKIFF_TEST_DIR/exec-typed.sh
    cat >"$s" <<EOF
"$SKIFF" $(skiff_args | tr '\n' ' ') exec -t -i c sh -c 'read line; echo "got=[\$line]"'
echo "skiff-exit=\$?"
EOF
    : >"$SKIFF_TEST_DIR/typescript"
    run timeout -k 5 60 script -qefc "sh $s" "$SKIFF_TEST_DIR/typescript" <<<"typed words"
    assert_status 0
    assert_output_contains "got=[typed words]"
    assert_output_contains skiff-exit=0
}

@test "-d: prints the session id at once while the process goes on; inspect lists live sessions" {
    start_container c
    local t0=$SECONDS
    run --separate-stderr skiff exec -d c sh -c 'sleep 1; echo done >/tmp/detached'
    assert_status 0
    (( SECONDS - t0 < 3 )) || fail "exec -d took $((SECONDS - t0)) s"
    local session=$output
    [[ $session =~ ^[0-9a-f]{64}$ ]] || fail "exec -d printed [$session], want a 64-digit session id"
    run skiff inspect c --format '{{range .ExecIDs}}{{.}} {{end}}'
    [[ $output == *"$session"* ]] || fail "ExecIDs [$output] should list $session while it runs"
    local i
    for i in $(seq 50); do
        run skiff exec c cat /tmp/detached
        [[ $output == done ]] && break
        sleep 0.1
    done
    [[ $output == done ]] || fail "the detached process did not run: $output"
    # Ended, it is no longer listed; nor is a session that ran in the foreground.
    for i in $(seq 50); do
        run skiff inspect c --format '{{len .ExecIDs}}'
        [[ $output == 0 ]] && return 0
        sleep 0.1
    done
    fail "ExecIDs still lists ended sessions: $output"
}

@test "signals sent to skiff exec reach the process" {
    start_container c
    "$SKIFF" $(skiff_args) exec c sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' \
        >"$SKIFF_TEST_DIR/sig.out" 2>&1 &
    local pid=$!
    wait_for_text "$SKIFF_TEST_DIR/sig.out" ready
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq 9 ]] || fail "exit $rc: $(cat "$SKIFF_TEST_DIR/sig.out")"
    grep -q got-term "$SKIFF_TEST_DIR/sig.out" || fail "$(cat "$SKIFF_TEST_DIR/sig.out")"
}

@test "a container that is not running, or none: 125 and one Error line" {
    run skiff create --name made busybox sleep 1000
    assert_status 0
    run --separate-stderr skiff exec made true
    assert_status 125
    assert_one_error_line "can only create exec sessions on running containers: container state improper"
    start_container c
    run skiff stop -t 0 c
    assert_status 0
    run --separate-stderr skiff exec c true
    assert_status 125
    assert_one_error_line "container state improper"
    run --separate-stderr skiff exec no-such-container true
    assert_status 125
    assert_one_error_line no-such-container
}

@test "CVE-2019-5736: the container cannot open skiff's binary through /proc/PID/exe" {
    local before after
    before=$(sha256sum <"$SKIFF")
    # For every process it sees: open its exe for writing; and hold it open for reading, then try to
    # write through the held descriptor (the runc exploit). Anything but the container's own
    # binaries that could be read, and anything written, is logged.
    start_container c -e SEALED="/$(basename "$SKIFF")" busybox sh -c '
        : >/tmp/hits
        cat >/tmp/evil <<EOF
#!/proc/self/exe
EOF
        chmod +x /tmp/evil
        while :; do
            for d in /proc/[0-9]*; do
                [ "$d" = /proc/$$ ] && continue
                { echo x >"$d/exe"; } 2>/dev/null && echo "opened $d" >>/tmp/hits
                (
                    exec 3<"$d/exe" || exit 0
                    t=$(readlink /proc/self/fd/3)
                    case "$t" in /bin/*|/sbin/*|/usr/*) exit 0 ;; esac
                    # The sealed views: a memfd copy, or the read-only detached overlay, where
                    # the binary is at the top ($SEALED).
                    case "$t" in /memfd:*|"$SEALED") ;; *) echo "read $d $t" >>/tmp/hits ;; esac
                    for i in 1 2 3 4 5 6 7 8 9 10; do
                        { echo x >/proc/self/fd/3; } 2>/dev/null && echo "wrote $d $t" >>/tmp/hits
                        sleep 0.05
                    done
                ) 2>/dev/null
            done
        done'
    local i
    for i in $(seq 20); do
        run skiff exec c true
        assert_status 0
        # Through a #! naming /proc/self/exe the exec'd process would be skiff itself (its sealed
        # copy); without a dynamic loader in busybox it fails to start, which is fine here.
        skiff exec c /tmp/evil >/dev/null 2>&1 || true
    done
    sleep 1
    run skiff exec c cat /tmp/hits
    assert_status 0
    assert_output ""
    after=$(sha256sum <"$SKIFF")
    [[ $before == "$after" ]] || fail "skiff's binary changed: $before -> $after"
}
