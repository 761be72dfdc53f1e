#!/usr/bin/env bats
# ps --filter: podman's keys, OR within a key, AND across keys; every state looked at with --all or
# a status= filter, only running containers otherwise (podman's rule). --sort and --noheading.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    skiff run --name one -l team=a busybox true
    skiff run --name two busybox sh -c 'exit 3' || true
    skiff run --name three -l team=b busybox true
}

teardown() {
    :  # the three containers are shared by every test of this file
}

names() {
    skiff ps -a "$@" --format '{{.Names}}' | sort | tr '\n' ' '
}

@test "status, exited, name, label, with AND and OR" {
    [[ $(names --filter status=exited) == "one three two " ]] || fail "$(names --filter status=exited)"
    [[ $(names --filter status=running) == "" ]]
    [[ $(names --filter exited=3) == "two " ]]
    [[ $(names --filter exited=3 --filter exited=0) == "one three two " ]]
    [[ $(names --filter name='^t') == "three two " ]]
    [[ $(names --filter label=team) == "one three " ]]
    [[ $(names --filter label=team=b --filter name=t) == "three " ]]
    [[ $(names --filter label=team=a --filter exited=3) == "" ]]
}

@test "without --all, only a status= filter looks at containers that are not running" {
    run skiff ps --filter name=one --format '{{.Names}}'
    assert_status 0
    assert_output ""
    run skiff ps --filter status=exited --filter exited=3 --format '{{.Names}}'
    assert_output "two"
    run skiff ps --filter status=stopped --filter exited=3 --format '{{.Names}}'
    assert_output "two"
    run skiff ps --last 1 --format '{{.Names}}'
    assert_output "three"
}

@test "--sort: podman's keys, ascending; another key is an error" {
    run skiff ps -a --sort names --format '{{.Names}}'
    assert_output $'one\nthree\ntwo'
    run skiff ps -a --sort created --format '{{.Names}}'
    assert_output $'one\ntwo\nthree'
    run --separate-stderr skiff ps --sort color
    assert_status 125
    assert_one_error_line color --sort
}

@test "--noheading leaves the table's header out" {
    run skiff ps -a --noheading
    assert_status 0
    [[ ${#lines[@]} -eq 3 && $output != *"CONTAINER ID"* ]] || fail "$output"
    run skiff ps --noheading --format 'table {{.Names}}' --filter name=two -a
    assert_output "two"
}

@test "id, ancestor, before, since" {
    local id
    id=$(skiff ps -a --no-trunc --filter name=one --format '{{.ID}}')
    [[ $(names --filter "id=${id:0:10}") == "one " ]]
    [[ $(names --filter ancestor=busybox) == "one three two " ]]
    [[ $(names --filter ancestor=localhost/busybox:latest) == "one three two " ]]
    [[ $(names --filter ancestor=other) == "" ]]
    [[ $(names --filter since=one) == "three two " ]]
    [[ $(names --filter before=two) == "one " ]]
}

@test "bad filters: one clear error" {
    run --separate-stderr skiff ps --filter status=sleeping
    assert_status 125
    assert_one_error_line sleeping
    run --separate-stderr skiff ps --filter color=red
    assert_status 125
    assert_one_error_line color
    run --separate-stderr skiff ps --filter since=nosuch
    assert_status 125
    assert_one_error_line nosuch
    run --separate-stderr skiff ps --filter 'name=('
    assert_status 125
    assert_one_error_line "regular expression"
}

@test "--external lists every container skiff's store holds, as podman's setup asks for it" {
    # podman's own test setup runs `ps --all --external`; skiff's store has no other tool's
    # containers, so --external alone lists the stopped ones too.
    local external
    external=$(skiff ps --external --format '{{.Names}}' | sort | tr '\n' ' ')
    [[ $external == "one three two " ]] || fail "$external"
    [[ $(names --all --external) == "one three two " ]]
}
