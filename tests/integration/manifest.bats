#!/usr/bin/env bats
# skiff manifest: lists kept in the image store (create, add, annotate, remove, inspect, exists, rm),
# how images, tag and rmi treat them, and a list pushed to a real TLS registry, read back by skopeo
# and podman and pulled by skiff.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    # A lone image in the registry, for the lists to take entries from.
    registry_push_oci "$(busybox_oci_layout):latest" test/busybox:1
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

setup() {
    use_fresh_store
}

# The JSON on stdin, through a python expression over `j` that must hold.
json_check() {
    python3 -c '
import json, sys
j = json.load(sys.stdin)
assert eval(sys.argv[1]), j
' "$1"
}

# podman with a store of its own; its manifest inspect takes no certificate flags, so a
# registries.conf of its own lets it reach the test registry.
podman_reading_registry() {
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$SKIFF_TEST_DIR/podman-registries.conf"
    CONTAINERS_REGISTRIES_CONF=$SKIFF_TEST_DIR/podman-registries.conf podman --root "$SKIFF_TEST_DIR/podman-root" \
        --runroot "$SKIFF_TEST_DIR/podman-run" --storage-driver vfs "$@"
}

@test "manifest create: a bare list is an image to images, tag and rmi, and inspects as podman's" {
    import_busybox demo
    local iid
    iid=$(skiff inspect --format '{{.ID}}' demo)

    run --separate-stderr skiff manifest create test:1.0
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "create printed [$output]"
    local lid=$output

    run skiff images --format '{{.ID}}' --no-trunc
    assert_status 0
    assert_output_contains "sha256:$iid"
    assert_output_contains "sha256:$lid"
    run skiff images --format '{{.Repository}}:{{.Tag}}' --filter manifest=true
    assert_output "localhost/test:1.0"
    run skiff images --format '{{.Repository}}' --filter manifest=false
    assert_output "localhost/demo"

    # podman's output for an empty list, byte for byte.
    run skiff manifest inspect test:1.0
    assert_status 0
    assert_output '{
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": null
}'

    run skiff manifest exists test:1.0
    assert_status 0
    run skiff manifest exists nosuch
    assert_status 1
    run --separate-stderr skiff manifest exists demo
    assert_status 125
    assert_one_error_line "demo: image is not a manifest list"
    # Without a local image for this host, the list is no image to run or inspect.
    run skiff image exists test:1.0
    assert_status 1

    run --separate-stderr skiff manifest create test:1.0
    assert_status 125
    assert_one_error_line 'image name "localhost/test:1.0" is already associated with image' "already in use"
    run skiff manifest create --amend test:1.0
    assert_status 0
    assert_output "$lid"

    run skiff tag test:1.0 test:2.0
    assert_status 0
    run skiff manifest rm test:2.0
    assert_status 0
    assert_output "Untagged: localhost/test:2.0"
    run skiff rmi test:1.0
    assert_status 0
    assert_output "Untagged: localhost/test:1.0
Deleted: $lid"
    run skiff images -q --no-trunc
    assert_output "sha256:$iid"
}

@test "manifest rm: lists only; two identical lists keep their shared blob" {
    import_busybox demo
    skiff manifest create one >/dev/null
    skiff manifest create two >/dev/null
    run --separate-stderr skiff manifest rm demo
    assert_status 125
    assert_one_error_line "demo: image is not a manifest list"
    run --separate-stderr skiff manifest rm nosuch
    assert_status 1
    run skiff manifest rm one
    assert_status 0
    # The other list still reads its (identical) bytes.
    run skiff manifest inspect two
    assert_status 0
    assert_output_contains '"manifests": null'
}

