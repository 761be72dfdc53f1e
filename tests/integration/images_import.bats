#!/usr/bin/env bats
# `skiff import`, `skiff images`, `skiff inspect`: a rootfs tarball becomes a one-layer image, named
# as podman names it, listed and inspected in podman's shapes.

load helpers

# Every test starts from an empty image store (the file shares one store).
setup() { skiff rmi -a -f >/dev/null 2>&1 || true; }

layer_count() { find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | wc -l; }

@test "import prints the new image's id and images lists it as localhost/NAME:latest" {
    tar=$(busybox_tarball)
    run --separate-stderr skiff import "$tar" demo
    assert_status 0
    [[ $output =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import output: $output"
    id=${output#sha256:}
    run skiff images
    assert_status 0
    [[ ${lines[0]} == "REPOSITORY "*"TAG "*"IMAGE ID "*"CREATED "*"SIZE" ]] || fail "header: ${lines[0]}"
    [[ ${lines[1]} == "localhost/demo "*"latest "*"${id:0:12} "* ]] || fail "row: ${lines[1]}"
    [[ ${lines[1]} == *" MB" ]] || fail "size column: ${lines[1]}"
    run skiff images -q --no-trunc demo
    assert_output "sha256:$id"
    run skiff images -q
    assert_output "${id:0:12}"
}

@test "import reports podman's copy steps on stderr; -q leaves only the id" {
    tar=$(busybox_tarball)
    run --separate-stderr skiff import "$tar" steps
    assert_status 0
    id=${output#sha256:}
    [[ $stderr == "Getting image source signatures
Copying blob sha256:"*"
Copying config sha256:$id
Writing manifest to image destination
Storing signatures" ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff import -q - quiet <"$tar"
    assert_status 0
    [[ $output =~ ^sha256:[0-9a-f]{64}$ && -z $stderr ]] || fail "quiet: [$output] [$stderr]"
}

@test "the same tarball imported again keeps one layer; gzip and zstd streams unpack to the same layer" {
    tar=$(busybox_tarball)
    skiff import "$tar" one >/dev/null
    gzip -c "$tar" | skiff import - two:gz >/dev/null
    zstd -q -c "$tar" >"$SKIFF_TEST_DIR/rootfs.tar.zst"
    skiff import "$SKIFF_TEST_DIR/rootfs.tar.zst" two:zst >/dev/null
    [[ $(layer_count) -eq 1 ]] || fail "layers: $(ls "$SKIFF_TEST_ROOT/layers")"
    run skiff inspect --format '{{.RootFS.Layers}}' one two:gz two:zst
    assert_status 0
    [[ ${lines[0]} == "${lines[1]}" && ${lines[1]} == "${lines[2]}" ]] || fail "layers differ: $output"
    [[ ${lines[0]} == "[sha256:$(sha256sum <"$tar" | cut -d' ' -f1)]" ]] || fail "diff id: ${lines[0]}"
}

@test "import names: a tag, a registry, and a name that moves to the newer image" {
    tar=$(busybox_tarball)
    skiff import "$tar" demo:1 >/dev/null
    skiff import "$tar" quay.io/org/app:v2 >/dev/null
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output_contains "localhost/demo:1"
    assert_output_contains "quay.io/org/app:v2"
    first=$(skiff images -q --no-trunc demo:1)
    # From stdin the config's time is now, so this is a new image; the name moves to it.
    skiff import - demo:1 <"$tar" >/dev/null
    second=$(skiff images -q --no-trunc demo:1)
    [[ $first != "$second" ]] || fail "same image id $first"
    run skiff images --format '{{.ID}} {{.Repository}}:{{.Tag}}' --no-trunc
    assert_output_contains "$second localhost/demo:1"
    assert_output_contains "$first quay.io/org/app:v2"
    refute_output_contains "$first localhost/demo:1"
    # An image that loses its only name stays, as <none>.
    cp "$tar" "$SKIFF_TEST_DIR/solo.tar"
    touch -d '2020-01-01 00:00:00' "$SKIFF_TEST_DIR/solo.tar"
    solo=$(skiff import "$SKIFF_TEST_DIR/solo.tar" solo)
    skiff import - solo <"$tar" >/dev/null
    run skiff images --format '{{.ID}} {{.Repository}}:{{.Tag}}' --no-trunc
    assert_output_contains "$solo <none>:<none>"
}

@test "import --change and --message shape the config, and run uses it" {
    tar=$(busybox_tarball)
    skiff import -c 'CMD ["echo", "from", "cmd"]' -c 'ENV GREETING=hi there' -c 'WORKDIR=/tmp' -c 'USER 1000:1000' \
        -c 'EXPOSE 8080' -c 'LABEL team=storage' -c 'STOPSIGNAL SIGINT' -m "my message" "$tar" changed >/dev/null
    run skiff inspect changed
    assert_status 0
    python3 - "$output" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 1
c = d[0]["Config"]
assert c["Cmd"] == ["echo", "from", "cmd"], c
assert "GREETING=hi there" in c["Env"], c
assert c["WorkingDir"] == "/tmp" and c["User"] == "1000:1000", c
assert c["ExposedPorts"] == {"8080/tcp": {}}, c
assert c["Labels"] == {"team": "storage"} and c["StopSignal"] == "2", c
assert d[0]["Comment"] == "my message" and d[0]["History"][0]["comment"] == "my message", d[0]
assert d[0]["RepoTags"] == ["localhost/changed:latest"]
assert d[0]["RootFS"]["Type"] == "layers" and len(d[0]["RootFS"]["Layers"]) == 1
assert d[0]["Os"] == "linux" and d[0]["Architecture"]
EOF
    run skiff run --rm changed
    assert_status 0
    assert_output "from cmd"
    run skiff run --rm changed sh -c 'echo "$GREETING $(pwd) $(id -u)"'
    assert_output "hi there /tmp 1000"
}

@test "import refuses a bad change, a bad name and a missing file, creating nothing" {
    tar=$(busybox_tarball)
    run --separate-stderr skiff import -c 'FOO=bar' "$tar" bad
    assert_status 125
    assert_one_error_line 'invalid change "FOO=bar"' "invalid instruction FOO"
    run --separate-stderr skiff import "$tar" 'Bad:Name'
    assert_status 125
    assert_one_error_line "invalid reference format"
    run --separate-stderr skiff import "$SKIFF_TEST_DIR/no-such.tar" x
    assert_status 125
    assert_one_error_line "no-such.tar" "No such file or directory"
    run --separate-stderr skiff import
    assert_status 125
    run skiff images -q
    assert_output ""
    [[ $(layer_count) -eq 0 ]] || fail "a layer was left"
}

@test "import refuses a stream that is not a tarball and leaves no staging directory" {
    head -c 5000 /dev/urandom >"$SKIFF_TEST_DIR/garbage"
    run --separate-stderr skiff import "$SKIFF_TEST_DIR/garbage" junk
    assert_status 125
    assert_one_error_line "layer $SKIFF_TEST_DIR/garbage"
    run find "$SKIFF_TEST_ROOT/layers" "$SKIFF_TEST_ROOT/staging" -mindepth 1 -maxdepth 1
    assert_output ""
}

@test "images --format json is podman's list; inspect is a JSON array; a template prints fields" {
    tar=$(busybox_tarball)
    id=$(skiff import "$tar" js | cut -d: -f2)
    run skiff images --format json
    assert_status 0
    python3 - "$output" "$id" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert [i["Id"] for i in d] == [sys.argv[2]], d
i = d[0]
for k in ("Id", "ParentId", "RepoTags", "RepoDigests", "Size", "SharedSize", "VirtualSize", "Labels",
          "Containers", "Names", "Digest", "History", "Created", "CreatedAt"):
    assert k in i, k
assert i["Names"] == ["localhost/js:latest"] and i["Digest"].startswith("sha256:")
assert i["RepoDigests"] == ["localhost/js@" + i["Digest"]]
EOF
    run skiff inspect --format '{{.Id}} {{.Os}} {{.RepoTags}}' js
    assert_output "$id linux [localhost/js:latest]"
    run skiff images --noheading --format 'table {{.Repository}} {{.Tag}}'
    [[ $output == "localhost/js"*"latest" ]] || fail "noheading: $output"
    run --separate-stderr skiff inspect js nope
    assert_status 125
    assert_one_error_line 'no such object: "nope"'
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d) == 1' "$output"
}

@test "parallel imports of one tarball all succeed and share one layer" {
    tar=$(busybox_tarball)
    pids=()
    for i in 1 2 3 4; do
        skiff import - "par$i" <"$tar" >"$SKIFF_TEST_DIR/par$i.out" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "an import failed: $(cat "$SKIFF_TEST_DIR"/par*.out)"; done
    [[ $(layer_count) -eq 1 ]] || fail "layers: $(ls -a "$SKIFF_TEST_ROOT/layers")"
    run skiff images --format '{{.Repository}}'
    [[ $(grep -c 'localhost/par' <<<"$output") -eq 4 ]] || fail "images: $output"
    run find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '.*'
    assert_output ""
}
