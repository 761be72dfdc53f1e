#!/usr/bin/env bats
# What a pull killed -9 leaves behind: its staging entries go at the next command that touches the
# layer store (here `images`), and its completed layers, which no image lists, go at `image prune`
# (with or without -a). A layer a live pull holds, the layers of present images and running
# containers are kept. The pulls read their second layer from a FIFO, so each is stopped mid-layer
# exactly where the test wants it.

load helpers

setup_file() {
    skiff_setup_file
    local src=$SKIFF_TEST_DIR/src
    mkdir -p "$src/one" "$src/two"
    echo first >"$src/one/first"
    head -c 4M /dev/urandom >"$src/two/second"
    export LAYOUT=$SKIFF_TEST_DIR/layout
    "$REPO/tools/mkimage-oci" --compress none --out "$LAYOUT" "$src/one" "$src/two" >/dev/null
    local manifest config
    manifest=$LAYOUT/blobs/sha256/$(jq -r '.manifests[0].digest' "$LAYOUT/index.json" | cut -d: -f2)
    config=$LAYOUT/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)
    export LAYER1_HEX LAYER2_BLOB FIFO
    LAYER1_HEX=$(jq -r '.rootfs.diff_ids[0]' "$config" | cut -d: -f2)
    FIFO=$LAYOUT/blobs/sha256/$(jq -r '.layers[1].digest' "$manifest" | cut -d: -f2)
    # The second layer's blob becomes a FIFO fed by the test; its bytes are kept aside.
    LAYER2_BLOB=$SKIFF_TEST_DIR/layer2.blob
    mv "$FIFO" "$LAYER2_BLOB"
    mkfifo "$FIFO"
}

setup() {
    PULL_PID=
    # A store of each test's own.
    export SKIFF_TEST_ROOT=$SKIFF_TEST_DIR/root-$BATS_TEST_NUMBER
    export SKIFF_TEST_RUNROOT=$SKIFF_TEST_DIR/runroot-$BATS_TEST_NUMBER
    mkdir -p "$SKIFF_TEST_ROOT" "$SKIFF_TEST_RUNROOT"
}

teardown() {
    [[ -n ${PULL_PID:-} ]] && kill -9 "$PULL_PID" 2>/dev/null
    exec 7>&- 2>/dev/null || true
    skiff_teardown
}

staging_entries() { find "$SKIFF_TEST_ROOT/staging" -mindepth 1 -maxdepth 1 2>/dev/null; }
layer_present() { [[ -e $SKIFF_TEST_ROOT/layers/$LAYER1_HEX/layer.json ]]; }

wait_until() {
    local i
    for ((i = 0; i < 200; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    fail "timed out waiting for: $*"
}

staging_has_layer() { [[ -n $(find "$SKIFF_TEST_ROOT/staging" -mindepth 1 -maxdepth 1 -name 'layer-*' 2>/dev/null) ]]; }

# Start a pull of the layout and stop it mid-way through its second layer: the first layer is
# published, the second is being unpacked into staging/.
start_stalled_pull() {
    "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" pull -q "oci:$LAYOUT" \
        >"$SKIFF_TEST_DIR/pull.out" 2>"$SKIFF_TEST_DIR/pull.err" &
    PULL_PID=$!
    exec 7>"$FIFO"  # waits for the pull to open the blob
    head -c 1000000 "$LAYER2_BLOB" >&7
    wait_until layer_present
    wait_until staging_has_layer
}

kill_pull() {
    kill -9 "$PULL_PID"
    wait "$PULL_PID" 2>/dev/null || true
    PULL_PID=
    exec 7>&-
}

@test "a pull killed mid-layer: the next images sweeps its staging directory" {
    start_stalled_pull
    kill_pull
    [[ -n $(staging_entries) ]] || fail "the killed pull left nothing to sweep: the test proves nothing"
    run skiff images -q
    assert_status 0
    run staging_entries
    assert_output ""
}

@test "a killed pull's completed layer, which no image lists, goes at image prune" {
    start_stalled_pull
    kill_pull
    layer_present || fail "the first layer was not left behind"
    run --separate-stderr skiff image prune -f
    assert_status 0
    ! layer_present || fail "image prune kept layer $LAYER1_HEX that no image lists"
    run staging_entries
    assert_output ""
}

@test "a killed pull's completed layer goes at image prune -a; present images and running containers keep theirs" {
    import_busybox
    skiff run -d --name keeper busybox sleep 1000 >/dev/null
    start_stalled_pull
    kill_pull
    run --separate-stderr skiff image prune -a -f
    assert_status 0
    ! layer_present || fail "image prune -a kept layer $LAYER1_HEX that no image lists"
    # busybox's layer stays: the running container's image lists it.
    local busybox_layer
    busybox_layer=$(skiff image inspect busybox | jq -r '.[0].RootFS.Layers[0]' | cut -d: -f2)
    [[ -e $SKIFF_TEST_ROOT/layers/$busybox_layer/layer.json ]] || fail "busybox's layer was removed"
    run skiff exec keeper echo alive
    assert_status 0
    assert_output alive
    run skiff run --rm busybox echo still
    assert_output still
    skiff rm -f -t 0 keeper >/dev/null
}

@test "a layer a live pull holds is not pruned, nor its staging directory swept; the pull then completes" {
    start_stalled_pull
    run --separate-stderr skiff image prune -a -f
    assert_status 0
    run skiff images -q
    layer_present || fail "prune removed the layer a live pull holds"
    staging_has_layer || fail "a live pull's staging directory was swept"
    tail -c +1000001 "$LAYER2_BLOB" >&7
    exec 7>&-
    wait "$PULL_PID"
    local status=$?
    PULL_PID=
    [[ $status -eq 0 ]] || fail "the pull failed: $(cat "$SKIFF_TEST_DIR/pull.err")"
    run skiff images -q
    [[ $(wc -l <<<"$output") -eq 1 && -n $output ]] || fail "want the pulled image, got [$output]"
    layer_present || fail "the pulled image's first layer is missing"
    run staging_entries
    assert_output ""
}

@test "system prune: stopped containers, a killed pull's layer, with --volumes unused volumes, as podman prints it" {
    import_busybox
    skiff run --name finished busybox true
    skiff run -d --name keeper busybox sleep 1000 >/dev/null
    skiff volume create unused >/dev/null
    local finished
    finished=$(skiff inspect finished --format '{{.Id}}')
    start_stalled_pull
    kill_pull
    run --separate-stderr skiff system prune <<<"n"
    assert_status 0
    assert_output_contains "WARNING! This command removes:"
    layer_present || fail "a declined prune removed a layer"
    run --separate-stderr skiff system prune -f
    assert_status 0
    assert_output "$(printf 'Deleted Containers\n%s\nTotal reclaimed space: 0B' "$finished")"
    ! layer_present || fail "system prune kept layer $LAYER1_HEX that no image lists"
    skiff volume exists unused || fail "system prune without --volumes removed a volume"
    run --separate-stderr skiff system prune -a -f --volumes
    assert_status 0
    assert_output "$(printf 'Deleted Volumes\nunused\nTotal reclaimed space: 0B')"
    run skiff exec keeper echo alive
    assert_output alive
    skiff rm -f -t 0 keeper >/dev/null
}
