#!/usr/bin/env bats
# skiff images: the order of rows (--sort, an image's names as given) and the --history column.

load helpers

setup() {
    import_busybox
}

teardown() {
    skiff rmi -a -f >/dev/null 2>&1 || true
}

@test "an image's names are listed in the order they were given, not sorted" {
    skiff tag busybox zzz/last:1
    skiff tag busybox aaa/first:1
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_status 0
    assert_output "localhost/busybox:latest
localhost/zzz/last:1
localhost/aaa/first:1"
}

@test "--sort orders rows by the key, ascending" {
    skiff tag busybox zzz/last:a
    skiff tag busybox aaa/first:c
    skiff tag busybox mmm/mid:b
    run skiff images --sort repository --format '{{.Repository}}'
    assert_output "localhost/aaa/first
localhost/busybox
localhost/mmm/mid
localhost/zzz/last"
    run skiff images --sort tag --format '{{.Tag}}'
    assert_output "a
b
c
latest"
    run --separate-stderr skiff images --sort bogus
    assert_status 125
    assert_one_error_line '"bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag'
}

@test "--history adds podman's HISTORY column" {
    skiff tag busybox other:1
    skiff rmi other:1 >/dev/null
    run skiff images --history
    assert_status 0
    [[ ${lines[0]} == *"SIZE"*"HISTORY" ]] || fail "header: ${lines[0]}"
    [[ ${lines[1]} == *"localhost/other:1, localhost/busybox:latest" ]] || fail "row: ${lines[1]}"
}

@test "a name an import, load or pull gives an existing image goes first; tag appends" {
    local tar
    tar=$(busybox_tarball)
    skiff tag busybox other:1
    skiff import -q "$tar" again >/dev/null
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "localhost/again:latest
localhost/busybox:latest
localhost/other:1"
}
