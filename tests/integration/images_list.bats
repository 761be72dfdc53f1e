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

@test "--history adds podman's HISTORY column: the names left after an untag move to the front" {
    skiff tag busybox other:1
    skiff rmi other:1 >/dev/null
    run skiff images --history
    assert_status 0
    [[ ${lines[0]} == *"SIZE"*"HISTORY" ]] || fail "header: ${lines[0]}"
    [[ ${lines[1]} == *"localhost/busybox:latest, localhost/other:1" ]] || fail "row: ${lines[1]}"
    skiff tag busybox second:1
    skiff rmi second:1 >/dev/null
    run skiff images busybox --format '{{.History}}'
    assert_output "localhost/busybox:latest, localhost/second:1, localhost/other:1"
}

@test "a 'table ' format: each space is a column break, aligned as podman's tabwriter does" {
    skiff tag busybox a.b/c:d
    skiff tag busybox zzzzzzzzzz.yyyyyyyyy/xxxxxxxxx:longlongtag123
    local id
    id=$(skiff images -q busybox)
    run skiff images --sort repository --format 'table {{.Repository}} {{.Tag}} {{.ID}}'
    assert_status 0
    assert_output "$(printf '%-30s  %-14s  %s\n' REPOSITORY TAG 'IMAGE ID' a.b/c d "$id" \
        localhost/busybox latest "$id" zzzzzzzzzz.yyyyyyyyy/xxxxxxxxx longlongtag123 "$id")"
}

@test "--filter after=, since=, before=, until= compare creation times with an image's" {
    skiff run --name maker busybox true
    local old new
    old=$(skiff images -q --no-trunc busybox)
    new=$(skiff commit -q maker newer)
    run skiff images --noheading --no-trunc --format '{{.ID}} {{.Repository}}' --filter after=busybox
    assert_output "sha256:$new localhost/newer"
    run skiff images --format '{{.Repository}}' --filter since="$old"
    assert_output "localhost/newer"
    run skiff images --format '{{.Repository}}' --filter before=newer
    assert_output "localhost/busybox"
    run skiff images --format '{{.Repository}}' --filter after=newer
    assert_output ""
    run skiff images --format '{{.Repository}}' --filter until=2000-01-01T00:00:00Z
    assert_output ""
    run --separate-stderr skiff images --filter after=nosuchimage
    assert_status 125
    assert_one_error_line 'could not find local image for filter filter "after"="nosuchimage"'
    skiff rm maker >/dev/null
}

@test "--filter KEY!=VALUE negates; containers=, dangling=, manifest=, readonly= as podman's" {
    skiff run --name maker busybox true
    skiff commit -q maker second:1 >/dev/null
    skiff rm maker >/dev/null
    skiff create --name user busybox true >/dev/null
    run skiff images --format '{{.Repository}}:{{.Tag}}' --filter reference!=second
    assert_output "localhost/busybox:latest"
    run skiff images --format '{{.Repository}}' --filter containers=true
    assert_output "localhost/busybox"
    run skiff images --format '{{.Repository}}' --filter containers=false
    assert_output "localhost/second"
    run skiff images -q --filter manifest=true
    assert_output ""
    run skiff images -q --filter readonly=true
    assert_output ""
    run skiff images -q --filter dangling=true
    assert_output ""
    run --separate-stderr skiff images --filter dangling=true --filter dangling=false
    assert_status 125
    assert_one_error_line 'specifying "dangling" filter more than once with different values is not supported'
    run --separate-stderr skiff images --filter bogus=1
    assert_status 125
    assert_one_error_line 'unsupported image filter "bogus"'
    run --separate-stderr skiff images --filter containers=maybe
    assert_status 125
    assert_one_error_line 'unsupported value "maybe" for containers filter'
    skiff rm user >/dev/null
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
