#!/usr/bin/env bats
# The runtime, driven directly (no engine, no store) by tests/runtime-driver: isolation, the mount
# plan applied, exit codes, users, working directories, terminals, signals, cgroups, and that the
# host never sees a container mount. Needs root and busybox-static.
#
#   RUNTIME_DRIVER=build/tests/unit/runtime/runtime-driver bats tests/runtime-driver/runtime.bats

bats_require_minimum_version 1.5.0

setup_file() {
    if [[ $EUID -ne 0 ]]; then
        skip "the runtime tests need root"
    fi
    export DRIVER=${RUNTIME_DRIVER:-$BATS_TEST_DIRNAME/../../build/tests/unit/runtime/runtime-driver}
    [[ -x $DRIVER ]] || {
        echo "runtime driver not found at $DRIVER (set RUNTIME_DRIVER)" >&2
        return 1
    }
    export WORK=$BATS_FILE_TMPDIR
    local r=$WORK/rootfs
    mkdir -p "$r"/{bin,etc,tmp,root,home/alice,proc,sys,dev} "$WORK/mnt"
    cp /bin/busybox "$r/bin/busybox"
    chroot "$r" /bin/busybox --install -s /bin
    printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$r/etc/passwd"
    printf 'root:x:0:\nwheel:x:10:alice\nalice:x:1000:\n' >"$r/etc/group"
    printf '#!/bin/sh\necho should not run\n' >"$r/bin/notexec"
    chmod 0644 "$r/bin/notexec"
}

# The host's mounts that mention this test's files: a container's must never be among them. (The
# whole table is not compared: other programs on the host may mount meanwhile.)
our_mounts() {
    grep -F "$WORK" /proc/self/mountinfo || true
}

# The host's cgroup2 mount: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one.
cgroup2_base() {
    if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
        echo /sys/fs/cgroup
    elif [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
        echo /sys/fs/cgroup/unified
    else
        return 1
    fi
}

# run_ctr [DRIVER FLAGS…] -- COMMAND…: the container on a bind of the test rootfs.
run_ctr() {
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" --cache-dir "$WORK/cache" "$@"
}

@test "own hostname, pid 1, and lo up in a new network namespace" {
    run_ctr --hostname box -- sh -c 'hostname; echo $$; cat /sys/class/net/lo/flags; ls /sys/class/net'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = box ]
    [ "${lines[1]}" = 1 ]
    (( ${lines[2]} & 1 ))
    [ "${lines[3]}" = lo ]
}

@test "--network host keeps the host's interfaces" {
    run_ctr --network host -- ls /sys/class/net
    [ "$status" -eq 0 ]
    [ "$output" = "$(ls /sys/class/net)" ]
}

@test "the host never sees the container's mounts, while it runs or after" {
    [ -z "$(our_mounts)" ]
    "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- sh -c 'grep -c . /proc/self/mountinfo > /tmp/count; sleep 20' &
    local driver=$!
    for _ in $(seq 100); do
        [[ -s $WORK/rootfs/tmp/count ]] && break
        sleep 0.02
    done
    (( $(cat "$WORK/rootfs/tmp/count") > 20 ))
    [ -z "$(our_mounts)" ]
    kill -TERM "$driver"
    kill -KILL "$(cat /proc/$driver/task/$driver/children)"
    wait "$driver" || true
    [ -z "$(our_mounts)" ]
    rm -f "$WORK/rootfs/tmp/count"
}

@test "/sys and /proc/sys are read-only, /sys/fs/cgroup too, masked paths are empty" {
    run_ctr -- sh -c 'touch /sys/x 2>&1; echo 1 > /proc/sys/kernel/shmmni 2>&1; mkdir /sys/fs/cgroup/x 2>&1;
                      wc -c < /proc/keys; ls /sys/firmware | wc -l'
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == *"Read-only file system"* ]]
    [[ ${lines[1]} == *"Read-only file system"* ]]
    [[ ${lines[2]} == *"Read-only file system"* ]]
    [ "${lines[3]}" -eq 0 ]
    [ "${lines[4]}" -eq 0 ]
}

@test "podman's default capabilities and seccomp filter" {
    run_ctr -- grep -e '^Cap' -e '^Seccomp:' -e '^NoNewPrivs' /proc/self/status
    [ "$status" -eq 0 ]
    [[ $output == *"CapInh:	0000000000000000"* ]]
    [[ $output == *"CapPrm:	00000000800405fb"* ]]
    [[ $output == *"CapEff:	00000000800405fb"* ]]
    [[ $output == *"CapBnd:	00000000800405fb"* ]]
    [[ $output == *"CapAmb:	0000000000000000"* ]]
    [[ $output == *"NoNewPrivs:	0"* ]]
    [[ $output == *"Seccomp:	2"* ]]
}

