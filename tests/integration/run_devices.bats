#!/usr/bin/env bats
# Which devices a container may use: podman's default allow-list in its device cgroup, device nodes
# an image or a bind-mounted directory ships refused, --device, --device-cgroup-rule, --privileged,
# and the rules applied again at each start of a stored container.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    # Device nodes as an image might ship them: made on the host, appended to the busybox rootfs as
    # /nodes, and left in a directory for -v.
    local nodes=$SKIFF_TEST_DIR/nodes
    mkdir -p "$nodes/nodes"
    mknod -m 666 "$nodes/nodes/loop0" b 7 0
    mknod -m 666 "$nodes/nodes/zram0" b 253 0
    mknod -m 666 "$nodes/nodes/kvm" c 10 232
    mknod -m 666 "$nodes/nodes/fuse" c 10 229
    mknod -m 666 "$nodes/nodes/null" c 1 3
    cp "$(busybox_tarball)" "$SKIFF_TEST_DIR/devimg.tar"
    tar -rf "$SKIFF_TEST_DIR/devimg.tar" -C "$nodes" nodes
    skiff import "$SKIFF_TEST_DIR/devimg.tar" devimg >/dev/null
}

# For each node named: "NAME ok" when it opens for reading and writing (read-only for a block
# device: a loop device with no file behind it refuses writes), "NAME missing" when there is none
# (<> would create a file), else "NAME <the error>".
open_script='for p in "$@"; do
  if [ ! -e "$p" ]; then echo "$p missing"; continue; fi
  if [ -b "$p" ]; then err=$( { : <"$p"; } 2>&1 ); else err=$( { : <>"$p"; } 2>&1 ); fi
  if [ -z "$err" ]; then echo "$p ok"; else echo "$p ${err##*: }"; fi
done'

assert_line() {
    local want=$1 l
    for l in "${lines[@]}"; do [[ $l == "$want" ]] && return 0; done
    fail "no line [$want] in:" "$output"
}

@test "device nodes an image ships cannot be opened (EPERM), the default devices can" {
    run skiff run --rm devimg sh -c "$open_script" sh /nodes/loop0 /nodes/zram0 /nodes/kvm /nodes/fuse /nodes/null \
        /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/pts/ptmx
    assert_status 0
    assert_line "/nodes/loop0 Operation not permitted"
    assert_line "/nodes/zram0 Operation not permitted"
    assert_line "/nodes/kvm Operation not permitted"
    assert_line "/nodes/fuse Operation not permitted"
    local n
    for n in /nodes/null /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/pts/ptmx; do assert_line "$n ok"; done
}

@test "/dev/tty is allowed: without a terminal it fails only as it would on the host" {
    run skiff run --rm busybox sh -c "$open_script" sh /dev/tty
    assert_status 0
    assert_line "/dev/tty No such device or address"
    run skiff run --rm -t busybox sh -c "$open_script" sh /dev/tty /dev/console
    assert_status 0
    assert_output_contains "/dev/tty ok"
    assert_output_contains "/dev/console ok"
}

@test "device nodes in a bind-mounted directory cannot be opened either" {
    run skiff run --rm -v "$SKIFF_TEST_DIR/nodes/nodes:/n" busybox sh -c "$open_script" sh /n/loop0 /n/kvm /n/null
    assert_status 0
    assert_line "/n/loop0 Operation not permitted"
    assert_line "/n/kvm Operation not permitted"
    assert_line "/n/null ok"
}

@test "the container's v1 devices list is podman's default allow-list" {
    [[ -d /sys/fs/cgroup/devices ]] || skip "no cgroup v1 devices controller on this host"
    run skiff run --rm busybox cat /sys/fs/cgroup/devices/devices.list
    assert_status 0
    # As podman 4.3 with runc 1.1 on this host, with the console (5:1) crun also allows.
    local want="b *:* m
c *:* m
c 1:3 rwm
c 1:5 rwm
c 1:7 rwm
c 1:8 rwm
c 1:9 rwm
c 5:0 rwm
c 5:1 rwm
c 5:2 rwm
c 10:200 rwm
c 136:* rwm"
    [[ $output == "$want" ]] || fail "devices.list:" "$output"
}