@test "manifest add containers-storage: records the image's digest, size, type and platform" {
    import_busybox demo
    local digest arch
    digest=$(skiff inspect --format '{{.Digest}}' demo)
    arch=$(skiff inspect --format '{{.Architecture}}' demo)
    skiff manifest create list >/dev/null

    run skiff manifest add list containers-storage:demo
    assert_status 0
    skiff manifest inspect list | json_check "len(j['manifests']) == 1 and j['manifests'][0]['digest'] == '$digest' and j['manifests'][0]['platform'] == {'architecture': '$arch', 'os': 'linux'}"
    # The size is that of the manifest the digest names.
    local size
    size=$(skiff manifest inspect list | python3 -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["size"])')
    [[ $size -eq $(stat -c %s "$SKIFF_TEST_ROOT/blobs/sha256/${digest#sha256:}") ]] || fail "size $size"

    # Now the list stands for that image on this host.
    run skiff image exists list
    assert_status 0
    run skiff inspect --format '{{.Digest}}' list
    assert_output "$digest"

    run skiff manifest annotate --arch arm64 --variant v8 --os-version 1.2 --os-features f1 --annotation a=b list "$digest"
    assert_status 0
    skiff manifest inspect list | json_check "j['manifests'][0]['platform'] == {'architecture': 'arm64', 'os': 'linux', 'os.version': '1.2', 'os.features': ['f1'], 'variant': 'v8'} and j['manifests'][0]['annotations'] == {'a': 'b'}"

    run --separate-stderr skiff manifest annotate --annotation nokey list "$digest"
    assert_status 125
    assert_one_error_line 'no value given for annotation "nokey"'
    run --separate-stderr skiff manifest remove list sha256:nothex
    assert_status 125
    assert_one_error_line 'invalid image digest "sha256:nothex"'

    run skiff manifest remove list "$digest"
    assert_status 0
    run skiff manifest inspect list
    assert_output_contains '"manifests": null'
    # rmi of the list leaves the image it listed.
    skiff manifest add list containers-storage:demo >/dev/null
    run skiff manifest rm list
    assert_status 0
    run skiff image exists demo
    assert_status 0
    # rmi -a takes every image by its own id: lists with their images, in any order.
    skiff manifest create list containers-storage:demo >/dev/null
    skiff manifest create empty >/dev/null
    run skiff rmi -a
    assert_status 0
    run skiff images -q
    assert_output ""
}

@test "manifest add and inspect of a registry reference" {
    local digest
    digest=$(skopeo inspect --raw --cert-dir "$CERT_DIR" "docker://$REGISTRY/test/busybox:1" | sha256sum | cut -d' ' -f1)
    skiff manifest create list >/dev/null
    run skiff manifest add --cert-dir "$CERT_DIR" --arch arm64 list "docker://$REGISTRY/test/busybox:1"
    assert_status 0
    skiff manifest inspect list | json_check "j['manifests'][0]['digest'] == 'sha256:$digest' and j['manifests'][0]['platform']['architecture'] == 'arm64' and j['manifests'][0]['mediaType'] == 'application/vnd.oci.image.manifest.v1+json'"

    # A lone OCI manifest in the registry is podman's error; a lone docker one is printed, with a
    # warning, as podman prints it.
    run --separate-stderr skiff manifest inspect --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1"
    assert_status 125
    assert_one_error_line "Treating single images as manifest lists is not implemented"
    registry_push_oci "$(busybox_oci_layout):latest" test/busybox:v2s2 --format v2s2
    run --separate-stderr skiff manifest inspect --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:v2s2"
    assert_status 0
    [[ $stderr == *"The manifest type application/vnd.docker.distribution.manifest.v2+json is not a manifest list but a single image"* ]] ||
        fail "stderr: $stderr"
    command -v podman >/dev/null || return 0
    local ours=$output
    run --separate-stderr podman_reading_registry manifest inspect "$REGISTRY/test/busybox:v2s2"
    assert_status 0
    [[ $ours == "$output" ]] || fail "skiff printed [$ours]" "podman printed [$output]"
    # The same error line as podman's.
    run --separate-stderr podman_reading_registry manifest inspect "$REGISTRY/test/busybox:1"
    assert_status 125
    local podman_error=$stderr
    run --separate-stderr skiff manifest inspect --cert-dir "$CERT_DIR" "$REGISTRY/test/busybox:1"
    [[ $stderr == "$podman_error" ]] || fail "skiff: [$stderr]" "podman: [$podman_error]"
}

