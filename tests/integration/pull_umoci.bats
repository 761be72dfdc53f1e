#!/usr/bin/env bats
# skiff pull ≡ umoci unpack: images whose layers python's tarfile writes (tests/fixtures/mklayers.py),
# assembled by umoci, pushed by skopeo to a real registry and pulled by skiff. The tree skiff's layers
# make (mounted read-only with overlay, and the vfs driver's copy) must list exactly as the rootfs
# `umoci unpack` makes of the same image (tests/fixtures/treesum.py: names, types, modes, owners,
# sizes, content hashes, link targets, xattrs, hard link groups). Hostile layers pulled from the
# registry are refused with one clear error, nothing stored and nothing written outside.

load helpers
load registry_helpers

HOSTILE=(dotdot dotdot-deep symlink-escape symlink-escape-relative symlink-escape-dir hardlink-escape
    hardlink-escape-absolute hardlink-through-symlink whiteout-escape)

# An OCI layout tag NAME made by umoci from the layers mklayers.py writes for NAME, pushed as
# test/NAME:1.
build_and_push() {
    local name=$1 layers=$FIXTURES/layers-$1 l
    python3 "$REPO/tests/fixtures/mklayers.py" "$name" "$layers" "$OUTSIDE" || return 1
    umoci new --image "$LAYOUT:$name" || return 1
    for l in "$layers"/layer-*.tar; do
        umoci raw add-layer --image "$LAYOUT:$name" --history.created_by "mklayers.py $name ${l##*/}" "$l" || return 1
    done
    registry_push_oci "$LAYOUT:$name" "test/$name:1"
}

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    export FIXTURES=$SKIFF_TEST_DIR/fixtures LAYOUT=$SKIFF_TEST_DIR/fixtures/layout
    export OUTSIDE=$SKIFF_TEST_DIR/outside
    mkdir -p "$FIXTURES" "$OUTSIDE"
    umoci init --layout "$LAYOUT"
    local name
    for name in features many small absolute implicit-parent "${HOSTILE[@]}"; do
        build_and_push "$name" || {
            echo "# could not build or push the image $name" >&3
            return 1
        }
    done
    # What umoci makes of the good images: the listings every test compares with.
    for name in features many implicit-parent; do
        umoci unpack --image "$LAYOUT:$name" "$FIXTURES/bundle-$name" >/dev/null
        # umoci makes the root 0755; containers/storage (podman) makes every layer's root 0555, and
        # skiff follows podman: the root's line is expected as podman has it (the podman test below
        # compares whole trees with podman's own).
        python3 "$REPO/tests/fixtures/treesum.py" "$FIXTURES/bundle-$name/rootfs" |
            awk -F '\t' -v OFS='\t' '$1 == "." { $3 = "0555" } 1' >"$FIXTURES/$name.umoci"
    done
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
    rm -rf "${OUTSIDE:?}"/*
    echo original >"$OUTSIDE/sentinel"
    MNT=
}

teardown() {
    if [[ -n $MNT ]] && mountpoint -q "$MNT"; then umount "$MNT"; fi
    skiff_teardown
}

pull() {
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/$1:1"
}

# Mount image IMG's layers read-only with overlay at $BATS_TEST_TMPDIR/mnt (exported as MNT). The
# layers are named by short symbolic links so any number of them fits in the mount options.
mount_image() {
    local img=$1 upper lower dirs=() i links=$BATS_TEST_TMPDIR/l
    upper=$(skiff image inspect --format '{{.GraphDriver.Data.UpperDir}}' "$img") || return 1
    lower=$(skiff image inspect --format '{{.GraphDriver.Data.LowerDir}}' "$img") || return 1
    [[ -d $upper ]] || fail "UpperDir of $img is not a directory: [$upper]" || return 1
    dirs=("$upper")
    [[ -z $lower || $lower == "<no value>" ]] || IFS=: read -r -a more <<<"$lower"
    dirs+=("${more[@]}")
    mkdir -p "$links"
    local opt=
    for i in "${!dirs[@]}"; do
        [[ -d ${dirs[i]} ]] || fail "layer directory ${dirs[i]} of $img is missing" || return 1
        ln -sfn "${dirs[i]}" "$links/$i"
        opt+=${opt:+:}$i
    done
    MNT=$BATS_TEST_TMPDIR/mnt
    mkdir -p "$MNT"
    (cd "$links" && mount -t overlay overlay -o "ro,lowerdir=$opt" "$MNT") || {
        MNT=
        return 1
    }
    echo "${#dirs[@]}"
}

# Compare the tree under DIR with umoci's listing of image NAME; the diff is the failure message.
assert_tree_is_umoci() {
    local dir=$1 name=$2 got=$BATS_TEST_TMPDIR/$2.skiff
    python3 "$REPO/tests/fixtures/treesum.py" "$dir" >"$got" || fail "treesum.py $dir failed" || return 1
    local d
    d=$(diff -u "$FIXTURES/$name.umoci" "$got") && return 0
    fail "the tree skiff made of $name differs from umoci unpack's (- umoci, + skiff):" "$d"
}

@test "features image: the overlay of skiff's layers is the tree umoci unpacks" {
    run --separate-stderr pull features
    assert_status 0
    run mount_image "$REGISTRY/test/features:1"
    assert_status 0
    assert_output 3
    MNT=$BATS_TEST_TMPDIR/mnt
    assert_tree_is_umoci "$MNT" features
}

# The vfs driver's copy of image NAME, as a container gets it, listed into OUT. The runtime makes its
# mount targets (/proc, /sys, /dev, /etc/hosts…) in the copy: those the image does not have are left
# out of the listing.
vfs_rootfs_listing() {
    local name=$1 out=$2 img=$REGISTRY/test/$1:1 id
    skiff_vfs pull -q --cert-dir "$CERT_DIR" "$img" >/dev/null || return 1
    # The command does not exist (the images have none): the copy is made before that is found.
    skiff_vfs run --name vfs-copy "$img" /nonexistent >/dev/null 2>&1 || true
    id=$(skiff_vfs ps -a -q --no-trunc --filter name=vfs-copy) || return 1
    local rootfs=$SKIFF_TEST_DIR/vfs-root/containers/$id/rootfs
    [[ -n $id && -d $rootfs ]] || fail "no vfs copy at $rootfs" || return 1
    python3 "$REPO/tests/fixtures/treesum.py" "$rootfs" | awk -F '\t' -v image="$FIXTURES/$name.umoci" '
        BEGIN {
            while ((getline line < image) > 0) { split(line, f, "\t"); has[f[1]] = 1 }
            n = split("dev etc proc sys etc/hostname etc/hosts etc/resolv.conf etc/mtab run run/.containerenv", t, " ")
            for (i = 1; i <= n; i++) target[t[i]] = 1
        }
        !($1 in target) || ($1 in has)' >"$out"
    skiff_vfs rm -f vfs-copy >/dev/null
}

@test "vfs driver: the copy of the features and 30-layer images is the tree umoci unpacks" {
    local name d
    for name in features many; do
        vfs_rootfs_listing "$name" "$BATS_TEST_TMPDIR/$name.vfs"
        d=$(diff -u "$FIXTURES/$name.umoci" "$BATS_TEST_TMPDIR/$name.vfs") ||
            fail "the vfs copy of $name differs from umoci unpack's (- umoci, + skiff):" "$d" || return 1
    done
}

@test "30-layer image: the overlay of skiff's layers is the tree umoci unpacks" {
    run --separate-stderr pull many
    assert_status 0
    run mount_image "$REGISTRY/test/many:1"
    assert_status 0
    assert_output 30
    MNT=$BATS_TEST_TMPDIR/mnt
    assert_tree_is_umoci "$MNT" many
}

@test "a directory's entry not repeated in the layer above: its parent is made 0755 root, as podman does" {
    # umoci keeps the lower directory's mode and owner; a layer stored once for every image that uses
    # it cannot know its lower layers, and podman's overlay driver makes the same directory.
    run --separate-stderr pull implicit-parent
    assert_status 0
    run mount_image "$REGISTRY/test/implicit-parent:1"
    assert_status 0
    MNT=$BATS_TEST_TMPDIR/mnt
    python3 "$REPO/tests/fixtures/treesum.py" "$MNT" >"$BATS_TEST_TMPDIR/got"
    run diff "$FIXTURES/implicit-parent.umoci" "$BATS_TEST_TMPDIR/got"
    assert_output $'2c2\n< data\tdir\t0750\t1000:1000\n---\n> data\tdir\t0755\t0:0'
}

# podman (installed beside skiff, with its own store under this file's directory) pulls image NAME
# from the same registry and mounts it: its listing of the image's tree goes to stdout.
podman_image_listing() {
    local name=$1 img=$REGISTRY/test/$1:1 mnt
    local -a p=(podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run"
        --storage-driver overlay --cgroup-manager cgroupfs)
    "${p[@]}" pull -q --cert-dir "$CERT_DIR" "$img" >/dev/null || return 1
    mnt=$("${p[@]}" image mount "$img") || return 1
    python3 "$REPO/tests/fixtures/treesum.py" "$mnt"
    local rc=$?
    "${p[@]}" image unmount "$img" >/dev/null
    # podman's overlay driver leaves its store's directory bind-mounted on itself.
    "${p[@]}" rmi -a -f >/dev/null 2>&1
    ! mountpoint -q "$SKIFF_TEST_DIR/podman-root/overlay" || umount "$SKIFF_TEST_DIR/podman-root/overlay"
    return $rc
}

@test "30-layer and implicit-parent images: the tree is the one podman makes of them here" {
    # (podman's storage refuses the features image: a directory whited out and made again in one
    # layer, with a file put in it, fails there with "not a directory".)
    command -v podman >/dev/null || skip "podman is needed"
    local name d
    for name in many implicit-parent; do
        run --separate-stderr pull "$name"
        assert_status 0
        mount_image "$REGISTRY/test/$name:1" >/dev/null || fail "cannot mount $name" || return 1
        MNT=$BATS_TEST_TMPDIR/mnt
        python3 "$REPO/tests/fixtures/treesum.py" "$MNT" >"$BATS_TEST_TMPDIR/$name.skiff"
        umount "$MNT"
        MNT=
        podman_image_listing "$name" >"$BATS_TEST_TMPDIR/$name.podman" || fail "podman could not mount $name" || return 1
        d=$(diff -u "$BATS_TEST_TMPDIR/$name.podman" "$BATS_TEST_TMPDIR/$name.skiff") ||
            fail "the tree skiff made of $name differs from podman's (- podman, + skiff):" "$d" || return 1
    done
}

# Host files a hostile layer aims at, with their hashes.
host_files() {
    sha256sum /etc/passwd /etc/group "$OUTSIDE/sentinel"
    ls -A "$OUTSIDE"
}

# After a refused pull of NAME: no image, no layer (not even the good first one, unpacked at the same
# time), no staging directory, host files as they were, and the store still pulls.
assert_refused_cleanly() {
    local name=$1 before=$2
    local left
    # Before any other skiff command, which would sweep what a dead process left.
    left=$(find "$SKIFF_TEST_ROOT/staging" -mindepth 1 2>/dev/null)
    [[ -z $left ]] || fail "staging left:" "$left" || return 1
    run skiff images -q
    [[ -z $output ]] || fail "images left: $output" || return 1
    left=$(find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 ! -name '*.lock' 2>/dev/null)
    [[ -z $left ]] || fail "left in the store's layers/:" "$left" || return 1
    left=$(find "$SKIFF_TEST_ROOT" -name '.staging-*' 2>/dev/null)
    [[ -z $left ]] || fail "staging left:" "$left" || return 1
    [[ $(host_files) == "$before" ]] || fail "host files changed:" "$(diff <(echo "$before") <(host_files))" || return 1
    [[ ! -e /etc/skiff-umoci-escape && ! -e $SKIFF_TEST_DIR/escape ]] || fail "written outside the layer" || return 1
    run --separate-stderr pull small
    assert_status 0
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$REGISTRY/test/small:1"
}

# Pull the hostile image NAME: exit 125, one error line naming each WORD, nothing left.
refused() {
    local name=$1 before
    shift
    before=$(host_files)
    run --separate-stderr pull "$name"
    assert_status 125
    assert_one_error_line "$REGISTRY/test/$name:1" "$@"
    assert_refused_cleanly "$name" "$before"
}

@test "a refused pull keeps no layer, not even the good one unpacked before the hostile one" {
    # --jobs 1: the good layer is unpacked, then the hostile one is refused.
    run --separate-stderr skiff pull -q --jobs 1 --cert-dir "$CERT_DIR" "$REGISTRY/test/dotdot:1"
    assert_status 125
    assert_one_error_line 'entry "../escape" escapes the layer'
    local left
    left=$(find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 ! -name '*.lock' 2>/dev/null)
    [[ -z $left ]] || fail "a refused pull left layers no image uses:" "$left"
}

@test "hostile layer: a .. entry" {
    refused dotdot 'entry "../escape" escapes the layer'
}

@test "hostile layer: a .. entry that climbs out through a directory of the layer" {
    refused dotdot-deep 'entry "a/../../' 'escapes the layer'
}

@test "hostile layer: a file written through a symlink to a directory outside" {
    refused symlink-escape 'entry "link/sentinel"' 'through the symbolic link "link"'
}

@test "hostile layer: a file written through a relative symlink that climbs out" {
    refused symlink-escape-relative 'entry "up/sentinel"' 'through the symbolic link "up"'
}

@test "hostile layer: a directory made through a symlink to /etc" {
    refused symlink-escape-dir 'entry "etc/skiff-umoci-escape' 'through the symbolic link "etc"'
}

@test "hostile layer: a hard link to ../../etc/passwd" {
    refused hardlink-escape 'entry "passwd" links to "../../etc/passwd" outside the layer'
}

@test "hostile layer: a hard link to an absolute path outside" {
    refused hardlink-escape-absolute 'entry "sentinel" links to' 'which is not in the layer'
}

@test "hostile layer: a hard link through a symlink to a directory outside" {
    refused hardlink-through-symlink 'entry "sentinel" links to "link/sentinel"' 'which is not in the layer'
}

@test "hostile layer: a whiteout through a symlink to a directory outside" {
    refused whiteout-escape 'entry "link/.wh.sentinel"' 'through the symbolic link "link"'
}

@test "an absolute name is made relative, as podman does, and stays in the layer" {
    local before
    before=$(host_files)
    run --separate-stderr pull absolute
    assert_status 0
    [[ $(host_files) == "$before" ]] || fail "host files changed"
    local upper
    upper=$(skiff image inspect --format '{{.GraphDriver.Data.UpperDir}}' "$REGISTRY/test/absolute:1")
    [[ $(cat "$upper/$OUTSIDE/sentinel") == "inside the layer" ]] || fail "not stored under the layer: $upper/$OUTSIDE"
    [[ $(cat "$OUTSIDE/sentinel") == original ]]
}