@test "podman with runc gives the same devices list (skiff also allows the console, as crun does)" {
    [[ -d /sys/fs/cgroup/devices ]] || skip "no cgroup v1 devices controller on this host"
    command -v podman >/dev/null && command -v runc >/dev/null || skip "podman or runc is not installed"
    local rootfs=$SKIFF_TEST_DIR/podman-rootfs
    mkdir -p "$rootfs"
    tar -xf "$(busybox_tarball)" -C "$rootfs"
    # runc sets every rlimit podman passes, and root here may not raise one: ask for low ones.
    run timeout 120 podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-runroot" \
        --runtime runc run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        --rootfs "$rootfs" cat /sys/fs/cgroup/devices/devices.list
    assert_status 0
    local podman_list=$output
    run skiff run --rm busybox cat /sys/fs/cgroup/devices/devices.list
    assert_status 0
    [[ $(grep -vx 'c 5:1 rwm' <<<"$output") == "$podman_list" ]] || fail "skiff:" "$output" "podman:" "$podman_list"
}

@test "--device adds the host's node, usable, at its own or another path" {
    [[ -b /dev/loop0 ]] || skip "the host has no /dev/loop0"
    run skiff run --rm --device /dev/loop0 --device /dev/null:/dev/mynull devimg sh -c \
        "ls -l /dev/loop0 /dev/mynull | awk '{ print \$1, \$5, \$6, \$NF }'; $open_script" sh /dev/loop0 /dev/mynull /nodes/loop0 /nodes/kvm
    assert_status 0
    assert_line "brw------- 7, 0 /dev/loop0"
    assert_line "crw-rw-rw- 1, 3 /dev/mynull"
    assert_line "/dev/loop0 ok"
    assert_line "/dev/mynull ok"
    assert_line "/nodes/loop0 ok"  # the same device, so the same rule
    assert_line "/nodes/kvm Operation not permitted"
}

@test "--device permissions limit what the rule allows" {
    [[ -b /dev/loop0 ]] || skip "the host has no /dev/loop0"
    run skiff run --rm --device /dev/loop0:/dev/xloop:w busybox sh -c \
        'cat /dev/xloop >/dev/null 2>&1 && echo read || echo no-read; mknod /dev/y b 7 0 2>&1 || true'
    assert_status 0
    assert_line "no-read"
    # Without "m", but the default list allows mknod of any node.
    run skiff run --rm --device /dev/loop0:/dev/xloop:r busybox sh -c "$open_script" sh /dev/xloop
    assert_line "/dev/xloop ok"
}

@test "--device with a directory adds every node beneath it" {
    run skiff run --rm --device "$SKIFF_TEST_DIR/nodes/nodes:/dev/shipped" busybox sh -c \
        "ls /dev/shipped | tr '\n' ' '; echo; $open_script" sh /dev/shipped/kvm /dev/shipped/null
    assert_status 0
    [[ ${lines[0]} == "fuse kvm loop0 null zram0 " ]] || fail "nodes: [${lines[0]}]"
    # Allowed now: what is left is the host's answer (no kvm module, or a kvm that opens).
    refute_output_contains "/dev/shipped/kvm Operation not permitted"
    assert_line "/dev/shipped/null ok"
}

@test "--device-cgroup-rule makes a shipped node usable" {
    run skiff run --rm --device-cgroup-rule 'b 7:* rw' --device-cgroup-rule 'c 10:232 r' devimg sh -c "$open_script" sh \
        /nodes/loop0 /nodes/kvm /nodes/fuse
    assert_status 0
    if [[ -b /dev/loop0 ]]; then assert_line "/nodes/loop0 ok"; fi
    refute_output_contains "/nodes/loop0 Operation not permitted"
    # r only: opening for reading and writing is refused, reading alone is not.
    assert_line "/nodes/kvm Operation not permitted"
    assert_line "/nodes/fuse Operation not permitted"
    run skiff run --rm --device-cgroup-rule 'c 10:232 r' devimg sh -c ': </nodes/kvm 2>&1 || true'
    refute_output_contains "Operation not permitted"
}

