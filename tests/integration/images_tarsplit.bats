#!/usr/bin/env bats
# Pulled layers go out again byte for byte: images whose layers GNU tar (--format=gnu and
# --format=pax, with tar's 10240-byte padding) and umoci wrote, pushed by skopeo to a real registry
# and pulled by skiff, keep their diff ids and image ID through `skiff save` (oci-archive and
# docker-archive) and through a push that must export the layers again (zstd, forced). A layer
# whose files changed on disk is refused at export, never sent as other bytes.

load helpers
load registry_helpers

set_xattr() {
    python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.tarsplit", sys.argv[2].encode())' "$1" "$2"
}

# A rootfs with what a tar-split must get right: long names, hard links, symbolic links, empty files,
# a non-ASCII name, an xattr.
make_tree() {
    local root=$1
    mkdir -p "$root"
    tar -xf "$(busybox_tarball)" -C "$root" || return 1
    local long
    long=$root/usr/share/$(printf 'l%.0s' {1..120})
    mkdir -p "$long"
    echo "a file under a long name" >"$long/$(printf 'f%.0s' {1..110})"
    ln "$root/etc/passwd" "$root/etc/passwd-hardlink"
    ln -s ../etc/passwd "$root/usr/passwd-symlink"
    : >"$root/etc/empty"
    echo "caf" >"$root/etc/café"
    set_xattr "$root/etc/empty" kept
}

# OCI layout tag NAME from the tar files given, pushed as test/NAME:1.
image_from_tars() {
    local name=$1 l
    shift
    umoci new --image "$LAYOUT:$name" || return 1
    for l in "$@"; do
        umoci raw add-layer --image "$LAYOUT:$name" "$l" || return 1
    done
    umoci config --image "$LAYOUT:$name" --config.cmd sh || return 1
    registry_push_oci "$LAYOUT:$name" "test/$name:1"
}

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    export FIXTURES=$SKIFF_TEST_DIR/fixtures LAYOUT=$SKIFF_TEST_DIR/fixtures/layout
    mkdir -p "$FIXTURES"
    umoci init --layout "$LAYOUT"
    make_tree "$FIXTURES/tree" || return 1
    # GNU format, tar's default blocking: the stream ends in zeros up to a multiple of 10240 bytes.
    tar --format=gnu --sort=name -C "$FIXTURES/tree" -cf "$FIXTURES/gnu.tar" . || return 1
    # PAX: long names, non-ASCII names and xattrs as PAX records, times with sub-seconds.
    mkdir -p "$FIXTURES/more/opt/$(printf 'p%.0s' {1..150})"
    echo pax >"$FIXTURES/more/opt/$(printf 'p%.0s' {1..150})/file"
    echo "naïve" >"$FIXTURES/more/opt/naïve"
    : >"$FIXTURES/more/opt/.wh.gone"
    set_xattr "$FIXTURES/more/opt/naïve" pax || return 1
    tar --format=pax --xattrs --sort=name -C "$FIXTURES/more" -cf "$FIXTURES/pax.tar" . || return 1
    (($(stat -c %s "$FIXTURES/gnu.tar") % 10240 == 0)) || return 1
    image_from_tars gnu "$FIXTURES/gnu.tar" || return 1
    image_from_tars pax "$FIXTURES/gnu.tar" "$FIXTURES/pax.tar" || return 1
    # umoci's own repack (Go's archive/tar).
    registry_push_oci "$(busybox_oci_layout):latest" "test/umoci:1" || return 1
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

# The config digest the registry holds for REPO:TAG.
config_digest() {
    skopeo inspect --cert-dir "$CERT_DIR" --raw "docker://$REGISTRY/$1" | jq -r .config.digest
}

pull() {
    skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/$1:1"
}

# The diff ids of image NAME as skiff stores them, one a line.
diff_ids() {
    skiff image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$REGISTRY/test/$1:1" | grep .
}

