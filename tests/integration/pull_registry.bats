#!/usr/bin/env bats
# skiff pull (and run's --pull) against a real docker-registry with TLS from a test CA: images pushed
# by skopeo, layers fetched once, policies, auth, and bad input that must leave nothing behind.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    export BUSYBOX_LAYOUT
    BUSYBOX_LAYOUT=$(busybox_oci_layout)
    registry_push_oci "$BUSYBOX_LAYOUT:latest" test/busybox:1
    # A second image with a bigger layer, for the tests that must catch a pull in the middle.
    local big=$SKIFF_TEST_DIR/big
    mkdir -p "$big/rootfs"
    head -c 48M /dev/urandom >"$big/rootfs/blob"
    "$REPO/tools/mkimage-oci" --out "$big/layout" --compress none "$big/rootfs" >/dev/null
    registry_push_oci "$big/layout:latest" test/big:1
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
}

# Nothing half-stored: no image record, no layer, no staging directory left in the store.
assert_store_empty() {
    [[ -z $(find "$SKIFF_TEST_ROOT/staging" -mindepth 1 2>/dev/null) ]] || fail "staging left" || return 1
    run skiff images -q
    [[ -z $output ]] || fail "images left: $output" || return 1
    local left
    left=$(find "$SKIFF_TEST_ROOT" -mindepth 2 -maxdepth 2 \( -path '*/layers/*' -o -path '*/images/*' \) \
        ! -name '*.lock' ! -name 'names' 2>/dev/null)
    [[ -z $left ]] || fail "left in the store:" "$left"
}

manifest_layers() {
    curl -sf --cacert "$REGISTRY_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "https://$REGISTRY/v2/$1/manifests/$2" | jq -r '.layers[].digest'
}

@test "pull an image pushed by skopeo, list it, run it" {
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1"
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "stdout should be the image id: [$output]"
    [[ $stderr == *"Trying to pull $REGISTRY/test/busybox:1..."* ]] || fail "stderr: $stderr"
    [[ $stderr == *"Copying blob sha256:"* && $stderr == *"Writing manifest to image destination"* ]] ||
        fail "stderr: $stderr"
    local id=$output
    run skiff images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    assert_output "$REGISTRY/test/busybox:1 ${id:0:12}"
    run skiff run --rm "$REGISTRY/test/busybox:1" echo pulled and running
    assert_status 0
    assert_output "pulled and running"
}

@test "a second pull fetches no blob; -q prints only the id" {
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" >/dev/null
    local layer before
    layer=$(manifest_layers test/busybox 1)
    before=$(registry_blob_gets "$layer")
    [[ $before -ge 1 ]] || fail "the first pull did not GET $layer"
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1"
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ && -z $stderr ]] || fail "-q: stdout [$output] stderr [$stderr]"
    [[ $(registry_blob_gets "$layer") -eq $before ]] || fail "the layer was fetched again"
}

@test "two pulls at once fetch each layer once" {
    local layer before
    layer=$(manifest_layers test/big 1)
    before=$(registry_blob_gets "$layer")
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/big:1" >"$BATS_TEST_TMPDIR/a" 2>&1 &
    local a=$!
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/big:1" >"$BATS_TEST_TMPDIR/b" 2>&1 &
    local b=$!
    wait $a || fail "first pull failed: $(cat "$BATS_TEST_TMPDIR/a")"
    wait $b || fail "second pull failed: $(cat "$BATS_TEST_TMPDIR/b")"
    [[ $(cat "$BATS_TEST_TMPDIR/a") == $(cat "$BATS_TEST_TMPDIR/b") ]]
    [[ $(registry_blob_gets "$layer") -eq $((before + 1)) ]] ||
        fail "GETs of $layer: $(($(registry_blob_gets "$layer") - before)), want 1"
}

@test "run pulls a missing image; --pull=never and --pull=always" {
    run --separate-stderr skiff run --rm --pull=never --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" true
    assert_status 125
    assert_one_error_line "$REGISTRY/test/busybox:1" "image not known"

    run --separate-stderr skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" echo hello
    assert_status 0
    assert_output hello
    [[ $stderr == *"Trying to pull"* ]] || fail "run did not pull: $stderr"

    run --separate-stderr skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" echo again
    assert_output again
    [[ -z $stderr ]] || fail "a stored image was pulled again: $stderr"

    run --separate-stderr skiff run --rm --pull=never --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" echo never
    assert_status 0
    assert_output never
    [[ -z $stderr ]] || fail "--pull=never asked the registry for a stored image: $stderr"

    local manifests
    manifests=$(registry_request_count 'GET /v2/test/busybox/manifests/1 ')
    run --separate-stderr skiff run --rm --pull=always -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" echo always
    assert_output always
    [[ $(registry_request_count 'GET /v2/test/busybox/manifests/1 ') -gt $manifests ]] ||
        fail "--pull=always did not ask the registry"

    run --separate-stderr skiff run --rm --pull=sometimes "$REGISTRY/test/busybox:1" true
    assert_status 125
    assert_one_error_line sometimes
}

