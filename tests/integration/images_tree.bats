#!/usr/bin/env bats
# skiff image tree: an image's layers with containers/storage's layer ids, the images each layer is
# the top of, and --whatrequires' tree of what is built on an image; and podman's output for the
# same images, loaded into a podman store on this machine from skiff's own archive.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox base
    skiff tag base other:1
    local c
    for c in child1 child2; do
        skiff run --name "mk-$c" base sh -c "echo $c > /$c" >/dev/null
        skiff commit -q "mk-$c" "$c" >/dev/null
        skiff rm "mk-$c" >/dev/null
    done
    # child1 again, one layer higher.
    skiff run --name mk-grand child1 sh -c 'echo grand > /grand' >/dev/null
    skiff commit -q mk-grand grand >/dev/null
    skiff rm mk-grand >/dev/null
}

teardown_file() { skiff_teardown_file; }

# containers/storage's id of the layer chain DIFF_ID...: the first diff id's hex, then
# sha256("PARENT+HEX") for each one above.
layer_id() {
    local id=${1#sha256:} d
    shift
    for d in "$@"; do id=$(printf '%s+%s' "$id" "${d#sha256:}" | sha256sum | cut -c1-64); done
    echo "${id:0:12}"
}

@test "image tree: the image, its tags and size, then its layers bottom first with their ids and top images" {
    local -a diffs
    mapfile -t diffs < <(skiff image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' grand | grep .)
    [[ ${#diffs[@]} -eq 3 ]] || fail "grand has ${#diffs[@]} layers"
    run --separate-stderr skiff image tree grand
    assert_status 0
    local id
    id=$(skiff image inspect --format '{{.ID}}' grand)
    [[ ${lines[0]} == "Image ID: ${id:0:12}" ]] || fail "line 1: ${lines[0]}"
    [[ ${lines[1]} == "Tags:     [localhost/grand:latest]" ]] || fail "line 2: ${lines[1]}"
    [[ ${lines[2]} =~ ^Size:\ {5}[0-9.]+[kM]B$ ]] || fail "line 3: ${lines[2]}"
    [[ ${lines[3]} == "Image Layers" ]] || fail "line 4: ${lines[3]}"
    [[ ${lines[4]} =~ ^├──\ ID:\ $(layer_id "${diffs[0]}")\ Size:\ +[0-9.]+[kM]B\ Top\ Layer\ of:\ \[localhost/base:latest\ localhost/other:1\]$ ]] ||
        fail "line 5: ${lines[4]}"
    [[ ${lines[5]} =~ ^├──\ ID:\ $(layer_id "${diffs[0]}" "${diffs[1]}")\ Size:\ +[0-9.]+kB\ Top\ Layer\ of:\ \[localhost/child1:latest\]$ ]] ||
        fail "line 6: ${lines[5]}"
    [[ ${lines[6]} =~ ^└──\ ID:\ $(layer_id "${diffs[@]}")\ Size:\ +[0-9.]+kB\ Top\ Layer\ of:\ \[localhost/grand:latest\]$ ]] ||
        fail "line 7: ${lines[6]}"
    [[ ${#lines[@]} -eq 7 ]] || fail "want 7 lines:" "$output"
}

@test "image tree --whatrequires: the layers built on the image, branching where several are" {
    run --separate-stderr skiff image tree --whatrequires base
    assert_status 0
    # libimage's walk: base's layer is listed, then, as it has two children, each child starts a
    # branch of its own; grand's layer, the only child of child1's, goes into that branch.
    local tree
    tree=$(sed -n '5,$p' <<<"$output" | sed -E 's/ID: [0-9a-f]{12} Size: +[0-9.]+[kM]?B//')
    [[ $tree == "├──  Top Layer of: [localhost/base:latest localhost/other:1]
├──  Top Layer of: [localhost/child1:latest]
│   └──  Top Layer of: [localhost/grand:latest]
└──  Top Layer of: [localhost/child2:latest]" ]] || fail "the tree:" "$output"
}

@test "image tree: bad input is one Error line, exit 125" {
    run --separate-stderr skiff image tree
    assert_status 125
    [[ $stderr == "Error: accepts 1 arg(s), received 0" ]] || fail "stderr: $stderr"
    run --separate-stderr skiff image tree no-such-image
    assert_status 125
    assert_one_error_line
}

@test "image tree prints what podman prints for the same images (but the image's size, counted otherwise)" {
    command -v podman >/dev/null || skip "podman is needed"
    local -a p=(podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run"
        --storage-driver vfs --cgroup-manager cgroupfs)
    # Loaded oldest first, as skiff stored them: the order of a layer's children follows it.
    local img want got
    for img in base child1 child2 grand; do
        skiff save -q --format docker-archive -o "$BATS_TEST_TMPDIR/$img.tar" "$img"
        "${p[@]}" load -q -i "$BATS_TEST_TMPDIR/$img.tar" >/dev/null || fail "podman load $img failed"
    done
    "${p[@]}" tag localhost/base:latest localhost/other:1
    for img in base child1 grand "--whatrequires base" "--whatrequires child1"; do
        # shellcheck disable=SC2086 # the arguments are words
        want=$("${p[@]}" image tree $img 2>&1 | grep -v '^Size: ') || fail "podman image tree $img failed: $want"
        # shellcheck disable=SC2086
        got=$(skiff image tree $img 2>&1 | grep -v '^Size: ') || fail "skiff image tree $img failed: $got"
        [[ $got == "$want" ]] || fail "image tree $img:" "podman:" "$want" "skiff:" "$got"
    done
}