@test "pulled GNU, PAX and umoci layers are recorded; the image ID is the registry's config digest" {
    local name id hex
    for name in gnu pax umoci; do
        run pull "$name"
        assert_status 0
        id=$(skiff image inspect --format '{{.Id}}' "$REGISTRY/test/$name:1")
        [[ sha256:${id#sha256:} == "$(config_digest "test/$name:1")" ]] || fail "$name: id $id, config $(config_digest "test/$name:1")"
        for hex in $(diff_ids "$name"); do
            hex=${hex#sha256:}
            [[ -s $SKIFF_TEST_ROOT/layers/$hex/tar-split.zst ]] || fail "$name: layer $hex has no record"
        done
    done
    # umoci kept the tars as given: the GNU layer's diff id is the file's own digest.
    [[ $(diff_ids gnu) == "sha256:$(sha256sum "$FIXTURES/gnu.tar" | cut -d' ' -f1)" ]] || fail "gnu diff ids: $(diff_ids gnu)"
}

@test "save --format oci-archive and docker-archive keep the config digest and the diff ids" {
    local name want out
    for name in gnu pax umoci; do
        pull "$name" >/dev/null
        want=$(config_digest "test/$name:1")
        out=$SKIFF_TEST_DIR/save-$name
        mkdir -p "$out/oci" "$out/docker"
        run skiff save --format oci-archive -o "$out/oci.tar" "$REGISTRY/test/$name:1"
        assert_status 0
        tar -xf "$out/oci.tar" -C "$out/oci"
        local manifest
        manifest=$(jq -r '.manifests[0].digest' "$out/oci/index.json")
        [[ $(jq -r .config.digest "$out/oci/blobs/sha256/${manifest#sha256:}") == "$want" ]] ||
            fail "$name oci-archive config: $(jq -r .config.digest "$out/oci/blobs/sha256/${manifest#sha256:}"), want $want"
        # Each layer blob hashes to its descriptor's digest and, gunzipped, to the diff id.
        local blobs=() unpacked=() b
        mapfile -t blobs < <(jq -r '.layers[].digest' "$out/oci/blobs/sha256/${manifest#sha256:}")
        for b in "${blobs[@]}"; do
            [[ sha256:$(sha256sum "$out/oci/blobs/sha256/${b#sha256:}" | cut -d' ' -f1) == "$b" ]] ||
                fail "$name oci-archive layer $b does not hash to its digest"
            unpacked+=("sha256:$(gzip -dc "$out/oci/blobs/sha256/${b#sha256:}" | sha256sum | cut -d' ' -f1)")
        done
        [[ $(printf '%s\n' "${unpacked[@]}") == "$(diff_ids "$name")" ]] ||
            fail "$name oci-archive layers unpack to ${unpacked[*]}, diff ids $(diff_ids "$name")"
        skopeo_verify "oci-archive:$out/oci.tar"

        run skiff save --format docker-archive -o "$out/docker.tar" "$REGISTRY/test/$name:1"
        assert_status 0
        tar -xf "$out/docker.tar" -C "$out/docker"
        local config layers got=() l
        config=$(jq -r '.[0].Config' "$out/docker/manifest.json")
        [[ sha256:$(sha256sum "$out/docker/$config" | cut -d' ' -f1) == "$want" ]] ||
            fail "$name docker-archive config $config, want $want"
        # The layer files are the uncompressed streams: each hashes to its diff id.
        mapfile -t layers < <(jq -r '.[0].Layers[]' "$out/docker/manifest.json")
        for l in "${layers[@]}"; do got+=("sha256:$(sha256sum "$out/docker/$l" | cut -d' ' -f1)"); done
        [[ $(printf '%s\n' "${got[@]}") == "$(diff_ids "$name")" ]] ||
            fail "$name docker-archive layers ${got[*]}, diff ids $(diff_ids "$name")"
        # skopeo copy reads every layer and checks it against the config's diff ids too.
        skopeo_verify "docker-archive:$out/docker.tar"
    done
    # The GNU layer comes out as the very file GNU tar wrote.
    cmp "$SKIFF_TEST_DIR/save-gnu/docker/$(jq -r '.[0].Layers[0]' "$SKIFF_TEST_DIR/save-gnu/docker/manifest.json")" \
        "$FIXTURES/gnu.tar" || fail "the saved GNU layer differs from gnu.tar"
}

@test "a push that exports the layers again (zstd, forced) keeps the config digest; pulled back, the same ID" {
    local name want m
    for name in gnu pax umoci; do
        pull "$name" >/dev/null
        want=$(config_digest "test/$name:1")
        run --separate-stderr skiff push -q --cert-dir "$CERT_DIR" --compression-format zstd --force-compression \
            "$REGISTRY/test/$name:1" "$REGISTRY/test/copy-$name:1"
        assert_status 0
        m=$(skopeo inspect --cert-dir "$CERT_DIR" --raw "docker://$REGISTRY/test/copy-$name:1")
        # The layers were written again (zstd), the config not changed.
        [[ $(jq -r '[.layers[].mediaType] | unique | join(",")' <<<"$m") == application/vnd.oci.image.layer.v1.tar+zstd ]] ||
            fail "$name: layers were not exported again: $m"
        [[ $(jq -r .config.digest <<<"$m") == "$want" ]] || fail "$name: config $(jq -r .config.digest <<<"$m"), want $want"
        skopeo_verify "docker://$REGISTRY/test/copy-$name:1" --src-cert-dir "$CERT_DIR"
    done
    use_fresh_store
    run skiff pull -q --cert-dir "$CERT_DIR" "$REGISTRY/test/copy-pax:1"
    assert_status 0
    local id
    id=$(skiff image inspect --format '{{.Id}}' "$REGISTRY/test/copy-pax:1")
    [[ sha256:${id#sha256:} == "$(config_digest test/pax:1)" ]] || fail "pulled back with another ID: $id"
    run skiff run --rm "$REGISTRY/test/copy-pax:1" cat /opt/naïve
    assert_status 0
    assert_output "naïve"
}

@test "a layer changed on disk is refused at save and push, with nothing written" {
    use_fresh_store
    pull gnu >/dev/null
    local hex
    hex=$(diff_ids gnu)
    hex=${hex#sha256:}
    # Same size, other bytes: only the digest check can tell.
    sed -i 's/root/ROOT/' "$SKIFF_TEST_ROOT/layers/$hex/diff/etc/group"
    run --separate-stderr skiff save --format docker-archive -o "$SKIFF_TEST_DIR/changed.tar" "$REGISTRY/test/gnu:1"
    assert_status 125
    assert_error_last "changed on disk" "sha256:$hex"
    [[ ! -e $SKIFF_TEST_DIR/changed.tar ]] || fail "save left $SKIFF_TEST_DIR/changed.tar"
    # A different size is caught before any byte of it is read.
    echo more >>"$SKIFF_TEST_ROOT/layers/$hex/diff/etc/passwd"
    run --separate-stderr skiff push -q --cert-dir "$CERT_DIR" --compression-format zstd --force-compression \
        "$REGISTRY/test/gnu:1" "$REGISTRY/test/changed:1"
    assert_status 125
    assert_error_last "changed on disk" "etc/passwd"
    run skopeo inspect --cert-dir "$CERT_DIR" --raw "docker://$REGISTRY/test/changed:1"
    assert_status 1
    assert_output_contains "manifest unknown"
}

@test "a layer skiff made itself (import) exports the same bytes every time" {
    use_fresh_store
    import_busybox local-made
    local d=$SKIFF_TEST_DIR/import-saves
    mkdir -p "$d/one" "$d/two"
    skiff save --format docker-archive -o "$d/one.tar" local-made
    skiff save --format docker-archive -o "$d/two.tar" local-made
    tar -xf "$d/one.tar" -C "$d/one"
    tar -xf "$d/two.tar" -C "$d/two"
    run diff -r "$d/one" "$d/two"
    assert_status 0
    local id
    id=$(skiff image inspect --format '{{.Id}}' local-made)
    [[ $(jq -r '.[0].Config' "$d/one/manifest.json") == *"${id#sha256:}"* ]] ||
        fail "config $(jq -r '.[0].Config' "$d/one/manifest.json"), id $id"
}