@test "a non-root user keeps only the bounding set, as with podman" {
    run_ctr -u alice -- grep -e '^CapEff' -e '^CapBnd' -e '^Seccomp:' /proc/self/status
    [[ $output == *"CapEff:	0000000000000000"* ]]
    [[ $output == *"CapBnd:	00000000800405fb"* ]]
    [[ $output == *"Seccomp:	2"* ]]
}

@test "no-new-privileges, cap-drop and an unconfined seccomp" {
    run_ctr --no-new-privileges --cap-drop ALL --seccomp unconfined -- grep -e '^CapEff' -e '^Seccomp:' -e '^NoNewPrivs' /proc/self/status
    [ "$status" -eq 0 ]
    [[ $output == *"CapEff:	0000000000000000"* ]]
    [[ $output == *"NoNewPrivs:	1"* ]]
    [[ $output == *"Seccomp:	0"* ]]
    run_ctr --no-new-privileges -- grep -e '^Seccomp:' /proc/self/status
    [[ $output == *"Seccomp:	2"* ]]
}

@test "/dev has the default nodes, symlinks and its own pts" {
    run_ctr -- sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo missing $d; done;
                      readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin; head -c 3 /dev/zero | wc -c; ls /dev/pts'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = pts/ptmx ]
    [ "${lines[1]}" = /proc/self/fd ]
    [ "${lines[2]}" = /proc/self/fd/0 ]
    [ "${lines[3]}" = 3 ]
    [ "${lines[4]}" = ptmx ]
}

@test "only fds 0, 1 and 2 reach the container" {
    # "; true" keeps sh from exec'ing ls, so the listing is sh's, not ls's own.
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- sh -c 'ls /proc/$$/fd; true' 5</etc/hostname 9</etc/hostname
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '0\n1\n2')" ]
}

@test "exit codes: the command's own" {
    run_ctr -- sh -c 'exit 3'
    [ "$status" -eq 3 ]
    run_ctr -- true
    [ "$status" -eq 0 ]
}

@test "exit codes: 127 when the command is not found" {
    run -127 "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- nosuchcmd
    [ "$output" = 'Error: skiff: executable file `nosuchcmd` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found' ]
    run -127 "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- /nosuch
}

@test "exit codes: 126 when the command cannot be run" {
    run_ctr -- /etc
    [ "$status" -eq 126 ]
    [[ $output == *"the path \`/etc\` is not a regular file"* ]]
    run_ctr -- /bin/notexec
    [ "$status" -eq 126 ]
    [[ $output == *"exists but it is not executable"* ]]
}

@test "exit codes: 128+N when the container's process is killed by signal N" {
    "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- sleep 20 &
    local driver=$!
    local child=
    for _ in $(seq 50); do
        child=$(cat /proc/$driver/task/$driver/children 2>/dev/null | tr -d ' ')
        [[ -n $child ]] && break
        sleep 0.05
    done
    kill -KILL "$child"
    local status=0
    wait "$driver" || status=$?
    [ "$status" -eq 137 ]
}

@test "signals sent to skiff reach the container's process" {
    for sig in TERM INT HUP QUIT USR1 USR2 WINCH; do
        "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- \
            sh -c "trap 'exit 42' $sig; echo ready > /tmp/ready-$sig; sleep 20 & wait" &
        local driver=$!
        for _ in $(seq 100); do
            [[ -e $WORK/rootfs/tmp/ready-$sig ]] && break
            sleep 0.02
        done
        kill -"$sig" "$driver"
        local status=0
        wait "$driver" || status=$?
        [ "$status" -eq 42 ]
    done
}

@test "killing skiff kills the container and leaves no mount" {
    "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -- sh -c 'echo $PPID > /tmp/alive; sleep 20' &
    local driver=$!
    for _ in $(seq 100); do
        [[ -e $WORK/rootfs/tmp/alive ]] && break
        sleep 0.02
    done
    local child
    child=$(cat /proc/$driver/task/$driver/children | tr -d ' ')
    kill -KILL "$driver"
    wait "$driver" || true
    for _ in $(seq 100); do
        [[ -e /proc/$child ]] || break
        sleep 0.02
    done
    [[ ! -e /proc/$child ]]
    [ -z "$(our_mounts)" ]
    rm -f "$WORK/rootfs/tmp/alive"
}

