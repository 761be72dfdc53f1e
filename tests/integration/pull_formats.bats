#!/usr/bin/env bats
# Pull of the manifest and layer formats registries serve, pushed by skopeo: Docker schema 2, zstd
# layers, and an OCI index and a Docker manifest list with two platforms (the host's chosen, or
# --platform's).

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    BUSYBOX_LAYOUT=$(busybox_oci_layout)
    export BUSYBOX_LAYOUT
    # A layout with the busybox image for amd64 and a one-file image claiming arm64, and an index.
    local multi=$SKIFF_TEST_DIR/multi
    mkdir -p "$multi/arm/rootfs"
    echo "an arm64 image" >"$multi/arm/rootfs/arch"
    skopeo copy -q "oci:$BUSYBOX_LAYOUT:latest" "oci:$multi/layout:amd64"
    "$REPO/tools/mkimage-oci" --out "$multi/layout" --tag arm64 --arch arm64 "$multi/arm/rootfs" >/dev/null
    "$REPO/tests/fixtures/mkindex-oci" "$multi/layout" multi amd64 arm64 >/dev/null
    export MULTI_LAYOUT=$multi/layout
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
}

manifest_type() {
    curl -sf --cacert "$REGISTRY_CA" -o /dev/null -w '%{content_type}' \
        -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' \
        "https://$REGISTRY/v2/$1/manifests/$2"
}

@test "a Docker schema 2 image" {
    registry_push_oci "$BUSYBOX_LAYOUT:latest" test/v2s2:1 --format v2s2
    [[ $(manifest_type test/v2s2 1) == application/vnd.docker.distribution.manifest.v2+json ]]
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/v2s2:1"
    assert_status 0
    run skiff run --rm "$REGISTRY/test/v2s2:1" echo schema 2
    assert_output "schema 2"
}

@test "zstd layers" {
    local dir=$BATS_TEST_TMPDIR/zstd
    mkdir -p "$dir/rootfs"
    tar -xf "$(busybox_tarball)" -C "$dir/rootfs"
    "$REPO/tools/mkimage-oci" --out "$dir/layout" --compress zstd "$dir/rootfs" >/dev/null
    registry_push_oci "$dir/layout:latest" test/zstd:1
    curl -sf --cacert "$REGISTRY_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "https://$REGISTRY/v2/test/zstd/manifests/1" | grep -q 'tar+zstd'
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/zstd:1"
    assert_status 0
    run skiff run --rm "$REGISTRY/test/zstd:1" echo zstd
    assert_output zstd
}

@test "an OCI index: the host's platform, or the one --platform names" {
    registry_push_oci "$MULTI_LAYOUT:multi" test/multi:1 --all
    [[ $(manifest_type test/multi 1) == application/vnd.oci.image.index.v1+json ]]
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/multi:1"
    assert_status 0
    run skiff run --rm "$REGISTRY/test/multi:1" echo host platform
    assert_output "host platform"
    run skiff inspect --format '{{.Architecture}}' "$REGISTRY/test/multi:1"
    assert_output amd64

    run --separate-stderr skiff pull -q --platform linux/arm64 --cert-dir "$CERT_DIR" "$REGISTRY/test/multi:1"
    assert_status 0
    run skiff inspect --format '{{.Architecture}}' "$REGISTRY/test/multi:1"
    assert_output arm64

    run --separate-stderr skiff pull -q --platform linux/s390x --cert-dir "$CERT_DIR" "$REGISTRY/test/multi:1"
    assert_status 125
    assert_error_last "linux/s390x" "linux/amd64" "linux/arm64"
}

@test "a Docker manifest list" {
    registry_push_oci "$MULTI_LAYOUT:multi" test/list:1 --all --format v2s2
    [[ $(manifest_type test/list 1) == application/vnd.docker.distribution.manifest.list.v2+json ]]
    run --separate-stderr skiff pull -q --arch arm64 --cert-dir "$CERT_DIR" "$REGISTRY/test/list:1"
    assert_status 0
    run skiff inspect --format '{{.Architecture}}' "$REGISTRY/test/list:1"
    assert_output arm64
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/list:1"
    assert_status 0
    run skiff run --rm "$REGISTRY/test/list:1" echo from a list
    assert_output "from a list"
}
