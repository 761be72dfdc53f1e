#!/usr/bin/env bats
# `skiff rmi`: podman's untag/delete rules, its output and exit codes, containers using an image, and
# layers removed only when the last image using them goes.

load helpers

setup() { skiff rmi -a -f >/dev/null 2>&1 || true; }

layer_count() { find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

@test "rmi of one of two names untags; of the last name deletes" {
    tar=$(busybox_tarball)
    id=$(skiff import "$tar" a | cut -d: -f2)
    skiff import "$tar" b >/dev/null  # same tarball, same mtime: the same image
    run --separate-stderr skiff rmi a
    assert_status 0
    assert_output "Untagged: localhost/a:latest"
    run --separate-stderr skiff rmi b
    assert_status 0
    assert_output "Untagged: localhost/b:latest
Deleted: $id"
    run skiff images -q
    assert_output ""
    [[ $(layer_count) -eq 0 ]] || fail "the layer was left"
}

@test "rmi by id of an image with several names needs -f" {
    tar=$(busybox_tarball)
    id=$(skiff import "$tar" a | cut -d: -f2)
    skiff import "$tar" b >/dev/null
    run --separate-stderr skiff rmi "${id:0:12}"
    assert_status 125
    assert_one_error_line "unable to delete image \"$id\" by ID with more than one tag" "please force removal"
    run --separate-stderr skiff rmi -f "${id:0:12}"
    assert_status 0
    # In the order of the image's names: the later import's name first, as podman's.
    assert_output "Untagged: localhost/b:latest
Untagged: localhost/a:latest
Deleted: $id"
}

@test "rmi of a missing image exits 1, -i ignores it, and the others are still removed" {
    tar=$(busybox_tarball)
    id=$(skiff import "$tar" present | cut -d: -f2)
    run --separate-stderr skiff rmi nope present
    assert_status 1
    assert_one_error_line "nope: image not known"
    assert_output_contains "Deleted: $id"
    run --separate-stderr skiff rmi -i nope
    assert_status 0
    run --separate-stderr skiff rmi
    assert_status 125
    assert_one_error_line "image name or ID must be specified"
}

@test "rmi -f of a missing image prints nothing and succeeds, as podman's" {
    run --separate-stderr skiff image rm --force bogus
    assert_status 0
    [[ -z $output && -z $stderr ]] || fail "printed: [$output] [$stderr]"
    run --separate-stderr skiff rmi bogus
    assert_status 1
    assert_one_error_line "bogus: image not known"
}

@test "a layer shared by two images stays until the second goes" {
    tar=$(busybox_tarball)
    skiff import "$tar" first >/dev/null
    skiff import - second <"$tar" >/dev/null  # from stdin: a new config, the same layer
    [[ $(layer_count) -eq 1 ]] || fail "layers: $(layer_count)"
    skiff rmi first >/dev/null
    [[ $(layer_count) -eq 1 ]] || fail "the shared layer went with the first image"
    run skiff run --rm second echo still-runs
    assert_output "still-runs"
    skiff rmi second >/dev/null
    [[ $(layer_count) -eq 0 ]] || fail "the layer stayed after the last image"
}

@test "an image used by a container is refused (exit 2) unless -f, which removes the container" {
    import_busybox used
    skiff run --name user-of-image used true
    run --separate-stderr skiff rmi used
    assert_status 2
    assert_one_error_line "image is in use by a container"
    run skiff ps -a -q
    [[ -n $output ]] || fail "the container went"
    run --separate-stderr skiff rmi -f used
    assert_status 0
    assert_output_contains "Deleted: "
    run skiff ps -a -q
    assert_output ""
}

@test "rmi -a removes every image and takes no names" {
    tar=$(busybox_tarball)
    skiff import "$tar" x >/dev/null
    skiff import - y <"$tar" >/dev/null
    run --separate-stderr skiff rmi -a x
    assert_status 125
    run --separate-stderr skiff rmi -a
    assert_status 0
    [[ $(grep -c '^Deleted: ' <<<"$output") -eq 2 ]] || fail "output: $output"
    run skiff images -q
    assert_output ""
    [[ $(layer_count) -eq 0 ]] || fail "layers left"
}

# A commit's base left nameless (untagged) is its dangling parent: rmi of the commit takes it too,
# --no-prune keeps it, and a parent with a name, another child or a container stays.
make_child_of_untagged_base() {
    tar=$(busybox_tarball)
    base=$(skiff import "$tar" base | cut -d: -f2)
    skiff run --name c1 base touch /x
    child=$(skiff commit -q c1 child | sed 's/^sha256://')
    skiff rm c1 >/dev/null
    skiff untag base
}

@test "rmi takes a dangling parent with it, as podman's; --no-prune keeps it" {
    make_child_of_untagged_base
    run --separate-stderr skiff rmi child
    assert_status 0
    assert_output "Untagged: localhost/child:latest
Deleted: $child
Deleted: $base"
    run skiff images -a -q
    assert_output ""

    make_child_of_untagged_base
    run --separate-stderr skiff rmi --no-prune child
    assert_status 0
    assert_output "Untagged: localhost/child:latest
Deleted: $child"
    run skiff images -a -q --no-trunc
    assert_output "sha256:$base"
}

@test "a parent that keeps a name, another child or a container is not pruned" {
    make_child_of_untagged_base
    skiff run --name c2 "$base" touch /y
    child2=$(skiff commit -q c2 child2 | sed 's/^sha256://')
    skiff rm c2 >/dev/null
    run --separate-stderr skiff rmi child
    assert_output "Untagged: localhost/child:latest
Deleted: $child"
    skiff create --name user "$base" true >/dev/null
    run --separate-stderr skiff rmi child2
    assert_output "Untagged: localhost/child2:latest
Deleted: $child2"
    skiff rm user >/dev/null
    skiff tag "$base" again
    [[ $(skiff images -q --no-trunc) == "sha256:$base" ]] || fail "the base went: $(skiff images -a)"
}

@test "rmi -a with a parent pruned on the way reports each image once" {
    make_child_of_untagged_base
    run --separate-stderr skiff rmi -a
    assert_status 0
    [[ $(grep -c "^Deleted: $base" <<<"$output") -eq 1 && $(grep -c "^Deleted: $child" <<<"$output") -eq 1 ]] ||
        fail "[$output] [$stderr]"
    [[ -z $stderr ]] || fail "stderr: [$stderr]"
}
