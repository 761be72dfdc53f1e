#!/usr/bin/env bats
# skiff inspect of images: podman's JSON keys, and the Go field names its --format templates see.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "an image template sees podman's Go field names; {{.Id}} means the ID" {
    local id
    id=$(skiff images --no-trunc --format '{{.ID}}' busybox)
    id=${id#sha256:}
    run skiff inspect --format '{{.ID}}' busybox
    assert_status 0
    assert_output "$id"
    run skiff inspect --format '{{ .Id }}/{{.ID}}' busybox
    assert_output "$id/$id"
    run skiff inspect --type image --format '{{range .History}}{{.CreatedBy}}{{end}}' busybox
    assert_status 0
}

@test "image inspect JSON keeps podman's keys" {
    run skiff inspect busybox
    assert_status 0
    assert_output_contains '"Id": "'
    refute_output_contains '"ID"'
}
