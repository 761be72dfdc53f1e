#!/usr/bin/env bats
# Decompression bombs against a store on a small file system of its own (a 300 MiB tmpfs): every
# path that writes layer content (pull from an OCI layout, load, import) stops with one clear error
# before the file system drops below skiff's free-space reserve, and removes what it wrote. A layer
# stream longer than its manifest says stops at that size.

load helpers

SMALL_MIB=300
BOMB_BYTES=$((1 << 30))  # inflates to 1 GiB from about 1 MiB

setup_file() {
    skiff_setup_file
    export SMALL=$SKIFF_TEST_DIR/small
    mkdir -p "$SMALL"
    mount -t tmpfs -o size=${SMALL_MIB}m skiff-test-small "$SMALL"
    export BOMB=$SKIFF_TEST_DIR/bomb
    mkdir -p "$BOMB"
    "$REPO/tests/fixtures/mkbomb" --size "$BOMB_BYTES" --out "$BOMB/layer.tar.gz" --layout "$BOMB/layout" \
        --docker-archive "$BOMB/archive.tar"
}

teardown_file() {
    umount "$SMALL" 2>/dev/null || true
    skiff_teardown_file
}

setup() {
    rm -rf "${SMALL:?}"/* "$SKIFF_TEST_DIR/small-runroot"
}

# skiff with its store on the small file system.
skiff_small() {
    timeout --foreground -k 5 "$SKIFF_TEST_TIMEOUT" \
        "$SKIFF" --root "$SMALL/root" --runroot "$SKIFF_TEST_DIR/small-runroot" "$@"
}

used_kib() { df --output=used -k "$SMALL" | tail -1 | tr -d ' '; }

# Nothing left by the failed write: no layer, no staging entry, no blob but what an image lists,
# and the file system's space back.
assert_nothing_left() {
    local left
    left=$(find "$SMALL/root/layers" "$SMALL/root/staging" -mindepth 1 -maxdepth 1 2>/dev/null)
    [[ -z $left ]] || fail "left in the store:" "$left" || return 1
    run skiff_small images -q
    [[ -z $output ]] || fail "images left: $output" || return 1
    local used
    used=$(used_kib)
    ((used < 4096)) || fail "$used KiB still used on the small file system"
}

assert_reserve_error() {
    assert_status 125
    assert_one_error_line "the store's file system would have less than" "MiB free"
}

# The least free space (KiB) on the small file system while "$@" runs, sampled every 20 ms.
min_free_during() {
    local log=$SKIFF_TEST_DIR/free.log
    : >"$log"
    (while :; do df --output=avail -k "$SMALL" | tail -1 >>"$log"; sleep 0.02; done) &
    local sampler=$!
    "$@"
    kill "$sampler"
    wait "$sampler" 2>/dev/null || true
    MIN_FREE_KIB=$(sort -n "$log" | head -1 | tr -d ' ')
}

@test "a decompression bomb pulled from an OCI layout stops at the reserve and leaves nothing" {
    min_free_during run --separate-stderr skiff_small pull -q "oci:$BOMB/layout"
    assert_reserve_error
    # The reserve of a 300 MiB file system is a quarter of it: never crossed.
    ((MIN_FREE_KIB >= 75 * 1024)) || fail "free space fell to $MIN_FREE_KIB KiB, below the 75 MiB reserve"
    assert_nothing_left
}

@test "a decompression bomb in a docker-archive stops at the reserve on load" {
    run --separate-stderr skiff_small load -i "$BOMB/archive.tar"
    assert_reserve_error
    assert_nothing_left
}

@test "a decompression bomb stops at the reserve on import" {
    run --separate-stderr skiff_small import "$BOMB/layer.tar.gz" bomb
    assert_reserve_error
    assert_nothing_left
}

@test "a store keeping its reserve still takes a normal image, and stops short of the reserve" {
    local tar
    tar=$(busybox_tarball)
    run --separate-stderr skiff_small import "$tar" busybox
    assert_status 0
    # The bomb stopped while the reserve (a quarter of 300 MiB) and one check's step were free.
    run --separate-stderr skiff_small pull -q "oci:$BOMB/layout"
    assert_reserve_error
    local free_kib
    free_kib=$(df --output=avail -k "$SMALL" | tail -1 | tr -d ' ')
    ((free_kib > 280 * 1024)) || fail "only $free_kib KiB free after the failed pull"
    run skiff_small images --format '{{.Repository}}'
    assert_output "localhost/busybox"
}

@test "a layer stream longer than its manifest's size stops at that size" {
    local layout=$SKIFF_TEST_DIR/short-layout
    rm -rf "$layout"
    cp -a "$BOMB/layout" "$layout"
    # The manifest claims 4096 bytes for the 1 MiB bomb: rewrite it and the index that names it.
    local index manifest new
    index=$layout/index.json
    manifest=$(jq -r '.manifests[0].digest' "$index")
    new=$(jq -c '.layers[0].size = 4096' "$layout/blobs/sha256/${manifest#sha256:}")
    local digest
    digest=$(printf '%s' "$new" | sha256sum | cut -d' ' -f1)
    printf '%s' "$new" >"$layout/blobs/sha256/$digest"
    jq -c ".manifests[0].digest = \"sha256:$digest\" | .manifests[0].size = ${#new}" "$index" >"$index.new"
    mv "$index.new" "$index"
    run --separate-stderr skiff pull -q "oci:$layout"
    assert_status 125
    assert_one_error_line "longer than the 4096 bytes"
    local left
    left=$(find "$SKIFF_TEST_ROOT/layers" "$SKIFF_TEST_ROOT/staging" -mindepth 1 -maxdepth 1 2>/dev/null)
    [[ -z $left ]] || fail "left in the store:" "$left"
}
