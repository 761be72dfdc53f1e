#!/usr/bin/env bats
# `skiff load`: docker-archives as `podman save` writes them (one image or several) and oci-archives
# as `skopeo copy … oci-archive:` writes them, from a file or stdin; broken archives leave nothing.

load helpers

# podman works on its own private store; it only imports and saves here, it never runs anything.
podman_() {
    podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run" --storage-driver vfs "$@"
}

setup_file() {
    skiff_setup_file
    command -v podman >/dev/null && command -v skopeo >/dev/null || skip "podman and skopeo are needed"
    tar=$(busybox_tarball)
    podman_ import -q "$tar" saved/one >/dev/null
    podman_ import -q -c 'CMD ["echo", "two"]' "$tar" saved/two:2 >/dev/null
    podman_ save -q -o "$SKIFF_TEST_DIR/one.docker.tar" saved/one
    podman_ save -q -m -o "$SKIFF_TEST_DIR/multi.docker.tar" saved/one saved/two:2
    skopeo copy -q "containers-storage:[vfs@$SKIFF_TEST_DIR/podman-root+$SKIFF_TEST_DIR/podman-run]localhost/saved/two:2" \
        "oci-archive:$SKIFF_TEST_DIR/two.oci.tar:ocitwo:v1" >/dev/null
    export PODMAN_ONE_ID=$(podman_ images -q --no-trunc saved/one | cut -d: -f2)
    export PODMAN_TWO_ID=$(podman_ images -q --no-trunc saved/two:2 | cut -d: -f2)
}

setup() { skiff rmi -a -f >/dev/null 2>&1 || true; }

layer_dirs() { find "$SKIFF_TEST_ROOT/layers" "$SKIFF_TEST_ROOT/staging" -mindepth 1 -maxdepth 1 2>/dev/null | sort; }

@test "load -i a docker-archive: podman's names, the same image id, and it runs" {
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/one.docker.tar"
    assert_status 0
    assert_output "Loaded image: localhost/saved/one:latest"
    run skiff images -q --no-trunc saved/one
    assert_output "sha256:$PODMAN_ONE_ID"
    run skiff run --rm saved/one echo loaded
    assert_output "loaded"
}

@test "load a docker-archive of several images from stdin" {
    run --separate-stderr skiff load <"$SKIFF_TEST_DIR/multi.docker.tar"
    assert_status 0
    assert_output "Loaded image: localhost/saved/one:latest
Loaded image: localhost/saved/two:2"
    run skiff images --format '{{.ID}} {{.Repository}}:{{.Tag}}' --no-trunc
    assert_output_contains "sha256:$PODMAN_ONE_ID localhost/saved/one:latest"
    assert_output_contains "sha256:$PODMAN_TWO_ID localhost/saved/two:2"
    # Both images share their one layer.
    [[ $(layer_dirs | wc -l) -eq 1 ]] || fail "layers: $(layer_dirs)"
    run skiff run --rm saved/two:2
    assert_output "two"
}

@test "load writes podman's progress lines to stderr, image by image; -q writes none" {
    podman_ rmi -a >/dev/null
    podman_ load -i "$SKIFF_TEST_DIR/multi.docker.tar" 2>"$SKIFF_TEST_DIR/podman.err" >/dev/null
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/multi.docker.tar"
    assert_status 0
    [[ $stderr == "$(cat "$SKIFF_TEST_DIR/podman.err")" ]] ||
        fail "skiff's stderr:" "$stderr" "podman's:" "$(cat "$SKIFF_TEST_DIR/podman.err")"
    [[ $(grep -c "^Getting image source signatures$" <<<"$stderr") -eq 2 ]] || fail "[$stderr]"
    skiff rmi -a >/dev/null
    run --separate-stderr skiff load -q -i "$SKIFF_TEST_DIR/multi.docker.tar"
    assert_status 0
    assert_output "Loaded image: localhost/saved/one:latest
Loaded image: localhost/saved/two:2"
    [[ -z $stderr ]] || fail "-q wrote [$stderr]"
}

@test "load an oci-archive written by skopeo, also gzip-compressed on stdin" {
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/two.oci.tar"
    assert_status 0
    assert_output "Loaded image: localhost/ocitwo:v1"
    run skiff images -q --no-trunc ocitwo:v1
    assert_output "sha256:$PODMAN_TWO_ID"
    skiff rmi -a >/dev/null
    run --separate-stderr skiff load < <(gzip -c "$SKIFF_TEST_DIR/two.oci.tar")
    assert_status 0
    assert_output "Loaded image: localhost/ocitwo:v1"
    run skiff inspect --format '{{.Config.Cmd}} {{.ManifestType}}' ocitwo:v1
    assert_output "[echo two] application/vnd.oci.image.manifest.v1+json"
}

@test "a truncated archive is refused and leaves no image, no layer, no staging directory" {
    size=$(stat -c %s "$SKIFF_TEST_DIR/one.docker.tar")
    head -c $((size / 2)) "$SKIFF_TEST_DIR/one.docker.tar" >"$SKIFF_TEST_DIR/truncated.tar"
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/truncated.tar"
    assert_status 125
    assert_one_error_line "truncated.tar"
    run layer_dirs  # before images, which would sweep what a dead process left
    assert_output ""
    run skiff images -q
    assert_output ""
}

@test "an archive whose layer does not match the config's diff id is refused" {
    dir=$SKIFF_TEST_DIR/tampered
    rm -rf "$dir" && mkdir -p "$dir" && tar -xf "$SKIFF_TEST_DIR/one.docker.tar" -C "$dir"
    layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$dir/manifest.json")
    echo tampered >"$dir/extra" && tar -rf "$dir/$layer" -C "$dir" extra 2>/dev/null || tar -rf "$(readlink -f "$dir/$layer")" -C "$dir" extra
    rm "$dir/extra"
    (cd "$dir" && tar -cf ../tampered.tar .)
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/tampered.tar"
    assert_status 125
    assert_one_error_line "diff id"
    run skiff images -q
    assert_output ""
    run layer_dirs
    assert_output ""
}

@test "load refuses what is not an image archive, and a missing file" {
    tar=$(busybox_tarball)
    run --separate-stderr skiff load -i "$tar"
    assert_status 125
    assert_one_error_line "payload does not match any of the supported image formats: neither"
    echo "not an archive at all" >"$SKIFF_TEST_DIR/text"
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/text"
    assert_status 125
    assert_one_error_line "payload does not match any of the supported image formats: not a tar archive"
    run --separate-stderr skiff load <<<"corrupt payload on stdin"
    assert_status 125
    assert_one_error_line "stdin: payload does not match any of the supported image formats: not a tar archive"
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/none.tar"
    assert_status 125
    assert_one_error_line "none.tar" "No such file or directory"
    run skiff images -q
    assert_output ""
    run layer_dirs
    assert_output ""
}

@test "load -i an http URL downloads the archive first; a status other than 2xx is an error" {
    local port=$((20000 + RANDOM % 20000)) pid i
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$SKIFF_TEST_DIR" >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done
    run --separate-stderr skiff load -i "http://127.0.0.1:$port/one.docker.tar"
    local status_ok=$status out=$output
    run --separate-stderr skiff load -i "http://127.0.0.1:$port/no-such.tar"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    [[ $status_ok -eq 0 && $out == "Loaded image: localhost/saved/one:latest" ]] || fail "load from URL: $status_ok [$out]"
    assert_status 125
    assert_one_error_line "downloading http://127.0.0.1:$port/no-such.tar: HTTP status 404"
    run skiff images -q --no-trunc saved/one
    assert_output "sha256:$PODMAN_ONE_ID"
}
