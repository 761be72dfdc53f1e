#!/usr/bin/env bats
# What a run leaves behind: with --rm nothing (no record, directory or mount), without it a record
# that ps and rm work on; what a container inherits: only fds 0-2, a working directory in its root.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

# Every path under the store and run directories, for comparing before and after.
store_listing() {
    (cd "$SKIFF_TEST_DIR" && find root runroot vfs-root vfs-runroot -mindepth 1 2>/dev/null | sort)
}

@test "--rm leaves no record, no directory and no mount" {
    # A first run creates what every run shares (caches, lock files); what follows must add nothing.
    run skiff run --rm busybox true
    assert_status 0
    local before_mounts=$SKIFF_TEST_DIR/mounts.before before_files=$SKIFF_TEST_DIR/files.before
    mountinfo_snapshot >"$before_mounts"
    store_listing >"$before_files"
    run skiff run --rm busybox sh -c 'echo data >/tmp/written; echo ok'
    assert_status 0
    assert_output ok
    assert_mounts_unchanged "$before_mounts"
    run diff "$before_files" <(store_listing)
    [[ $status -eq 0 ]] || fail "the store changed:" "$output"
    run skiff ps -a -q
    assert_output ""
}

@test "--rm: the root's upper layer is volatile (its unmount syncs nothing), as podman's; a kept container's is not" {
    run skiff run --rm busybox sh -c 'grep " / / " /proc/self/mountinfo'
    assert_status 0
    assert_output_contains "fsync=volatile"
    run skiff run --name kept busybox sh -c 'grep " / / " /proc/self/mountinfo'
    assert_status 0
    refute_output_contains "volatile"
    skiff rm kept >/dev/null
    # The mark a volatile mount never unmounted (a killed skiff) leaves in the work directory makes
    # overlay refuse it; for a disposable container it is cleared.
    local id mark
    id=$(skiff create --rm -v /vol busybox true)
    mark=$SKIFF_TEST_ROOT/containers/$id/work/work/incompat/volatile
    mkdir -p "$mark"
    run skiff cp "$id:/etc/hostname" "$SKIFF_TEST_DIR/hostname-copy"
    assert_status 0
    mkdir -p "$mark"
    # Its start mounts the root twice: to fill the anonymous volume from the image, then its own.
    run skiff start -a "$id"
    assert_status 0
}

@test "--rm of a container that fails to start leaves nothing either" {
    run skiff run --rm busybox true
    assert_status 0
    local before_mounts=$SKIFF_TEST_DIR/mounts.before before_files=$SKIFF_TEST_DIR/files.before
    mountinfo_snapshot >"$before_mounts"
    store_listing >"$before_files"
    run -127 skiff run --rm busybox /no/such/command
    run --separate-stderr skiff run --rm -u no-such-user busybox true
    assert_status 126
    assert_one_error_line no-such-user
    assert_mounts_unchanged "$before_mounts"
    run diff "$before_files" <(store_listing)
    [[ $status -eq 0 ]] || fail "the store changed:" "$output"
}

@test "--rm of a container killed by SIGKILL leaves nothing" {
    run skiff run --rm busybox true
    assert_status 0
    local before_mounts=$SKIFF_TEST_DIR/mounts.before before_files=$SKIFF_TEST_DIR/files.before
    mountinfo_snapshot >"$before_mounts"
    store_listing >"$before_files"
    local token=$((100000 + RANDOM))
    "$SKIFF" $(skiff_args) run --rm busybox sleep "$token" >/dev/null 2>&1 &
    local skiff_pid=$!
    local init
    init=$(container_init_pid "$skiff_pid" sleep "$token") || {
        kill -KILL "$skiff_pid"
        fail "no container process"
    }
    kill -KILL "$init"
    local rc=0
    wait "$skiff_pid" || rc=$?
    [[ $rc -eq 137 ]] || fail "skiff exited $rc"
    assert_mounts_unchanged "$before_mounts"
    run diff "$before_files" <(store_listing)
    [[ $status -eq 0 ]] || fail "the store changed:" "$output"
}

@test "when skiff itself is killed, its container dies and no mount is left in the host" {
    local before_mounts=$SKIFF_TEST_DIR/mounts.before
    mountinfo_snapshot >"$before_mounts"
    local token=$((100000 + RANDOM))
    "$SKIFF" $(skiff_args) run --rm busybox sleep "$token" >/dev/null 2>&1 &
    local skiff_pid=$!
    local init
    init=$(container_init_pid "$skiff_pid" sleep "$token") || {
        kill -KILL "$skiff_pid"
        fail "no container process"
    }
    kill -KILL "$skiff_pid"
    wait "$skiff_pid" || true
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -d /proc/$init ]] || break
        # A zombie is dead already; it only waits for its reaper.
        [[ $(awk '{ print $3 }' "/proc/$init/stat" 2>/dev/null) == Z ]] && break
        sleep 0.1
    done
    if [[ -d /proc/$init && $(awk '{ print $3 }' "/proc/$init/stat" 2>/dev/null) != Z ]]; then
        kill -KILL "$init"
        fail "the container's process $init outlived skiff by 10 s"
    fi
    assert_mounts_unchanged "$before_mounts"
}

