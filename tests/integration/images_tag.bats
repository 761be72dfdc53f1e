#!/usr/bin/env bats
# skiff tag and skiff untag: names added and removed, normalised as podman's, bad names refused whole.

load helpers

setup() {
    import_busybox
}

teardown() {
    skiff rmi -a -f >/dev/null 2>&1 || true
}

names() {
    skiff images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '
}

@test "tag adds normalised names that run and rmi understand" {
    run --separate-stderr skiff tag busybox bb:1 registry.example.com/team/bb:2 shell
    assert_status 0
    [[ -z $output && -z $stderr ]] || fail "tag printed: [$output] [$stderr]"
    [[ $(names) == "localhost/bb:1 localhost/busybox:latest localhost/shell:latest registry.example.com/team/bb:2 " ]] ||
        fail "names: $(names)"
    run skiff run --rm bb:1 echo tagged
    assert_output tagged
    run skiff rmi registry.example.com/team/bb:2
    assert_output "Untagged: registry.example.com/team/bb:2"
}

@test "a name moves from another image" {
    mkdir -p "$BATS_TEST_TMPDIR/other"
    echo other >"$BATS_TEST_TMPDIR/other/file"
    tar -C "$BATS_TEST_TMPDIR/other" -cf "$BATS_TEST_TMPDIR/other.tar" .
    local other_id
    other_id=$(skiff import "$BATS_TEST_TMPDIR/other.tar" other | cut -d: -f2)
    skiff tag busybox moving:1
    skiff tag other moving:1
    run skiff inspect --format '{{.Id}}' moving:1
    assert_output "$other_id"
    run skiff images --format '{{.Repository}}:{{.Tag}}' busybox
    assert_output "localhost/busybox:latest"
}

@test "bad names change nothing" {
    local before
    before=$(names)
    run --separate-stderr skiff tag busybox good:1 UPPER:1
    assert_status 125
    assert_one_error_line UPPER "repository name must be lowercase"
    run --separate-stderr skiff tag busybox "x@sha256:$(printf '%064d' 0)"
    assert_status 125
    assert_one_error_line "tag by digest not supported"
    [[ $(names) == "$before" ]] || fail "names changed: $(names)"
    run --separate-stderr skiff tag nosuch x
    assert_status 125
    assert_one_error_line "nosuch: image not known"
    run --separate-stderr skiff tag busybox
    assert_status 125
    assert_one_error_line "requires at least 2 args"
}

@test "untag removes the names given, or all; the image stays" {
    skiff tag busybox a:1 b:1
    run --separate-stderr skiff untag busybox a:1
    assert_status 0
    [[ $(names) == "localhost/b:1 localhost/busybox:latest " ]] || fail "names: $(names)"
    run --separate-stderr skiff untag busybox nothere:1
    assert_status 125
    assert_one_error_line "localhost/nothere:1: tag not known"
    local id
    id=$(skiff images -q | head -1)
    skiff untag b:1
    run skiff images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    assert_output "<none>:<none> $id"
    run skiff run --rm "$id" echo still here
    assert_output "still here"
}

@test "skiff image: podman's subcommand names reach the same commands; image exists" {
    run skiff image ls --format '{{.Repository}}'
    assert_output localhost/busybox
    run skiff image list -q
    [[ $output =~ ^[0-9a-f]{12}$ ]] || fail "image list -q: $output"
    run skiff image exists busybox
    assert_status 0
    [[ -z $output ]] || fail "exists printed: $output"
    run skiff image exists nosuch
    assert_status 1
    [[ -z $output ]] || fail "exists printed: $output"
    skiff image tag busybox via-parent:1
    run skiff image exists via-parent:1
    assert_status 0
    run skiff image rm via-parent:1
    assert_output "Untagged: localhost/via-parent:1"
    run --separate-stderr skiff image
    assert_status 125
    assert_one_error_line "missing command 'skiff image COMMAND'"
    run --separate-stderr skiff image bogus
    assert_status 125
    assert_one_error_line "unrecognized command \`skiff image bogus\`"
    [[ $("$SKIFF" help image ls) == "$("$SKIFF" image ls --help)" ]] || fail "help image ls differs"
}

# A one-file image of its own (a fresh id), named NAME; with LABEL=VALUE as a label.
import_small() {
    local name=$1 dir=$BATS_TEST_TMPDIR/small-$1
    mkdir -p "$dir/rootfs"
    echo "$name" >"$dir/rootfs/file"
    tar -C "$dir/rootfs" -cf "$dir/small.tar" .
    if [[ -n ${2:-} ]]; then
        skiff import --change "LABEL $2" "$dir/small.tar" "$name" | cut -d: -f2
    else
        skiff import "$dir/small.tar" "$name" | cut -d: -f2
    fi
}

@test "images --filter: dangling, reference, label, before, since, id; AND across keys, OR within one" {
    local a b c
    a=$(import_small first:1)
    sleep 1.1
    b=$(import_small second:1 stage=build)
    sleep 1.1
    c=$(import_small third:1)
    skiff untag third:1
    run skiff images -q --no-trunc --filter dangling=true
    assert_output "sha256:$c"
    run skiff images --format '{{.Repository}}' --filter reference=first
    assert_output localhost/first
    run skiff images --format '{{.Repository}}' -f 'reference=*:1' -f reference=busybox
    [[ $(sort <<<"$output" | tr '\n' ' ') == "localhost/busybox localhost/first localhost/second " ]] ||
        fail "OR within reference: $output"
    run skiff images -q --no-trunc --filter label=stage=build
    assert_output "sha256:$b"
    run skiff images -q --filter label=stage=other
    assert_output ""
    run skiff images -q --no-trunc --filter since=first:1 --filter dangling=false
    assert_output "sha256:$b"
    run skiff images -q --no-trunc --filter before=second:1 --filter reference=first
    assert_output "sha256:$a"
    run skiff images -q --no-trunc --filter "id=${b:0:8}"
    assert_output "sha256:$b"
    run --separate-stderr skiff images --filter color=red
    assert_status 125
    assert_one_error_line color
    run --separate-stderr skiff images --filter since=nosuch
    assert_status 125
    assert_one_error_line nosuch
}

