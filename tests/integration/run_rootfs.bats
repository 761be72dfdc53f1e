#!/usr/bin/env bats
# run/create --rootfs PATH[:O]: a container whose root is a directory instead of an image; and
# --volumes-from: another container's bind mounts and volumes.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    local tar
    tar=$(busybox_tarball)
    export ROOTFS=$SKIFF_TEST_DIR/rootfs
    mkdir -p "$ROOTFS"
    tar -xf "$tar" -C "$ROOTFS"
}

@test "--rootfs PATH: the directory is the root, read-write; no image in inspect or ps" {
    run skiff run --name plain --rootfs "$ROOTFS" sh -c 'echo written >/from-container; echo ok'
    assert_status 0
    assert_output ok
    [[ $(cat "$ROOTFS/from-container") == written ]] || fail "the write did not reach $ROOTFS"
    rm -f "$ROOTFS/from-container"
    run skiff inspect plain --format '{{.ImageName}}|{{.Image}}|{{.ImageDigest}}|{{.Rootfs}}|{{.Config.Image}}'
    assert_status 0
    assert_output "|||$ROOTFS|"
    run skiff ps -a --format '{{.Image}}|{{.Names}}'
    assert_output "|plain"
    # As podman: nothing to compare with, so no changes; and nothing to commit on.
    run skiff diff plain
    assert_status 0
    assert_output ""
    run --separate-stderr skiff commit plain img-from-rootfs
    assert_status 125
    assert_one_error_line "cannot commit a container that uses an exploded rootfs"
    skiff rm plain >/dev/null
    [[ -x $ROOTFS/bin/busybox ]] || fail "rm took the --rootfs directory"
}

@test "--rootfs PATH:O: an overlay on the directory, which never changes; each start begins afresh" {
    local before
    before=$(cd "$ROOTFS" && find . | sort | md5sum)
    run skiff run --name ovl --rootfs "$ROOTFS:O" sh -c 'ls /kept 2>/dev/null; echo new >/kept; rm /bin/true; echo ok'
    assert_status 0
    assert_output ok
    [[ $(cd "$ROOTFS" && find . | sort | md5sum) == "$before" ]] || fail "$ROOTFS changed"
    run skiff start -a ovl
    assert_status 0
    assert_output ok
    run skiff inspect ovl --format '{{.Rootfs}}'
    assert_output "$ROOTFS"
    skiff rm ovl >/dev/null
    # A read-only tree as the lower layer: an image mount (podman's own test of --rootfs).
    local mnt
    mnt=$(skiff image mount busybox)
    run skiff run --rm --rootfs "$mnt:O" echo Hello world
    assert_status 0
    assert_output "Hello world"
    skiff image unmount busybox >/dev/null
}

@test "--rootfs of a missing directory, and without a command, fail as podman's" {
    run --separate-stderr skiff run --rootfs "$SKIFF_TEST_DIR/nowhere" true
    assert_status 125
    assert_one_error_line "running container create option: stat $SKIFF_TEST_DIR/nowhere: no such file or directory"
    run --separate-stderr skiff create --rootfs "$ROOTFS"
    assert_status 125
    assert_one_error_line "no command or entrypoint provided, and no CMD or ENTRYPOINT from image"
    run skiff ps -a -q
    assert_output ""
}

@test "--volumes-from: the other container's binds and volumes, as they are or ro/rw" {
    local dir=$SKIFF_TEST_DIR/shared
    mkdir -p "$dir"
    echo hello >"$dir/file"
    skiff create --name giver -v "$dir:/data:ro" -v vf-vol:/vol --tmpfs /scratch busybox true >/dev/null
    run --separate-stderr skiff run --rm --volumes-from giver busybox sh -c 'cat /data/file; touch /vol/x && echo vol-rw; touch /data/y || echo data-ro; test -d /scratch || echo no-scratch'
    assert_status 0
    assert_output "hello
vol-rw
data-ro
no-scratch"
    [[ $stderr == *"Unable to match volume /scratch from container"*"for volumes-from"* ]] || fail "no warning: [$stderr]"
    run --separate-stderr skiff run --rm --volumes-from giver:rw busybox sh -c 'touch /data/y && echo data-rw'
    assert_output "data-rw"
    run --separate-stderr skiff run --rm --volumes-from giver:ro,z busybox sh -c 'touch /vol/z || echo vol-ro'
    assert_output_contains "vol-ro"
    # Its own mount of a destination wins.
    run --separate-stderr skiff run --rm -v "$dir:/vol" --volumes-from giver busybox cat /vol/file
    assert_output hello
    run skiff create --name taker --volumes-from giver busybox true
    assert_status 0
    run skiff inspect taker --format '{{json .HostConfig.VolumesFrom}}'
    assert_output '["giver"]'
    run --separate-stderr skiff run --rm --volumes-from nobody busybox true
    assert_status 125
    assert_one_error_line 'looking up container "nobody" for volumes-from: no container with name or ID "nobody" found'
    run --separate-stderr skiff run --rm --volumes-from giver:xx busybox true
    assert_status 125
    assert_one_error_line 'invalid option "xx" specified - volumes from another container can only use z,ro,rw options'
    skiff rm taker giver >/dev/null
}
