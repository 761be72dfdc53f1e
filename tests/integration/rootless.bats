#!/usr/bin/env bats
# Rootless skiff: an ordinary user (made for this file, with subordinate ids) runs skiff without sudo.
# Every command joins the user's own user and mount namespaces, held by a pause process the first
# command makes; the user is root inside and the subordinate ids are 1…65536.

load helpers

RL_USER=skiff-rootless-test

# skiff as the test user, with a store in the user's own directory and no runtime directory.
rl() {
    timeout --foreground -k 5 "$SKIFF_TEST_TIMEOUT" runuser -u "$RL_USER" -- \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RL_HOME" \
        "$SKIFF" --root "$RL_HOME/root" --runroot "$RL_HOME/run" "$@"
}

pause_pid() { cut -d' ' -f1 "$RL_HOME/run/pause.pid"; }

# The user this file makes, with what an earlier run of it left (its processes are this file's own).
remove_user() {
    id "$RL_USER" >/dev/null 2>&1 || return 0
    local pid
    for pid in $(pgrep -u "$RL_USER"); do kill -KILL "$pid" 2>/dev/null; done
    userdel "$RL_USER" >/dev/null 2>&1 || true
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
}

setup_file() {
    skiff_setup_file
    remove_user
    # Subordinate ids far from any a distribution hands out.
    useradd -M -d /nonexistent -s /usr/sbin/nologin -K SUB_UID_MIN=3000000000 -K SUB_UID_MAX=3100000000 \
        -K SUB_UID_COUNT=65536 -K SUB_GID_MIN=3000000000 -K SUB_GID_MAX=3100000000 -K SUB_GID_COUNT=65536 "$RL_USER"
    RL_HOME=$(mktemp -d /tmp/skiff-rootless.XXXXXX)
    chown "$RL_USER:" "$RL_HOME"
    export RL_HOME
    cp "$(busybox_tarball)" "$RL_HOME/busybox.tar"
    chown "$RL_USER:" "$RL_HOME/busybox.tar"
    rl import "$RL_HOME/busybox.tar" busybox >/dev/null
}

teardown_file() {
    if [[ -n ${RL_HOME:-} ]]; then
        rl rm -a -f -t 0 >/dev/null 2>&1 || true
        local pid
        pid=$(pause_pid 2>/dev/null) && [[ -n $pid ]] && kill "$pid" 2>/dev/null
        rm -rf --one-file-system "$RL_HOME"
    fi
    remove_user
    skiff_teardown_file
}

teardown() { rl rm -a -f -t 0 >/dev/null 2>&1 || true; }

@test "rootless: the user's namespace maps the user to root and the subordinate ids after it" {
    local sub
    sub=$(grep "^$RL_USER:" /etc/subuid | cut -d: -f2)
    run rl run --rm busybox cat /proc/self/uid_map
    assert_status 0
    [[ $(echo $output) == "0 $(id -u "$RL_USER") 1 1 $sub 65536" ]] || fail "uid_map: $output"
    run rl info --format '{{.Host.Security.Rootless}} {{.Store.GraphRoot}}'
    assert_output "true $RL_HOME/root"
}

@test "rootless: one pause process holds the namespaces; every command joins it" {
    rl images >/dev/null
    local pid ns
    pid=$(pause_pid)
    [[ -n $pid ]] && kill -0 "$pid" || fail "no pause process"
    [[ $(stat -c %U "/proc/$pid") == "$RL_USER" ]] || fail "the pause process is not the user's"
    ns=$(readlink "/proc/$pid/ns/user")
    run rl run --rm busybox true
    assert_status 0
    rl run -d --name ns busybox sleep 60 >/dev/null
    local monitor
    monitor=$(rl inspect --format '{{.State.ConmonPid}}' ns)
    [[ $(readlink "/proc/$monitor/ns/user") == "$ns" ]] || fail "the monitor is in another user namespace"
    [[ $(pause_pid) == "$pid" ]] || fail "a second pause process was made"
}

@test "rootless: layers are unpacked in the namespace: the image's ids are the subordinate ones on the host" {
    local sub uid
    sub=$(grep "^$RL_USER:" /etc/subuid | cut -d: -f2)
    uid=$(id -u "$RL_USER")
    run rl run --rm -u 1000:1000 busybox sh -c 'id -u; touch /tmp/f; stat -c "%u %g" /tmp/f'
    assert_status 0
    assert_output "1000
1000 1000"
    # What the container wrote belongs to subordinate id 1000 on the host; root's files to the user.
    rl run --name kept -u 1000:1000 busybox touch /tmp/mine
    local upper
    upper=$(find "$RL_HOME/root" -path '*/tmp/mine' | head -1)
    [[ -n $upper ]] || fail "the container's file is not in its layer"
    [[ $(stat -c %u "$upper") == $((sub + 999)) ]] || fail "owner $(stat -c %u "$upper"), want $((sub + 999))"
    local bin
    bin=$(find "$RL_HOME/root" -path '*/bin/busybox' | head -1)
    [[ $(stat -c %u "$bin") == "$uid" ]] || fail "busybox belongs to $(stat -c %u "$bin"), want $uid"
    # Nothing of the store is open to other users.
    [[ $(stat -c %a "$RL_HOME/root") == 700 ]] || fail "store mode $(stat -c %a "$RL_HOME/root")"
}

