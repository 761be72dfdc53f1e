#!/usr/bin/env bats
# skiff mount/unmount (a container's root file system on the host, counted), image mount/unmount
# (an image's layers, read-only) and run --mount type=image.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() {
    skiff image unmount -a -f >/dev/null 2>&1 || true
    skiff_teardown_file
}

teardown() {
    skiff image unmount -a -f >/dev/null 2>&1 || true
    skiff_teardown
}

@test "mount shows a container's files on the host; unmounts count; mount lists" {
    skiff run --name m1 busybox sh -c 'echo hello > /made-here'
    run skiff mount m1
    assert_status 0
    local path=$output
    [[ $path == "$SKIFF_TEST_RUNROOT"/* ]] || fail "mounted outside the run root: $path"
    [[ $(cat "$path/made-here") == hello ]] || fail "the container's file is not there"
    [[ -x $path/bin/sh ]] || fail "the image's files are not there"
    local id
    id=$(skiff inspect --format '{{.Id}}' m1)
    run skiff mount --notruncate
    assert_status 0
    assert_output "$id  $path"
    run skiff mount
    assert_output "${id:0:12}  $path"
    # A second mount needs a second unmount.
    run skiff container mount m1
    assert_output "$path"
    run skiff umount m1
    assert_status 0
    assert_output "$id"
    [[ -e $path/made-here ]] || fail "unmounted after one of two unmounts"
    run skiff unmount m1
    assert_output "$id"
    [[ ! -e $path/made-here ]] || fail "still mounted after two unmounts"
    run skiff mount
    assert_output ""
}

@test "a container started while mounted sees the host's changes; rm unmounts it" {
    skiff create --name m2 busybox sh -c 'cat /from-host; stat -c %d /'
    local path
    path=$(skiff mount m2)
    echo written-on-host > "$path/from-host"
    run skiff start -a m2
    assert_status 0
    # The same file system (device), not a second overlay of the same directories.
    assert_output "written-on-host
$(stat -c %d "$path")"
    run skiff unmount -f m2
    assert_status 0
    path=$(skiff mount m2)
    skiff mount m2 >/dev/null
    run skiff rm m2
    assert_status 0
    [[ -z $(mounts_under "$SKIFF_TEST_RUNROOT") ]] || fail "rm left mounts:" "$(mounts_under "$SKIFF_TEST_RUNROOT")"
}

@test "unmount -a and mount of an unknown container" {
    skiff create --name m3 busybox true
    skiff mount m3 >/dev/null
    run skiff unmount -a
    assert_status 0
    assert_output "$(skiff inspect --format '{{.Id}}' m3)"
    run skiff mount
    assert_output ""
    run --separate-stderr skiff mount nosuch
    assert_status 125
    assert_one_error_line 'no container with name or ID "nosuch" found'
}

@test "image mount: read-only layers, counted, listed by name; image unmount" {
    local iid
    iid=$(skiff image inspect --format '{{.Id}}' busybox)
    run skiff image mount busybox
    assert_status 0
    local path=$output
    [[ -x $path/bin/sh ]] || fail "the image's files are not at $path"
    run touch "$path/x"
    [[ $status -ne 0 ]] || fail "the image mount is writable"
    run skiff image mount -a
    assert_status 0
    assert_output "localhost/busybox:latest  $path"
    run skiff image mount
    assert_output "localhost/busybox:latest  $path"
    run skiff image unmount busybox
    assert_output "$iid"
    [[ -x $path/bin/sh ]] || fail "unmounted after one of two unmounts"
    skiff image mount busybox >/dev/null
    run skiff image umount -f busybox
    assert_output "$iid"
    [[ ! -e $path/bin/sh ]] || fail "still mounted after a forced unmount"
    run skiff image unmount busybox
    assert_status 0
    assert_output ""
    run --separate-stderr skiff image unmount nosuch
    assert_status 125
    assert_one_error_line "nosuch: image not known"
}

@test "run --mount type=image: read-only unless rw, counted while the container runs, in inspect" {
    run skiff run --rm --mount type=image,src=busybox,dst=/img busybox sh -c 'test -x /img/bin/sh && touch /img/x'
    assert_status 1
    assert_output_contains "Read-only file system"
    run skiff run --rm --mount type=image,src=busybox,dst=/img,rw=true busybox sh -c 'touch /img/x && echo ok'
    assert_status 0
    assert_output "ok"
    run skiff image unmount busybox
    assert_output ""
    run skiff run -d --name im --mount type=image,source=busybox,target=/img,readwrite=true busybox sleep 100
    assert_status 0
    run skiff inspect --format '{{(index .Mounts 0).Type}} {{(index .Mounts 0).Source}} {{(index .Mounts 0).Destination}} {{(index .Mounts 0).RW}}' im
    assert_output "image busybox /img true"
    run skiff image unmount busybox
    assert_output "$(skiff image inspect --format '{{.Id}}' busybox)"
    run skiff exec im test -x /img/bin/sh
    assert_status 0
    skiff rm -f -t 0 im >/dev/null
    run skiff image unmount busybox
    assert_output ""
}

@test "an image mount is given back once, after the last run: --rm -d and restarts" {
    local iid
    iid=$(skiff image inspect --format '{{.Id}}' busybox)
    skiff image mount busybox >/dev/null
    skiff run -d --rm --name once --mount type=image,src=busybox,dst=/img busybox true >/dev/null
    skiff run -d --name again --restart on-failure:2 --mount type=image,src=busybox,dst=/img busybox \
        sh -c 'test -x /img/bin/sh && echo full || echo empty; exit 1' >/dev/null
    local i
    for i in $(seq 100); do
        [[ $(skiff inspect --format '{{.RestartCount}} {{.State.Status}}' again 2>/dev/null) == "2 exited" ]] &&
            ! skiff container exists once && break
        sleep 0.1
    done
    run skiff logs again
    assert_output $'full\nfull\nfull'
    # Our own mount is still there: each container gave back only what it took.
    run skiff image unmount busybox
    assert_output "$iid"
    run skiff image unmount busybox
    assert_output ""
}
