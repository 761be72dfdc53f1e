#!/usr/bin/env bats
# skiff save (and push to oci:, oci-archive:, docker-archive:, dir:): archives and directories that
# skopeo, podman and skiff's own load read back; what goes out comes back the same.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox demo
    skiff tag demo demo:second
}

teardown_file() { skiff_teardown_file; }

setup() {
    OUT=$SKIFF_TEST_DIR/out-$BATS_TEST_NUMBER
    mkdir -p "$OUT"
}

# A store of its own (for loading back what was saved).
other_store() {
    "$SKIFF" --root "$OUT/other-root" --runroot "$OUT/other-run" "$@"
}

podman_private() {
    podman --root "$OUT/podman-root" --runroot "$OUT/podman-run" --storage-driver vfs "$@"
}

@test "save writes a docker-archive by default; load reads it back and the image runs" {
    run --separate-stderr skiff save -o "$OUT/demo.tar" demo
    assert_status 0
    [[ -z $output ]] || fail "stdout: $output"
    run tar -tf "$OUT/demo.tar"
    assert_output_contains "manifest.json"
    [[ $output =~ [0-9a-f]{64}\.tar && $output =~ [0-9a-f]{64}\.json ]] || fail "entries: $output"
    tar -xOf "$OUT/demo.tar" manifest.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert len(m) == 1 and m[0]["RepoTags"] == ["localhost/demo:latest"] and len(m[0]["Layers"]) == 1, m
' || fail "manifest.json: $(tar -xOf "$OUT/demo.tar" manifest.json)"
    # skopeo copy reads every layer and checks it against the config's diff ids.
    skopeo_verify "docker-archive:$OUT/demo.tar"

    run --separate-stderr other_store load -i "$OUT/demo.tar"
    assert_status 0
    assert_output "Loaded image: localhost/demo:latest"
    run other_store run --rm demo echo loaded back
    assert_status 0
    assert_output "loaded back"
}

@test "save, load, save again: the same layers and config (exports are deterministic)" {
    skiff save -o "$OUT/first.tar" demo
    other_store load -i "$OUT/first.tar" >/dev/null
    other_store save -o "$OUT/second.tar" demo
    mkdir "$OUT/a" "$OUT/b"
    tar -xf "$OUT/first.tar" -C "$OUT/a"
    tar -xf "$OUT/second.tar" -C "$OUT/b"
    run diff -r "$OUT/a" "$OUT/b"
    assert_status 0
    # And the loaded image keeps the id the archive gave it.
    local cfg
    cfg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' "$OUT/a/manifest.json")
    [[ $(other_store images -q --no-trunc demo) == "sha256:${cfg%.json}" ]] ||
        fail "id $(other_store images -q --no-trunc demo), config $cfg"
}

@test "oci-archive: skopeo and podman read it; --uncompressed keeps plain tar layers" {
    run skiff save --format oci-archive -o "$OUT/demo-oci.tar" demo
    assert_status 0
    skopeo_verify "oci-archive:$OUT/demo-oci.tar"
    run skopeo inspect --raw "oci-archive:$OUT/demo-oci.tar"
    assert_status 0
    [[ $(jq -r '.layers[0].mediaType' <<<"$output") == application/vnd.oci.image.layer.v1.tar+gzip ]] ||
        fail "skopeo: $output"
    run skiff save --format oci-archive --uncompressed -o "$OUT/plain.tar" demo
    assert_status 0
    skopeo_verify "oci-archive:$OUT/plain.tar"
    run skopeo inspect --raw "oci-archive:$OUT/plain.tar"
    assert_status 0
    [[ $(jq -r '.layers[0].mediaType' <<<"$output") == application/vnd.oci.image.layer.v1.tar ]] ||
        fail "skopeo: $output"
    run --separate-stderr other_store load -i "$OUT/demo-oci.tar"
    assert_status 0
    assert_output "Loaded image: localhost/demo:latest"

    command -v podman >/dev/null || skip "podman is needed"
    run podman_private load -i "$OUT/demo-oci.tar"
    assert_status 0
    run podman_private load -i "$OUT/plain.tar"
    assert_status 0
}