@test "rootless: detached containers, exec, logs, cp, stop, rm" {
    rl run -d --name d busybox sh -c 'echo started; exec sleep 60' >/dev/null
    run rl exec d sh -c 'id -u; cat /proc/1/cmdline | tr "\0" " "'
    assert_status 0
    assert_output "0
sleep 60 "
    run rl exec d sh -c 'exit 3'
    assert_status 3
    echo from-host >"$RL_HOME/f" && chown "$RL_USER:" "$RL_HOME/f"
    rl cp "$RL_HOME/f" d:/tmp/f
    run rl exec d cat /tmp/f
    assert_output "from-host"
    run rl logs d
    assert_output "started"
    run rl stop -t 1 d
    assert_status 0
    run rl inspect --format '{{.State.Status}}' d
    assert_output "exited"
    rl rm d >/dev/null
    run rl ps -a -q
    assert_output ""
}

@test "rootless: without a delegated cgroup, limits are refused in podman's words and the rest runs" {
    run rl run --rm --memory 10m busybox true
    assert_status 125
    assert_output "Error: invalid configuration, cannot specify resource limits without cgroups v2 and --cgroup-manager=systemd"
    run rl create --name lim busybox true
    assert_status 0
    run rl update --memory 10m lim
    assert_status 125
    assert_output_contains "cannot specify resource limits"
}

@test "rootless: a fallback runtime directory another user made first is refused" {
    # No --runroot and no XDG_RUNTIME_DIR: /tmp/skiff-run-UID, which must be the user's own, 0700.
    local uid dir
    uid=$(id -u "$RL_USER")
    dir=/tmp/skiff-run-$uid
    rm -rf "$dir"
    mkdir -m 0777 "$dir"
    run timeout 20 runuser -u "$RL_USER" -- env -i PATH=/usr/bin:/bin HOME="$RL_HOME" "$SKIFF" --root "$RL_HOME/root" images
    rm -rf "$dir"
    assert_status 125
    assert_output "Error: $dir is not a directory of this user's with mode 0700: set XDG_RUNTIME_DIR, or remove it"
}

@test "rootless: a layer file owned by an id outside the mapping is refused, naming the file and the ids" {
    local src=$RL_HOME/outside
    mkdir -p "$src/etc"
    echo x >"$src/etc/far"
    chown 100000:100001 "$src/etc/far"
    tar -C "$src" --numeric-owner -cf "$RL_HOME/outside.tar" .
    chown "$RL_USER:" "$RL_HOME/outside.tar"
    run --separate-stderr rl import "$RL_HOME/outside.tar" outside
    assert_status 125
    assert_one_error_line "./etc/far" "uid 100000, gid 100001" "/etc/subuid"
    run rl images --format '{{.Repository}}'
    refute_output_contains "outside"
}

@test "unshare: a command in the user's namespaces, with the store's directories; root is refused" {
    run rl unshare sh -c 'id -u; cat /proc/self/uid_map | wc -l; echo "$CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT"'
    assert_status 0
    assert_output "0
2
$RL_HOME/root $RL_HOME/run"
    # The store's files, which belong to subordinate ids on the host, can be removed there.
    rl run --name gone -u 1000:1000 busybox touch /tmp/mine
    local upper
    upper=$(find "$RL_HOME/root" -path '*/tmp/mine' | head -1)
    run rl unshare rm "$upper"
    assert_status 0
    [[ ! -e $upper ]] || fail "$upper is still there"
    run rl unshare sh -c 'exit 4'
    assert_status 4
    run --separate-stderr rl unshare no-such-command
    assert_status 127
    assert_one_error_line 'exec: "no-such-command": executable file not found in $PATH'
    run --separate-stderr skiff unshare true
    assert_status 125
    assert_one_error_line "please use unshare with rootless"
}

@test "rootless: --ipc container: shares the donor's /dev/shm, held in the user's mount namespace" {
    rl run -d --name donor busybox sh -c 'echo shared >/dev/shm/note; exec sleep 60' >/dev/null
    local i
    for i in $(seq 50); do rl exec donor test -e /dev/shm/note && break; sleep 0.1; done
    run rl run --rm --ipc container:donor busybox cat /dev/shm/note
    assert_status 0
    assert_output "shared"
    # Nothing of it is mounted where the host's own commands look.
    [[ -z $(mounts_under "$RL_HOME") ]] || fail "mounted on the host: $(mounts_under "$RL_HOME")"
    rl rm -f -t 0 donor >/dev/null
    run rl unshare sh -c "grep -c ' $RL_HOME/' /proc/self/mountinfo"
    assert_output "0"
}