@test "--privileged can open every node" {
    run skiff run --rm --privileged devimg sh -c "$open_script" sh /nodes/loop0 /nodes/kvm /nodes/fuse /nodes/zram0
    assert_status 0
    refute_output_contains "Operation not permitted"
}

@test "create stores --device and --device-cgroup-rule: each start applies them again; inspect shows them" {
    [[ -b /dev/loop0 ]] || skip "the host has no /dev/loop0"
    run skiff create --name devs --device /dev/loop0:/dev/xloop:rw --device-cgroup-rule 'c 10:229 rwm' devimg \
        sh -c "$open_script" sh /dev/xloop /nodes/fuse /nodes/kvm
    assert_status 0
    local round
    for round in 1 2; do
        run skiff start -a devs
        assert_status 0
        assert_line "/dev/xloop ok"
        assert_line "/nodes/kvm Operation not permitted"
        refute_output_contains "/nodes/fuse Operation not permitted"
    done
    run skiff inspect --format '{{json .HostConfig.Devices}} {{json .HostConfig.DeviceCgroupRules}}' devs
    assert_status 0
    assert_output '[{"PathOnHost":"/dev/loop0","PathInContainer":"/dev/xloop","CgroupPermissions":"rw"}] ["c 10:229 rwm"]'
}

@test "bad --device and --device-cgroup-rule are an error before anything is made" {
    local bad
    for bad in "--device relative/path" "--device /dev/null:rwx" "--device /dev/null:/x:q" "--device /dev/null:x" \
        "--device /a:/b:r:extra" "--device $SKIFF_TEST_DIR/no-such-device" "--device $SKIFF_TEST_DIR/devimg.tar" \
        "--device-cgroup-rule x" "--device-cgroup-rule c_1:3" "--device-cgroup-rule q_1:3_r" \
        "--device-cgroup-rule c_1:3_rwx" "--device-cgroup-rule c_a:3_r"; do
        local flag=${bad%% *} value=${bad#* }
        value=${value//_/ }
        for cmd in run create; do
            run --separate-stderr skiff $cmd --name bad "$flag" "$value" busybox true
            assert_status 125
            assert_one_error_line
        done
    done
    run --separate-stderr skiff run --rm --device "$SKIFF_TEST_DIR/no-such-device" busybox true
    [[ $stderr == "Error: stat $SKIFF_TEST_DIR/no-such-device: No such file or directory" ]] || fail "stderr: [$stderr]"
    run skiff ps -a -q
    assert_output ""
}

@test "--device-cgroup-rule takes podman's forms and refuses with podman's messages" {
    local rule
    for rule in "b 7:* rmw" "c 7:* rmw" "a 7:1 rmw" "a 7 rmw"; do
        run skiff run --rm --device-cgroup-rule="$rule" busybox true
        assert_status 0
    done
    # A major alone allows any minor, as podman's rule.
    run skiff run --rm --device-cgroup-rule 'b 7 rw' devimg sh -c "$open_script" sh /nodes/loop0
    assert_status 0
    assert_output "/nodes/loop0 ok"
    local -A want=(
        ["b 7:* rmX"]="Error: invalid device access in device-access-add: X"
        ["b 7:2"]='Error: invalid device cgroup rule requires type, major:Minor, and access rules: "b 7:2"'
        ["x 7:* rmw"]="Error: invalid device type in device-access-add: x"
        ["a a:* rmw"]='Error: strconv.ParseUint: parsing "a": invalid syntax'
    )
    for rule in "${!want[@]}"; do
        run --separate-stderr skiff run --rm --device-cgroup-rule="$rule" busybox true
        assert_status 125
        [[ $stderr == "${want[$rule]}" ]] || fail "rule [$rule]: stderr [$stderr]"
    done
}

@test "exec in a running container is held to its device rules" {
    run skiff run -d --name ex devimg sleep 60
    assert_status 0
    run skiff exec ex sh -c "$open_script" sh /nodes/kvm /nodes/loop0 /dev/null
    assert_status 0
    assert_line "/nodes/kvm Operation not permitted"
    assert_line "/nodes/loop0 Operation not permitted"
    assert_line "/dev/null ok"
}
