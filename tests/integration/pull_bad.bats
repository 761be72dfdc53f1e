#!/usr/bin/env bats
# Pull against a registry that misbehaves (a TLS proxy in front of a real docker-registry,
# tests/fixtures/registry_proxy.py): a connection cut mid-layer is resumed with Range; malformed,
# unknown and schema 1 manifests are refused with one clear error and nothing stored.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    start_registry_proxy
    use_test_registries_conf
    local big=$SKIFF_TEST_DIR/big
    mkdir -p "$big/rootfs"
    head -c 8M /dev/urandom >"$big/rootfs/blob"
    "$REPO/tools/mkimage-oci" --out "$big/layout" "$big/rootfs" >/dev/null
    registry_push_oci "$big/layout:latest" test/big:1
}

teardown_file() {
    stop_registry_proxy
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
    echo '{}' >"$PROXY_RULES"
    # The proxy's log is the whole file's; this test reads its own lines only.
    PROXY_LOG_START=$(($(wc -l <"$PROXY_LOG") + 1))
}

rules() {
    echo "$1" >"$PROXY_RULES"
}

# The digest of test/big:1's only layer, as the registry serves it.
big_layer() {
    curl -sf --cacert "$REGISTRY_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "https://$REGISTRY/v2/test/big/manifests/1" | jq -r '.layers[0].digest'
}

# The proxy's log lines (tests/fixtures/registry_proxy.py) for this test's GETs of test/big's blob DIGEST.
proxy_blob_gets() {
    tail -n +"$PROXY_LOG_START" "$PROXY_LOG" | grep "^GET /v2/test/big/blobs/$1 " || true
}

# Cut the connection of the next GET of blob DIGEST after BYTES bytes.
cut_once() {
    rules "{\"cut\": {\"digest\": \"$1\", \"after\": $2, \"times\": 1}}"
}

assert_nothing_stored() {
    [[ -z $(find "$SKIFF_TEST_ROOT/staging" -mindepth 1 2>/dev/null) ]] || fail "staging left" || return 1
    run skiff images -q
    [[ -z $output ]] || fail "images left: $output" || return 1
    local left
    left=$(find "$SKIFF_TEST_ROOT" -mindepth 2 -maxdepth 2 -path '*/layers/*' 2>/dev/null)
    [[ -z $left ]] || fail "left in the store:" "$left"
}

@test "a connection cut in the middle of a layer is resumed with Range" {
    local layer
    layer=$(big_layer)
    cut_once "$layer" 1000000
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$PROXY/test/big:1"
    assert_status 0
    # The first GET asks for the whole blob and is cut; the second asks for the rest, from the byte
    # where the cut stopped, and the registry answers 206 with only that.
    local gets
    gets=$(proxy_blob_gets "$layer")
    [[ $gets == "GET /v2/test/big/blobs/$layer Range: - → 200 cut after 1000000 bytes"$'\n'"GET /v2/test/big/blobs/$layer Range: bytes=1000000- → 206" ]] ||
        fail "want a cut GET, then one resumed with Range and answered 206; the proxy saw:" "$gets"
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output "$PROXY/test/big:1"
}

@test "malformed manifest JSON" {
    rules '{"manifests": {"/v2/test/bad/manifests/1": {"content_type": "application/vnd.oci.image.manifest.v1+json", "body": "{\"schemaVersion\": 2, \"layers\": ["}}}'
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$PROXY/test/bad:1"
    assert_status 125
    assert_error_last "malformed"
    assert_nothing_stored
}

@test "an unknown manifest media type" {
    rules '{"manifests": {"/v2/test/bad/manifests/1": {"content_type": "application/vnd.example.thing.v1+json", "body": "{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.example.thing.v1+json\"}"}}}'
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$PROXY/test/bad:1"
    assert_status 125
    assert_error_last "application/vnd.example.thing.v1+json"
    assert_nothing_stored
}

@test "a Docker schema 1 manifest is refused clearly" {
    rules '{"manifests": {"/v2/test/bad/manifests/1": {"content_type": "application/vnd.docker.distribution.manifest.v1+prettyjws", "body": "{\"schemaVersion\": 1, \"name\": \"test/bad\", \"tag\": \"1\", \"architecture\": \"amd64\", \"fsLayers\": [], \"history\": []}"}}}'
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$PROXY/test/bad:1"
    assert_status 125
    assert_error_last "schema 1"
    assert_nothing_stored
    # The store is still usable: a good pull through the same proxy works.
    rules '{}'
    run --separate-stderr skiff pull -q --cert-dir "$CERT_DIR" "$PROXY/test/big:1"
    assert_status 0
}

@test "a manifest naming a layer digest of the wrong form" {
    local bad='{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000", "size": 2}, "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "md5:../../etc/passwd", "size": 1}]}'
    rules "$(jq -n --arg b "$bad" '{manifests: {"/v2/test/bad/manifests/1": {content_type: "application/vnd.oci.image.manifest.v1+json", body: $b}}}')"
    run --separate-stderr skiff pull --cert-dir "$CERT_DIR" "$PROXY/test/bad:1"
    assert_status 125
    assert_error_last "md5:../../etc/passwd"
    assert_nothing_stored
}

@test "--retry and --retry-delay: bad values refused, --retry 0 gives up at once" {
    run --separate-stderr skiff pull --retry-delay soon "$PROXY/test/big:1"
    assert_status 125
    assert_one_error_line "--retry-delay" soon
    run --separate-stderr skiff pull --retry -1 "$PROXY/test/big:1"
    assert_status 125
    assert_one_error_line "--retry"
    local layer
    layer=$(big_layer)
    cut_once "$layer" 1000000
    run --separate-stderr skiff pull -q --retry 0 --cert-dir "$CERT_DIR" "$PROXY/test/big:1"
    assert_status 125
    assert_error_last "$layer"
    assert_nothing_stored
    [[ $(proxy_blob_gets "$layer" | wc -l) -eq 1 ]] || fail "--retry 0 asked again:" "$(proxy_blob_gets "$layer")"

    # A new rule (the proxy counts cuts anew): the one retry resumes the cut GET.
    cut_once "$layer" 500000
    PROXY_LOG_START=$(($(wc -l <"$PROXY_LOG") + 1))
    run --separate-stderr skiff pull -q --retry 1 --retry-delay 10ms --cert-dir "$CERT_DIR" "$PROXY/test/big:1"
    assert_status 0
    [[ $(proxy_blob_gets "$layer") == *"cut after 500000 bytes"$'\n'*"Range: bytes=500000- → 206" ]] ||
        fail "--retry 1 did not resume the cut GET:" "$(proxy_blob_gets "$layer")"
}