@test "image prune: dangling images only, -a everything unused, never an image a container uses" {
    local dangling used
    dangling=$(import_small gone:1)
    skiff untag gone:1
    used=$(import_small used:1)
    skiff run --name user used:1 /file 2>/dev/null || true
    run --separate-stderr skiff image prune <<<"n"
    assert_status 0
    [[ $(skiff images -q | wc -l) -eq 3 ]] || fail "declined prune removed images"
    run --separate-stderr skiff image prune -f
    assert_status 0
    assert_output "$dangling"
    run --separate-stderr skiff image prune -a -f --filter reference=nosuch
    assert_output ""
    local busybox
    busybox=$(skiff images -q --no-trunc busybox)
    run --separate-stderr skiff image prune -a -f
    assert_status 0
    assert_output "${busybox#sha256:}"
    run skiff images --format '{{.Repository}}'
    assert_output localhost/used
    skiff rm user >/dev/null
    run skiff image prune -a -f
    assert_output "$used"
}

@test "history: newest step first with the image id, older ones <missing>; formats" {
    local id
    id=$(skiff images -q --no-trunc busybox)
    id=${id#sha256:}
    run skiff history busybox
    assert_status 0
    [[ ${lines[0]} == "ID "*"CREATED BY"*"SIZE"*"COMMENT"* ]] || fail "header: ${lines[0]}"
    [[ ${lines[1]} == "${id:0:12}  "*"ADD file:"*"MB"*"imported from tarball" ]] || fail "row: ${lines[1]}"
    run skiff history -q --no-trunc busybox
    assert_output "$id"
    # As podman's: --human=false changes dates only; sizes stay human.
    run skiff history --human=false --format '{{.Created}} {{.Size}}' busybox
    [[ $output =~ ^[0-9-]+T[0-9:]+Z\ [0-9.]+\ [kMG]?B$ ]] || fail "human=false: $output"
    run skiff image history --format json busybox
    [[ $(jq -r '.[0].comment' <<<"$output") == "imported from tarball" ]] || fail "json: $output"
    run --separate-stderr skiff history nosuch
    assert_status 125
    assert_one_error_line "nosuch: image not known"
}

@test "history --format json has podman's keys; CreatedAt and CreatedSince equal the image list's" {
    local id
    id=$(skiff images -q --no-trunc busybox)
    id=${id#sha256:}
    run skiff history --format json busybox
    assert_status 0
    [[ $(jq -r '.[0].id' <<<"$output") == "$id" ]] || fail "id: $output"
    [[ $(jq -r '.[0].size' <<<"$output") -gt 1000000 ]] || fail "size: $output"
    [[ $(jq -r '.[0].created' <<<"$output") =~ ^[0-9-]+T[0-9:.]+Z$ ]] || fail "created: $output"
    [[ $(jq -r '.[0].Created' <<<"$output") =~ ^[0-9-]+T[0-9:]+Z$ ]] || fail "Created: $output"
    [[ $(jq -r '.[0].CreatedBy' <<<"$output") == "/bin/sh -c #(nop) ADD file:"* ]] || fail "CreatedBy: $output"
    [[ $(grep -c '' <<<"$output") -eq 1 ]] || fail "not one line: $output"
    # The image is seconds old, so "N seconds ago" may tick between the two commands: asked again
    # until both are read within one second.
    local from_list from_history
    for _ in 1 2 3; do
        from_list=$(skiff images --format '{{.CreatedSince}}--{{.CreatedAt}}' busybox)
        from_history=$(skiff history --format '{{.CreatedSince}}--{{.CreatedAt}}' busybox)
        [[ $from_list == "$from_history" ]] && break
    done
    [[ $from_list == "$from_history" ]] || fail "images: [$from_list]" "history: [$from_history]"
}

@test "a temporary image record a killed writer left is swept by the next listing" {
    local id
    id=$(skiff images -q --no-trunc | head -1)
    id=${id#sha256:}
    cp "$SKIFF_TEST_ROOT/images/$id.json" "$SKIFF_TEST_ROOT/images/$id.json.tmp-999999"
    run skiff images -q
    assert_status 0
    [[ ! -e $SKIFF_TEST_ROOT/images/$id.json.tmp-999999 ]] || fail "the temporary record is left"
}

@test "a temporary name link a killed tag left is swept by the next tag" {
    local id
    id=$(skiff images -q --no-trunc | head -1)
    id=${id#sha256:}
    ln -s "$id" "$SKIFF_TEST_ROOT/images/names/.tmp-0123abcd"
    run skiff tag "$id" swept:latest
    assert_status 0
    [[ ! -L $SKIFF_TEST_ROOT/images/names/.tmp-0123abcd ]] || fail "the temporary name link is left"
    run skiff untag "$id" swept:latest
    assert_status 0
}
