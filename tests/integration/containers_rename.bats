#!/usr/bin/env bats
# rename, and the container parent command: list/ls, rename, rm, exists, prune.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "rename: the new name works, the old one is free, a taken one is refused" {
    skiff run --name first busybox true
    skiff run --name second busybox true
    run --separate-stderr skiff rename first renamed
    assert_status 0
    [[ -z $output && -z $stderr ]]
    run skiff ps -a --format '{{.Names}}' --filter name=renamed
    assert_output renamed
    run skiff container exists first
    assert_status 1
    skiff run --name first busybox true  # the old name can be taken again
    run --separate-stderr skiff rename renamed second
    assert_status 125
    assert_one_error_line second "already in use"
    run skiff container exists renamed
    assert_status 0
    run --separate-stderr skiff rename renamed 'bad name'
    assert_status 125
    assert_one_error_line "invalid container name"
    run --separate-stderr skiff container rename nosuch x
    assert_status 125
    assert_one_error_line nosuch
}

@test "container: ls, exists, rm, prune; a missing or unknown subcommand fails as podman's" {
    skiff run --name first busybox true
    skiff run --name second busybox true
    run skiff container ls -a --format '{{.Names}}'
    [[ $(sort <<<"$output" | tr '\n' ' ') == "first second " ]] || fail "ls: $output"
    run skiff container exists first
    assert_status 0
    [[ -z $output ]]
    run skiff container rm first
    assert_status 0
    run skiff container exists first
    assert_status 1
    run skiff container prune <<<"n"
    assert_status 0
    run skiff container exists second
    assert_status 0
    local id
    id=$(skiff ps -a --no-trunc -q --filter name=second)
    run --separate-stderr skiff container prune -f
    assert_status 0
    assert_output "$id"
    run skiff ps -a -q
    assert_output ""
    run --separate-stderr skiff container
    assert_status 125
    assert_one_error_line "missing command 'skiff container COMMAND'"
    run --separate-stderr skiff container bogus
    assert_status 125
    assert_one_error_line "unrecognized command \`skiff container bogus\`"
}