@test "users resolve through the container's /etc/passwd and /etc/group" {
    run_ctr -u alice -- id
    [ "$status" -eq 0 ]
    [ "$output" = "uid=1000(alice) gid=1000(alice) groups=10(wheel),1000(alice)" ]
    run_ctr -u 1234:10 -- id
    [ "$output" = "uid=1234 gid=10(wheel) groups=10(wheel)" ]
    run_ctr -u nosuch -- id
    [ "$status" -eq 126 ]
    [ "$output" = "Error: unable to find user nosuch: no matching entries in passwd file" ]
    run_ctr -u alice:nosuch -- id
    [ "$status" -eq 126 ]
    [ "$output" = "Error: unable to find group nosuch: no matching entries in group file" ]
}

@test "HOME comes from the user's entry when the environment has none" {
    run_ctr -u alice -e PATH=/bin -- sh -c 'echo $HOME'
    [ "$output" = /home/alice ]
}

@test "a special file as /etc/passwd is refused" {
    local r=$WORK/fifo-root
    cp -a "$WORK/rootfs" "$r"
    rm "$r/etc/passwd"
    mkfifo "$r/etc/passwd"
    run timeout 10 "$DRIVER" --rootfs "$WORK/mnt" --bind "$r" -u alice -- id
    [ "$status" -eq 126 ]
    [ "$output" = "Error: /etc/passwd in the container is not a regular file" ]
}

@test "the working directory is entered inside the root" {
    run_ctr -w /tmp -- pwd
    [ "$output" = /tmp ]
    run_ctr -w /nonexistent -- pwd
    [ "$status" -eq 126 ]
    run_ctr -w /proc/self/fd/3 -- pwd
    [ "$status" -eq 126 ]
    run_ctr -w /proc/self/cwd -- pwd
    [ "$status" -eq 126 ]
}

@test "stdin is /dev/null without -i and skiff's stdin with it" {
    run bash -c "echo hello | '$DRIVER' --rootfs '$WORK/mnt' --bind '$WORK/rootfs' -- sh -c 'cat; readlink /proc/self/fd/0'"
    [ "$output" = /dev/null ]
    run bash -c "echo hello | '$DRIVER' --rootfs '$WORK/mnt' --bind '$WORK/rootfs' -i -- cat"
    [ "$output" = hello ]
}

@test "an overlay root writes to its upper directory only" {
    mkdir -p "$WORK/upper" "$WORK/work"
    run "$DRIVER" --rootfs "$WORK/mnt" --overlay "$WORK/rootfs" --upper "$WORK/upper" --work "$WORK/work" -- \
        sh -c 'echo x > /root/new; rm /bin/notexec; head -1 /proc/self/mountinfo'
    [ "$status" -eq 0 ]
    [[ $output == *" / "*"overlay"* ]]
    [ -f "$WORK/upper/root/new" ]
    [ -f "$WORK/rootfs/bin/notexec" ]
    [ ! -e "$WORK/rootfs/root/new" ]
}

@test "--read-only makes the root read-only but not /dev/shm" {
    run_ctr --read-only -- sh -c 'touch /x 2>&1; touch /dev/shm/x && echo shm'
    [[ ${lines[0]} == *"Read-only file system"* ]]
    [ "${lines[1]}" = shm ]
    [ ! -e "$WORK/rootfs/x" ]
}

@test "symlinks in the image cannot send a mount outside the root" {
    local r=$WORK/hostile
    cp -a "$WORK/rootfs" "$r"
    rm -rf "$r/proc" "$r/dev"
    ln -s "$WORK/escape-proc" "$r/proc"
    ln -s "../../../../../../../$WORK/escape-dev" "$r/dev"
    ln -s "../../../../../../../$WORK/escape-hosts" "$r/etc/hosts"
    echo "from the host" >"$WORK/hosts.src"
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$r" --mount "bind,$WORK/hosts.src,/etc/hosts,ro" -- \
        sh -c 'cat /etc/hosts; ls -d /proc/1 /dev/null'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "from the host" ]
    [ ! -e "$WORK/escape-proc" ]
    [ ! -e "$WORK/escape-dev" ]
    [ ! -e "$WORK/escape-hosts" ]
    [ -d "$r/$WORK/escape-proc" ]
    [ -z "$(our_mounts)" ]
}

@test "invalid specs are refused before anything runs" {
    run_ctr --mount "tmpfs,tmpfs,/proc" -- true
    [ "$status" -eq 125 ]
    [ "$output" = "Error: /proc: duplicate mount destination" ]
    run_ctr --mount "bind,/tmp,/x,Z" -- true
    [ "$status" -eq 125 ]
}