@test "without --rm the exited container stays in ps -a with its name, image, command and exit code" {
    run skiff run --name kept busybox sh -c 'exit 3'
    assert_status 3
    run skiff ps
    assert_status 0
    refute_output_contains kept
    run skiff ps -a
    assert_status 0
    assert_output_contains kept
    assert_output_contains "Exited (3)"
    run skiff ps -a --format json
    assert_status 0
    python3 - "$output" <<'EOF' || fail "[$output]"
import json, sys
(c,) = json.loads(sys.argv[1])
assert c["Names"] == ["kept"], c["Names"]
assert c["ExitCode"] == 3, c["ExitCode"]
assert c["State"] == "exited", c["State"]
assert "busybox" in c["Image"], c["Image"]
assert c["Command"][-1] == "exit 3", c["Command"]
assert c["AutoRemove"] is False
assert c["Created"] > 0 and c["ExitedAt"] >= c["StartedAt"] >= c["Created"], c
EOF
}

@test "rm removes an exited container, its directory and its name" {
    run skiff run --rm busybox true
    assert_status 0
    local before_mounts=$SKIFF_TEST_DIR/mounts.before before_files=$SKIFF_TEST_DIR/files.before
    mountinfo_snapshot >"$before_mounts"
    store_listing >"$before_files"
    run skiff run --name to-remove busybox sh -c 'echo data >/tmp/written'
    assert_status 0
    run skiff ps -a -q
    [[ -n $output ]] || fail "no container recorded"
    local id=$output
    run skiff rm to-remove
    assert_status 0
    run skiff ps -a -q
    assert_output ""
    run diff "$before_files" <(store_listing)
    [[ $status -eq 0 ]] || fail "rm left files:" "$output"
    assert_mounts_unchanged "$before_mounts"
    run --separate-stderr skiff rm "$id"
    assert_status 1
    assert_one_error_line "$id" "no such container"
}

@test "rm works by id and by a unique id prefix" {
    run skiff run busybox true
    assert_status 0
    run skiff run busybox true
    assert_status 0
    run skiff ps -a -q --no-trunc
    [[ $(grep -c . <<<"$output") -eq 2 ]] || fail "[$output]"
    local first second
    first=$(sed -n 1p <<<"$output")
    second=$(sed -n 2p <<<"$output")
    run skiff rm "$first"
    assert_status 0
    run skiff rm "${second:0:12}"
    assert_status 0
    run skiff ps -a -q
    assert_output ""
}

@test "the container's changes to its root live until rm, not in the image" {
    run skiff run --name changes busybox sh -c 'echo data >/tmp/written'
    assert_status 0
    run skiff run --rm busybox cat /tmp/written
    assert_status 1
    assert_output "cat: can't open '/tmp/written': No such file or directory"
}

@test "only fds 0, 1 and 2 are open in the container, whatever skiff inherited" {
    # podman shows the same: 0 1 2 and 3, the directory ls itself opened to read /proc/self/fd.
    run skiff run --rm busybox ls /proc/self/fd
    assert_status 0
    assert_output $'0\n1\n2\n3'
    # Descriptors skiff's own caller leaked to it must not reach the container.
    run skiff run --rm busybox ls /proc/self/fd 5</etc/hostname 7>/dev/null 9<"$SKIFF_TEST_DIR"
    assert_status 0
    assert_output $'0\n1\n2\n3'
    run skiff run --rm -i busybox ls /proc/self/fd </dev/null
    assert_status 0
    assert_output $'0\n1\n2\n3'
}

@test "the container's working directory is inside its root" {
    run skiff run --rm busybox readlink /proc/self/cwd
    assert_status 0
    assert_output /
    run skiff run --rm -w /tmp busybox readlink /proc/self/cwd
    assert_status 0
    assert_output /tmp
}

@test "-w /proc/self/fd/N cannot give the container a working directory outside its root (CVE-2024-21626)" {
    # A file only the host has: a working directory on the host side would reach it through ../..
    local marker=$SKIFF_TEST_DIR/host-only-marker
    echo host-secret >"$marker"
    local up=../../../../../../../../../../../../.. n
    for n in 3 4 5 6 7 8 9 10; do
        # Not `run`: the status may be 127 (the fd is no directory), which bats would warn about.
        status=0
        output=$(skiff run --rm -w "/proc/self/fd/$n" busybox sh -c "cat $up$marker 2>/dev/null; readlink /proc/self/cwd" 2>&1) ||
            status=$?
        refute_output_contains host-secret
        if [[ $status -eq 0 ]]; then
            # If the run went on, the directory it is in must be a path of the container's root.
            [[ $output == /* ]] || fail "fd $n: cwd [$output] is not inside the root"
        fi
    done
}

@test "a container cannot reach the host through its fds or /proc/1/root" {
    local marker=$SKIFF_TEST_DIR/host-only-marker
    echo host-secret >"$marker"
    run skiff run --rm busybox sh -c "cat /proc/1/root$marker /proc/1/cwd$marker /proc/self/root$marker; echo done"
    refute_output_contains host-secret
    assert_output_contains done
}

@test "vfs: --rm leaves no record, no directory and no mount" {
    run skiff_vfs import "$(busybox_tarball)" busybox
    assert_status 0
    run skiff_vfs run --rm busybox true
    assert_status 0
    local before_mounts=$SKIFF_TEST_DIR/mounts.before before_files=$SKIFF_TEST_DIR/files.before
    mountinfo_snapshot >"$before_mounts"
    store_listing >"$before_files"
    run skiff_vfs run --rm busybox sh -c 'echo data >/tmp/written; cat /tmp/written'
    assert_status 0
    assert_output data
    assert_mounts_unchanged "$before_mounts"
    run diff "$before_files" <(store_listing)
    [[ $status -eq 0 ]] || fail "the store changed:" "$output"
}