@test "manifest push --all: skopeo and podman read the list, skiff pulls this host's image from it" {
    import_busybox demo
    skiff manifest create list containers-storage:demo >/dev/null
    skiff manifest add --arch arm64 --variant v8 list "docker://$REGISTRY/test/busybox:1" --cert-dir "$CERT_DIR" >/dev/null

    run --separate-stderr skiff manifest push --cert-dir "$CERT_DIR" --digestfile "$SKIFF_TEST_DIR/list.digest" list "docker://$REGISTRY/test/multi:1"
    assert_status 0
    [[ -z $output ]] || fail "push printed on stdout: $output"
    # podman's report of a list's push, around each image's.
    [[ $stderr == "Getting image list signatures"$'\n'"Copying 2 of 2 images in list"$'\n'"Copying image sha256:"*" (1/2)"$'\n'"Getting image source signatures"$'\n'* &&
        $stderr == *"Copying image sha256:"*" (2/2)"* &&
        $stderr == *$'\n'"Writing manifest list to image destination"$'\n'"Storing list signatures" ]] || fail "stderr: $stderr"

    local raw
    raw=$(skopeo inspect --raw --cert-dir "$CERT_DIR" "docker://$REGISTRY/test/multi:1")
    [[ $(cat "$SKIFF_TEST_DIR/list.digest") == "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" ]] ||
        fail "digest file $(cat "$SKIFF_TEST_DIR/list.digest") is not that of [$raw]"
    json_check "j['mediaType'] == 'application/vnd.docker.distribution.manifest.list.v2+json' and len(j['manifests']) == 2" <<<"$raw"

    # The entry from another repository was copied into this one, blobs and all.
    local remote
    remote=$(skopeo inspect --raw --cert-dir "$CERT_DIR" "docker://$REGISTRY/test/busybox:1" | sha256sum | cut -d' ' -f1)
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/multi@sha256:$remote" "oci:$SKIFF_TEST_DIR/remote:x"
    assert_status 0
    # skopeo copies the host's image through the list, checking every digest.
    run skopeo copy -q --src-cert-dir "$CERT_DIR" "docker://$REGISTRY/test/multi:1" "oci:$SKIFF_TEST_DIR/copied:x"
    assert_status 0

    if command -v podman >/dev/null; then
        run podman_reading_registry manifest inspect "$REGISTRY/test/multi:1"
        assert_status 0
        json_check "sorted(m['platform']['architecture'] for m in j['manifests']) == sorted(['$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')', 'arm64'])" <<<"$output"
    fi

    # A fresh store pulls this host's entry: the image pushed from demo.
    use_fresh_store
    export SKIFF_TEST_ROOT=$SKIFF_TEST_ROOT-pull SKIFF_TEST_RUNROOT=$SKIFF_TEST_RUNROOT-pull
    run skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/multi:1"
    assert_status 0
    run skiff run --rm "$REGISTRY/test/multi:1" echo from-the-list
    assert_status 0
    assert_output "from-the-list"
}

@test "manifest push --rm removes the list; --format oci pushes an OCI index" {
    import_busybox demo
    skiff manifest create list containers-storage:demo >/dev/null
    run --separate-stderr skiff manifest push -q --rm --format oci --cert-dir "$CERT_DIR" list "$REGISTRY/test/multi:oci"
    assert_status 0
    [[ -z $stderr ]] || fail "-q printed: $stderr"
    skopeo inspect --raw --cert-dir "$CERT_DIR" "docker://$REGISTRY/test/multi:oci" |
        json_check "j['mediaType'] == 'application/vnd.oci.image.index.v1+json' and j['manifests'][0]['mediaType'] == 'application/vnd.oci.image.manifest.v1+json'"
    run skiff manifest exists list
    assert_status 1
    run skiff image exists demo
    assert_status 0
}

@test "manifest inspect of a list prints what podman prints for the same list" {
    command -v podman >/dev/null || skip "podman is needed"
    local ref=docker://$REGISTRY/test/busybox:1 cmd
    for cmd in skiff podman_reading_registry; do
        $cmd manifest create list >/dev/null
        $cmd manifest add --cert-dir "$CERT_DIR" --arch arm64 --variant v8 --os-version 10.1 list "$ref" >/dev/null
    done
    run skiff manifest inspect list
    assert_status 0
    local ours=$output
    run podman_reading_registry manifest inspect list
    assert_status 0
    [[ $ours == "$output" ]] || fail "skiff printed [$ours]" "podman printed [$output]"

    local digest
    digest=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["digest"])' <<<"$ours")
    for cmd in skiff podman_reading_registry; do
        $cmd manifest annotate --annotation org.example=1 --os linux list "$digest" >/dev/null
    done
    run skiff manifest inspect list
    ours=$output
    run podman_reading_registry manifest inspect list
    [[ $ours == "$output" ]] || fail "annotated: skiff printed [$ours]" "podman printed [$output]"
}