@test "-m: several images in one docker-archive; podman loads them all" {
    skiff tag demo other:1
    run skiff save -m -o "$OUT/multi.tar" demo other:1
    assert_status 0
    skopeo_verify "docker-archive:$OUT/multi.tar:localhost/demo:latest"
    skopeo_verify "docker-archive:$OUT/multi.tar:localhost/other:1"
    run --separate-stderr other_store load -i "$OUT/multi.tar"
    assert_status 0
    assert_output_contains "Loaded image: localhost/demo:latest"
    assert_output_contains "Loaded image: localhost/other:1"
    # Without -m, more names are more tags of the first image.
    run skiff save -o "$OUT/tags.tar" demo demo:second
    assert_status 0
    [[ $(tar -xOf "$OUT/tags.tar" manifest.json | jq -c '.[0].RepoTags') == '["localhost/demo:latest","localhost/demo:second"]' ]] ||
        fail "RepoTags: $(tar -xOf "$OUT/tags.tar" manifest.json)"

    command -v podman >/dev/null || skip "podman is needed"
    run podman_private load -i "$OUT/multi.tar"
    assert_status 0
    assert_output_contains "localhost/other:1"
}

@test "oci-dir and docker-dir write directories skopeo reads" {
    run skiff save --format oci-dir -o "$OUT/ocidir" demo
    assert_status 0
    [[ -f $OUT/ocidir/oci-layout && -f $OUT/ocidir/index.json ]] || fail "$(ls -R "$OUT/ocidir")"
    skopeo_verify "oci:$OUT/ocidir"
    run skiff save --format docker-dir -o "$OUT/dockerdir" demo
    assert_status 0
    [[ -f $OUT/dockerdir/manifest.json && -f $OUT/dockerdir/version ]] || fail "$(ls "$OUT/dockerdir")"
    skopeo_verify "dir:$OUT/dockerdir"
    run skiff save --format docker-dir --compress -o "$OUT/dockerdir-gz" demo
    assert_status 0
    [[ $(jq -r '.layers[0].mediaType' "$OUT/dockerdir-gz/manifest.json") == application/vnd.docker.image.rootfs.diff.tar.gzip ]] ||
        fail "$(cat "$OUT/dockerdir-gz/manifest.json")"
    skopeo_verify "dir:$OUT/dockerdir-gz"
}

@test "save to standard output, straight into load" {
    skiff save demo | other_store load >/dev/null
    run other_store images --format '{{.Repository}}:{{.Tag}}'
    assert_status 0
    assert_output "localhost/demo:latest"
}

@test "push to oci:, oci-archive: and docker-archive: destinations" {
    run skiff push -q demo "oci:$OUT/layout:v1"
    assert_status 0
    run skiff push -q demo "oci:$OUT/layout:v2"
    assert_status 0
    [[ $(jq '.manifests | length' "$OUT/layout/index.json") -eq 2 ]] || fail "$(cat "$OUT/layout/index.json")"
    skopeo_verify "oci:$OUT/layout:v1"
    skopeo_verify "oci:$OUT/layout:v2"
    run skiff push -q demo "docker-archive:$OUT/d.tar:renamed:1"
    assert_status 0
    skopeo_verify "docker-archive:$OUT/d.tar"
    run --separate-stderr other_store load -i "$OUT/d.tar"
    assert_status 0
    assert_output "Loaded image: localhost/renamed:1"
    run skiff push -q demo "oci-archive:$OUT/o.tar"
    assert_status 0
    skopeo_verify "oci-archive:$OUT/o.tar"
}

@test "save errors: one clear line, nothing written" {
    run --separate-stderr skiff save -o "$OUT/x.tar" nosuch
    assert_status 125
    assert_one_error_line "nosuch" "image not known"
    run --separate-stderr skiff save --format tarball -o "$OUT/x.tar" demo
    assert_status 125
    assert_one_error_line "tarball"
    run --separate-stderr skiff save -m --format oci-archive -o "$OUT/x.tar" demo
    assert_status 125
    assert_one_error_line "docker-archive"
    run --separate-stderr skiff save --compress -o "$OUT/x.tar" demo
    assert_status 125
    assert_one_error_line "docker-dir"
    run --separate-stderr skiff save --format oci-dir demo
    assert_status 125
    assert_one_error_line "-o"
    run --separate-stderr skiff save -o "$OUT/nodir/x.tar" demo
    assert_status 125
    assert_one_error_line "nodir"
    run --separate-stderr skiff save
    assert_status 125
    assert_one_error_line
    [[ -z $(ls -A "$OUT") ]] || fail "left behind: $(ls -A "$OUT")"
    [[ -z $(ls -A "$SKIFF_TEST_ROOT/tmp" 2>/dev/null) ]] || fail "scratch left: $(ls -A "$SKIFF_TEST_ROOT/tmp")"
}