@test "--tls-verify: the test CA is needed unless verification is off" {
    run --separate-stderr skiff pull -q "$REGISTRY/test/busybox:1"
    assert_status 125
    # podman: `Error: initializing source docker://…: pinging container registry …: x509: certificate
    # signed by unknown authority`; the cause must be the certificate, whatever the words around it.
    assert_one_error_line "$REGISTRY/test/busybox:1" certificate
    assert_store_empty
    run --separate-stderr skiff pull -q --tls-verify=false "$REGISTRY/test/busybox:1"
    assert_status 0
    # Really pulled: the manifest stored is the one the registry serves, and the image runs.
    local want
    want=sha256:$(curl -sf --cacert "$REGISTRY_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "https://$REGISTRY/v2/test/busybox/manifests/1" | sha256sum | cut -d' ' -f1)
    run skiff image inspect --format '{{.Digest}}' "$REGISTRY/test/busybox:1"
    assert_output "$want"
    run skiff run --rm "$REGISTRY/test/busybox:1" echo pulled without verification
    assert_status 0
    assert_output "pulled without verification"
    run --separate-stderr skiff pull -q --tls-verify=maybe "$REGISTRY/test/busybox:1"
    assert_status 125
    assert_one_error_line maybe
}

@test "a manifest the registry does not have: one clear error, nothing stored" {
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$REGISTRY/test/nosuch:1"
    assert_status 125
    assert_error_last "$REGISTRY/test/nosuch" "manifest unknown"
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:nosuchtag"
    assert_status 125
    assert_error_last "nosuchtag" "manifest unknown"
    assert_store_empty
}

@test "a layer whose content does not match its digest is refused; the store stays usable" {
    local dir=$SKIFF_TEST_DIR/tamper
    mkdir -p "$dir/rootfs/etc"
    echo "tamper me $RANDOM" >"$dir/rootfs/etc/victim"
    "$REPO/tools/mkimage-oci" --out "$dir/layout" "$dir/rootfs" >/dev/null
    registry_push_oci "$dir/layout:latest" test/tampered:1
    local layer
    layer=$(manifest_layers test/tampered 1)
    registry_tamper_blob "$layer"
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$REGISTRY/test/tampered:1"
    assert_status 125
    assert_error_last "$layer"
    assert_store_empty
    run skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1"
    assert_status 0
}

@test "a pull killed in the middle leaves nothing visible; the next pull succeeds" {
    local pid i
    "$SKIFF" $(skiff_args) pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/big:1" >/dev/null 2>&1 &
    pid=$!
    # Wait until the 48 MB layer is being written into the store's staging area, then kill. (The
    # registry logs a GET only once it is served, and earlier tests fetched the same blobs.)
    local partial=
    for i in $(seq 250); do
        partial=$(find "$SKIFF_TEST_ROOT/staging" -path '*/diff/blob' -size +0 2>/dev/null) || true
        [[ -n $partial ]] && break
        sleep 0.02
    done
    kill -9 "$pid"
    wait "$pid" || true
    [[ -n $partial ]] || fail "the pull was not caught writing its layer"
    run skiff images -q
    [[ -z $output ]] || fail "an image appeared from a killed pull: $output"
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/big:1"
    assert_status 0
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$REGISTRY/test/big:1"
}

@test "invalid references and platforms are refused clearly" {
    run --separate-stderr skiff pull "$REGISTRY/Test/UPPER:1"
    assert_status 125
    assert_one_error_line "invalid reference format"
    run --separate-stderr skiff pull --platform linux "$REGISTRY/test/busybox:1"
    assert_status 125
    assert_one_error_line "linux"
    run --separate-stderr skiff pull --platform linux/amd64 --arch arm64 "$REGISTRY/test/busybox:1"
    assert_status 125
    assert_one_error_line "--platform"
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" extra
    assert_status 125
    assert_one_error_line extra
    assert_store_empty
}

@test "pull from an OCI layout directory (oci:DIR:TAG)" {
    run --separate-stderr skiff pull "oci:$BUSYBOX_LAYOUT:latest"
    assert_status 0
    run skiff run --rm "$output" echo from a layout
    assert_output "from a layout"
}

@test "pull by digest names the image repository@digest; untag and rmi of that name remove only it" {
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1" >/dev/null
    local digest
    digest=$(skiff inspect --format '{{.Digest}}' "$REGISTRY/test/busybox:1")
    # A tag and a digest together: the digest names the image, the tag is dropped.
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1@$digest" >/dev/null
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$REGISTRY/test/busybox:1"
    run skiff inspect --format '{{.RepoTags}}' "$REGISTRY/test/busybox@$digest"
    assert_output "[$REGISTRY/test/busybox:1]"
    run skiff untag "$REGISTRY/test/busybox:1" "$REGISTRY/test/busybox:1@$digest"
    assert_status 0
    run --separate-stderr skiff untag "$REGISTRY/test/busybox:1" "$REGISTRY/test/busybox@$digest"
    assert_status 125
    assert_one_error_line "$REGISTRY/test/busybox@$digest: tag not known"
    skiff image exists "$REGISTRY/test/busybox:1"

    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox@$digest" >/dev/null
    run skiff rmi "$REGISTRY/test/busybox@$digest"
    assert_status 0
    assert_output "Untagged: $REGISTRY/test/busybox@$digest"
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$REGISTRY/test/busybox:1"

    # Named only by its digest, an image is listed as <none> and rmi of that name removes it.
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox@$digest" >/dev/null
    skiff untag "$REGISTRY/test/busybox:1" "$REGISTRY/test/busybox:1"
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$REGISTRY/test/busybox:<none>"
    run skiff rmi "$REGISTRY/test/busybox@$digest"
    assert_status 0
    [[ ${lines[0]} == "Untagged: $REGISTRY/test/busybox@$digest" && ${lines[1]} == Deleted:* ]] || fail "rmi: $output"
}
