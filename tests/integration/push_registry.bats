#!/usr/bin/env bats
# skiff push against a real docker-registry with TLS from a test CA: images made by skiff (imported)
# and pulled ones, read back by skopeo, podman and skiff itself; blobs never uploaded twice.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    export BUSYBOX_LAYOUT
    BUSYBOX_LAYOUT=$(busybox_oci_layout)
    registry_push_oci "$BUSYBOX_LAYOUT:latest" test/busybox:1
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
}

podman_private() {
    podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run" --storage-driver vfs \
        --cgroup-manager cgroupfs "$@"
}

manifest_json() {
    curl -sf --cacert "$REGISTRY_CA" \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
        "https://$REGISTRY/v2/$1/manifests/$2"
}

uploads() {
    registry_request_count '(POST|PATCH|PUT) /v2/[^ ]*/blobs/uploads/'
}

@test "push an imported image: skopeo copies it, podman pulls and runs it, skiff pulls it back" {
    import_busybox demo
    run --separate-stderr skiff push --cert-dir "$CERT_DIR" demo "$REGISTRY/test/pushed:1"
    assert_status 0
    [[ -z $output ]] || fail "push printed on stdout: $output"
    [[ $stderr == *"Copying blob sha256:"*" done"* && $stderr == *"Copying config sha256:"* &&
        $stderr == *"Writing manifest to image destination"* ]] || fail "stderr: $stderr"

    manifest_json test/pushed 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m
assert [l["mediaType"] for l in m["layers"]] == ["application/vnd.oci.image.layer.v1.tar+gzip"], m
' || fail "manifest: $(manifest_json test/pushed 1)"

    # skopeo checks every digest while copying.
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/pushed:1" "oci:$SKIFF_TEST_DIR/copied:x"
    assert_status 0

    command -v podman >/dev/null && command -v runc >/dev/null || skip "podman and runc are needed"
    run podman_private pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/pushed:1"
    assert_status 0
    run podman_private run --rm --runtime runc --network none --ulimit nofile=20000:20000 \
        --ulimit nproc=32768:32768 "$REGISTRY/test/pushed:1" echo run by podman
    assert_status 0
    assert_output "run by podman"
    podman_private rmi -af >/dev/null 2>&1 || true

    use_fresh_store
    run skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/pushed:1" echo pulled back
    assert_status 0
    assert_output_contains "pulled back"
}

@test "a second push uploads nothing; --digestfile names the manifest" {
    import_busybox demo
    skiff push -q --cert-dir "$CERT_DIR" demo "$REGISTRY/test/twice:1"
    local before
    before=$(uploads)
    run --separate-stderr skiff push --cert-dir "$CERT_DIR" --digestfile "$SKIFF_TEST_DIR/digest" \
        demo "docker://$REGISTRY/test/twice:2"
    assert_status 0
    [[ $stderr == *"skipped: already exists"* ]] || fail "stderr: $stderr"
    [[ $(uploads) -eq $before ]] || fail "the second push uploaded: $before → $(uploads)"
    local want
    want=sha256:$(manifest_json test/twice 2 | sha256sum | cut -d' ' -f1)
    [[ $(cat "$SKIFF_TEST_DIR/digest") == "$want" ]] || fail "digestfile $(cat "$SKIFF_TEST_DIR/digest"), want $want"
}

@test "a pulled image pushed elsewhere keeps its manifest; its blobs are mounted, not uploaded" {
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" >/dev/null
    local before src
    before=$(uploads)
    src=sha256:$(manifest_json test/busybox 1 | sha256sum | cut -d' ' -f1)
    run --separate-stderr skiff push --cert-dir "$CERT_DIR" --digestfile "$SKIFF_TEST_DIR/digest" "$REGISTRY/test/busybox:1" \
        "$REGISTRY/test/mounted:1"
    assert_status 0
    [[ $(cat "$SKIFF_TEST_DIR/digest") == "$src" ]] || fail "manifest changed: $(cat "$SKIFF_TEST_DIR/digest") vs $src"
    # Only the config may have been uploaded; the layer came by a mount.
    [[ $(registry_request_count 'POST /v2/test/mounted/blobs/uploads/\?mount=') -ge 1 ]] || fail "no mount request"
    [[ $(registry_request_count 'PATCH /v2/test/mounted/blobs/uploads/') -eq 0 ]] || fail "a blob was uploaded in chunks"
    run skopeo inspect --cert-dir "$CERT_DIR" "docker://$REGISTRY/test/mounted:1"
    assert_status 0
}