@test "a terminal: the container's own pty, window size, raw mode restored" {
    command -v python3 >/dev/null || skip "python3 is needed to drive a pty"
    run python3 "$BATS_TEST_DIRNAME/run_on_pty.py" --rows 33 --cols 101 --input 'tty; stty size; readlink /proc/self/fd/1; test -c /dev/console && echo console; exit 7\n' -- \
        "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -t -i -- sh
    [ "$status" -eq 0 ]
    [[ $output == *"/dev/pts/0"* ]]
    [[ $output == *"33 101"* ]]
    [[ $output == *"console"* ]]
    [[ $output == *"exit=7"* ]]
    [[ $output == *"restored=True"* ]]
}

@test "a terminal: window size changes reach the container" {
    command -v python3 >/dev/null || skip "python3 is needed to drive a pty"
    run python3 "$BATS_TEST_DIRNAME/run_on_pty.py" --rows 33 --cols 101 --resize-after 0.5 --rows2 50 --cols2 120 -- \
        "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" -t -- sh -c 'trap "stty size" WINCH; stty size; sleep 2 & wait; wait'
    [ "$status" -eq 0 ]
    [[ $output == *"33 101"* ]]
    [[ $output == *"50 120"* ]]
}

@test "a cgroup: the container runs in it, and it is removed after" {
    local base
    base=$(cgroup2_base) || skip "no cgroup v2 hierarchy on this host"
    local cg=$base/skiff-runtime-test-$$
    "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" --cgroup "$cg/c" -- \
        sh -c 'grep "^0::" /proc/self/cgroup > /tmp/cgroup-inside; sleep 20' &
    local driver=$!
    for _ in $(seq 100); do
        [[ -s $WORK/rootfs/tmp/cgroup-inside ]] && break
        sleep 0.02
    done
    local child
    child=$(cat /proc/$driver/task/$driver/children | tr -d ' ')
    grep -qx "0::${cg#$base}/c" /proc/$child/cgroup
    [ "$(cat "$WORK/rootfs/tmp/cgroup-inside")" = "0::/" ]
    kill -KILL "$child"
    wait "$driver" || true
    [ ! -e "$cg/c" ]
    rmdir "$cg"
}

@test "a cgroup2 directory gets the device program: shipped nodes refused, the defaults and added rules allowed" {
    local base
    base=$(cgroup2_base) || skip "no cgroup v2 hierarchy on this host"
    # Beneath this test's own cgroup2 path, as skiff makes its containers' cgroups.
    local own cg n=$WORK/rootfs/nodes
    own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
    cg=$base${own%/}/skiff-runtime-dev-$$
    mkdir -p "$n"
    [[ -e $n/kvm ]] || mknod -m 666 "$n/kvm" c 10 232
    [[ -e $n/fuse ]] || mknod -m 666 "$n/fuse" c 10 229
    [[ -e $n/loop0 ]] || mknod -m 666 "$n/loop0" b 7 0
    [[ -e $n/null ]] || mknod -m 666 "$n/null" c 1 3
    local script='for p in "$@"; do err=$( { : <"$p"; } 2>&1 ); echo "$p ${err:+${err##*: }}"; done'
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" --cgroup "$cg/c" -- sh -c "$script" sh \
        /nodes/kvm /nodes/fuse /nodes/loop0 /nodes/null /dev/null /dev/zero /dev/urandom
    [ "$status" -eq 0 ]
    [[ $output == *"/nodes/kvm Operation not permitted"* ]]
    [[ $output == *"/nodes/fuse Operation not permitted"* ]]
    [[ $output == *"/nodes/loop0 Operation not permitted"* ]]
    local p
    for p in /nodes/null /dev/null /dev/zero /dev/urandom; do grep -qx "$p " <<<"$output"; done
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" --cgroup "$cg/c" --device-cgroup-rule 'c 10:229 r' -- \
        sh -c "$script" sh /nodes/kvm /nodes/fuse
    [ "$status" -eq 0 ]
    [[ $output == *"/nodes/kvm Operation not permitted"* ]]
    [[ $output != *"/nodes/fuse Operation not permitted"* ]]
    run "$DRIVER" --rootfs "$WORK/mnt" --bind "$WORK/rootfs" --cgroup "$cg/c" --privileged -- \
        sh -c "$script" sh /nodes/kvm /nodes/fuse /nodes/loop0
    [ "$status" -eq 0 ]
    [[ $output != *"Operation not permitted"* ]]
    [ ! -e "$cg/c" ]
    rmdir "$cg"
}
