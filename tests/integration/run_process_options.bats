#!/usr/bin/env bats
# run's process options as podman has them: --preserve-fds, --tz, --timeout, --attach, --rmi,
# --conmon-pidfile; and a --rm run that fails to start leaving nothing behind.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "--preserve-fds N passes descriptors 3 … 3+N-1, and refuses one that is not open" {
    echo "from fd 4" >"$BATS_TEST_TMPDIR/in"
    run skiff run --rm --preserve-fds=2 busybox sh -c 'cat <&4; ls /proc/self/fd' 3</dev/null 4<"$BATS_TEST_TMPDIR/in"
    assert_status 0
    [[ ${lines[0]} == "from fd 4" ]] || fail "fd 4: [$output]"
    # Without the option the container gets neither.
    run skiff run --rm busybox sh -c 'cat <&4' 4<"$BATS_TEST_TMPDIR/in"
    assert_status 1
    assert_output_contains "Bad file descriptor"
    run --separate-stderr skiff run --rm --preserve-fds=2 busybox true 3<&- 4<&-
    assert_status 125
    assert_one_error_line "Error: file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed"
}

@test "--tz binds the zone's file on /etc/localtime; local is the host's; a missing zone is refused" {
    run skiff run --rm --tz=US/Eastern --tz=Asia/Kolkata busybox date -d @1600000000 '+%H:%M %Z'
    assert_status 0
    assert_output "17:56 IST"
    run skiff run --rm busybox date -d @1600000000 '+%H:%M %Z'
    assert_output "12:26 UTC"
    TZ=Pacific/Chatham run skiff run --rm --tz=local busybox date -d @1600000000 '+%H:%M'
    assert_output "$(date -d @1600000000 '+%H:%M')"
    run --separate-stderr skiff run --rm --tz=Nowhere/City busybox true
    assert_status 125
    assert_one_error_line "Error: running container create option: stat /usr/share/zoneinfo/Nowhere/City: no such file or directory"
    run --separate-stderr skiff create --tz=America busybox true
    assert_status 125
    assert_one_error_line "Error: running container create option: invalid timezone: is a directory"
}

@test "--timeout kills the container after N seconds: status 255, exit code -1" {
    local t0=$SECONDS
    run skiff run --name timed --timeout 2 busybox sleep 30
    assert_status 255
    (( SECONDS - t0 < 10 )) || fail "took $((SECONDS - t0)) seconds"
    run skiff inspect --format '{{.State.Status}} {{.State.ExitCode}}' timed
    assert_output "exited -1"
    # Detached, the monitor does the same.
    skiff run -d --name timed-d --timeout 1 busybox sleep 30
    run skiff wait timed-d
    run skiff inspect --format '{{.State.Status}} {{.State.ExitCode}}' timed-d
    assert_output "exited -1"
}

@test "--attach relays only the given streams; the log has them all; stdin alone prints the id" {
    run --separate-stderr skiff run --name att -a stderr busybox sh -c 'echo out; echo err >&2'
    assert_status 0
    assert_output ""
    [[ $stderr == err ]] || fail "stderr: [$stderr]"
    run skiff logs att
    assert_output_contains "out"
    run --separate-stderr skiff run --name att2 -a stdin busybox echo hello
    assert_status 0
    assert_output "$(skiff inspect --format '{{.Id}}' att2)"
    run --separate-stderr skiff run --rm -a bogus busybox true
    assert_status 125
    assert_one_error_line 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument'
}

@test "--rmi removes the image after the run unless another container uses it" {
    # An image of one name, as podman's test pulls (removing one of several names only untags it).
    skiff run --name mk busybox touch /made
    skiff commit -q mk rmi-test >/dev/null
    skiff rm mk
    skiff create --name keep rmi-test true
    run skiff run --rmi --rm rmi-test true
    assert_status 0
    skiff image exists rmi-test
    skiff rm keep
    run skiff run --rmi --rm rmi-test true
    assert_status 0
    run skiff image exists rmi-test
    assert_status 1
}

@test "--conmon-pidfile gets the monitor's pid, as inspect's ConmonPid" {
    local pidfile=$BATS_TEST_TMPDIR/conmon.pid
    skiff run -d --name mon --conmon-pidfile "$pidfile" busybox sleep 60
    run skiff inspect --format '{{.State.ConmonPid}}' mon
    assert_output "$(cat "$pidfile")"
    [[ $(cat /proc/$(cat "$pidfile")/cmdline | tr '\0' ' ') == *__monitor* ]] || fail "not a monitor: $(cat "$pidfile")"
}

@test "a --rm run -d that cannot start leaves no container" {
    local port
    port=$(( 20000 + RANDOM % 20000 ))
    skiff run -d --rm -p $port:80 --name ok busybox sleep 60
    run --separate-stderr skiff run -d --rm -p $port:80 --name bad-rm busybox sleep 60
    assert_status 126
    run --separate-stderr skiff run -d -p $port:80 --name bad-kept busybox sleep 60
    assert_status 126
    run skiff ps -a --format '{{.Names}}' --sort names
    assert_output "bad-kept
ok"
}

@test "--shm-size sizes /dev/shm; inspect shows it or podman's default; refused where podman refuses it" {
    run skiff run --rm --shm-size=1m busybox sh -c "df -k /dev/shm | tail -1"
    assert_status 0
    [[ $(awk '{print $2}' <<<"$output") == 1024 ]] || fail "df: [$output]"
    run skiff run --rm busybox sh -c "df -k /dev/shm | tail -1"
    [[ $(awk '{print $2}' <<<"$output") == 65536 ]] || fail "default df: [$output]"
    skiff create --name sized --shm-size=1m busybox true
    skiff create --name unsized busybox true
    run skiff inspect --format '{{.HostConfig.ShmSize}}' sized unsized
    assert_output "1048576
65536000"
    run --separate-stderr skiff create --shm-size=2m --ipc=host busybox true
    assert_status 125
    assert_one_error_line "Error: invalid config provided: cannot set shmsize when running in the {host } IPC Namespace"
    run --separate-stderr skiff create --shm-size=-1 busybox true
    assert_status 125
    assert_one_error_line "Error: unable to translate --shm-size: invalid size: '-1'"
}

@test "--umask sets the process's file mode creation mask; inspect shows it; bad ones are podman's error" {
    run skiff run --rm busybox sh -c 'umask'
    assert_output "0022"
    run skiff run --rm --umask=077 busybox sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
    assert_status 0
    assert_output "0077
600"
    skiff create --name masked --umask=077 busybox true
    skiff create --name plain busybox true
    run skiff inspect --format '{{.Config.Umask}}' masked plain
    assert_output "0077
0022"
    run --separate-stderr skiff create --umask=8 busybox true
    assert_status 125
    assert_one_error_line "Error: running container create option: invalid umask string 8: invalid argument"
}