@test "--compression-format zstd and --format v2s2" {
    import_busybox demo
    run skiff push --cert-dir "$CERT_DIR" --compression-format zstd demo "$REGISTRY/test/zstd:1"
    assert_status 0
    [[ $(manifest_json test/zstd 1 | jq -r '.layers[0].mediaType') == application/vnd.oci.image.layer.v1.tar+zstd ]] ||
        fail "manifest: $(manifest_json test/zstd 1)"
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/zstd:1" "oci:$SKIFF_TEST_DIR/zstd:x"
    assert_status 0

    run skiff push --cert-dir "$CERT_DIR" --format v2s2 demo "$REGISTRY/test/v2s2:1"
    assert_status 0
    local m
    m=$(manifest_json test/v2s2 1)
    [[ $(jq -r .mediaType <<<"$m") == application/vnd.docker.distribution.manifest.v2+json &&
        $(jq -r '.config.mediaType' <<<"$m") == application/vnd.docker.container.image.v1+json &&
        $(jq -r '.layers[0].mediaType' <<<"$m") == application/vnd.docker.image.rootfs.diff.tar.gzip ]] ||
        fail "manifest: $m"

    use_fresh_store
    run skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/zstd:1" echo zstd ok
    assert_output_contains "zstd ok"
    run skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/v2s2:1" echo v2s2 ok
    assert_output_contains "v2s2 ok"
}

@test "--format v2s2 --compression-format none: the uncompressed docker layers pull back" {
    import_busybox demo
    run skiff push --cert-dir "$CERT_DIR" --format v2s2 --compression-format none demo "$REGISTRY/test/v2s2-tar:1"
    assert_status 0
    local m
    m=$(manifest_json test/v2s2-tar 1)
    [[ $(jq -r '.layers[0].mediaType' <<<"$m") == application/vnd.docker.image.rootfs.diff.tar ]] ||
        fail "manifest: $m"

    use_fresh_store
    run skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/v2s2-tar:1" echo v2s2 tar ok
    assert_output_contains "v2s2 tar ok"
}

@test "a layer bigger than one chunk goes up in chunks and arrives whole" {
    local rootfs=$SKIFF_TEST_DIR/bigroot
    mkdir -p "$rootfs"
    tar -xf "$(busybox_tarball)" -C "$rootfs"
    head -c 40M /dev/urandom >"$rootfs/blob"
    tar -C "$rootfs" -cf "$SKIFF_TEST_DIR/big.tar" .
    skiff import "$SKIFF_TEST_DIR/big.tar" big >/dev/null
    run skiff push -q --cert-dir "$CERT_DIR" --compression-format none big "$REGISTRY/test/big:1"
    assert_status 0
    [[ $(registry_request_count 'PATCH /v2/test/big/blobs/uploads/') -ge 1 ]] || fail "no chunk was sent"
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/big:1" "oci:$SKIFF_TEST_DIR/big-copy:x"
    assert_status 0
    local sum
    sum=$(sha256sum <"$rootfs/blob")
    use_fresh_store
    run --separate-stderr skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/big:1" sha256sum /blob
    [[ $output == "${sum%% *}  /blob" ]] || fail "content differs: $output"
}

@test "--tls-verify=false pushes without the CA; without it the certificate is refused" {
    import_busybox demo
    run --separate-stderr skiff push --cert-dir /nonexistent demo "$REGISTRY/test/tls:1"
    assert_status 125
    # podman: `Error: trying to reuse blob …: pinging container registry …: x509: certificate signed
    # by unknown authority`; the cause must be the certificate, whatever the words around it.
    assert_error_last "$REGISTRY/test/tls" certificate
    [[ $(registry_request_count '[A-Z]+ /v2/test/tls/') -eq 0 ]] || fail "the refused push reached the registry"
    run --separate-stderr skiff push -q --tls-verify=false --digestfile "$SKIFF_TEST_DIR/digest" demo \
        "$REGISTRY/test/tls:1"
    assert_status 0
    # Really pushed: the registry serves the manifest skiff wrote, and skopeo (which checks every
    # digest) copies the image.
    local served
    served=sha256:$(manifest_json test/tls 1 | sha256sum | cut -d' ' -f1)
    [[ $(cat "$SKIFF_TEST_DIR/digest") == "$served" ]] ||
        fail "digestfile $(cat "$SKIFF_TEST_DIR/digest"), the registry serves $served"
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/tls:1" "oci:$SKIFF_TEST_DIR/tls:x"
    assert_status 0
}

@test "push errors: unknown image, bad flags, no destination for an id, unreachable registry" {
    import_busybox demo
    run --separate-stderr skiff push nosuch "$REGISTRY/test/x:1"
    assert_status 125
    assert_error_last "nosuch" "image not known"
    run --separate-stderr skiff push --compression-format lz4 demo "$REGISTRY/test/x:1"
    assert_status 125
    assert_error_last "lz4"
    run --separate-stderr skiff push --format v2s1 demo "$REGISTRY/test/x:1"
    assert_status 125
    assert_error_last "v2s1"
    run --separate-stderr skiff push --format v2s2 --compression-format zstd demo "$REGISTRY/test/x:1"
    assert_status 125
    assert_error_last "zstd"
    local id
    id=$(skiff images -q demo)
    run --separate-stderr skiff push "$id"
    assert_status 125
    assert_error_last "destination"
    run --separate-stderr skiff push demo "$REGISTRY/test/x@sha256:$(printf '%064d' 0)"
    assert_status 125
    assert_error_last "digest"
    run --separate-stderr skiff push --retry 0 demo 127.0.0.1:1/test/x:1
    assert_status 125
    assert_error_last "127.0.0.1:1"
    run --separate-stderr skiff push
    assert_status 125
    assert_one_error_line "skiff push"
}
