#!/usr/bin/env bats
# skiff diff and skiff commit: a container's changes listed (overlay and vfs, and an image's top
# layer), then stored as a new layer and image that run, history, inspect, push and pull all accept.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    import_busybox
    skiff_vfs import "$(busybox_tarball)" busybox >/dev/null
}

teardown_file() { skiff_teardown_file; }

setup() { remove_all_containers; }

# The registry is started by the one test that needs it, so it is stopped in that test's process.
teardown() {
    [[ -z ${REGISTRY_PID:-} ]] || stop_registry
    skiff_teardown
}

# What every diff test does to a busybox container.
readonly CHANGES='echo hi > /new; echo more >> /etc/passwd; rm /etc/group; mkdir -p /newdir/sub; touch /newdir/sub/f; rm -r /home'

# The lines CHANGES must give (the runtime's own mount points left out).
expected_diff() {
    printf '%s\n' 'C /etc' 'D /etc/group' 'C /etc/passwd' 'D /home' 'A /new' 'A /newdir' 'A /newdir/sub' \
        'A /newdir/sub/f'
}

# The number of layers of IMAGE (in skiff's store).
layer_count() {
    skiff inspect --format '{{len .RootFS.Layers}}' "$1"
}

@test "diff lists what a container added, changed and deleted, sorted, with the overlay driver" {
    skiff run --name chg-ov busybox sh -c "$CHANGES"
    run --separate-stderr skiff diff chg-ov
    assert_status 0
    [[ $output == "$(expected_diff)" ]] || fail "diff: got [$output]" "want [$(expected_diff)]"
    # container diff is the same command; image diff refuses a container's name.
    run skiff container diff chg-ov
    assert_status 0
    [[ $output == "$(expected_diff)" ]] || fail "container diff: got [$output]"
    run --separate-stderr skiff image diff chg-ov
    assert_status 125
    assert_one_error_line chg-ov
}

@test "diff of a vfs container compares its copy with the image's layers and agrees with overlay" {
    skiff_vfs run --name chg-vfs busybox sh -c "$CHANGES"
    run --separate-stderr skiff_vfs diff chg-vfs
    assert_status 0
    [[ $output == "$(expected_diff)" ]] || fail "vfs diff: got [$output]" "want [$(expected_diff)]"
    # Same size, new content, new mtime: changed. Same content rewritten: not a change.
    skiff_vfs run --name same-vfs busybox sh -c 'sed -i s/root:x/ROOT:x/ /etc/passwd; cp /etc/group /etc/g.tmp; cat /etc/g.tmp > /etc/group; rm /etc/g.tmp'
    run skiff_vfs diff same-vfs
    assert_status 0
    assert_output "C /etc
C /etc/passwd"
}

@test "diff --format json groups the paths as podman does; a container never started has no changes" {
    skiff run --name chg-json busybox sh -c "$CHANGES"
    run skiff diff --format json chg-json
    assert_status 0
    jq -e '.added == ["/new", "/newdir", "/newdir/sub", "/newdir/sub/f"] and .deleted == ["/etc/group", "/home"]
           and .changed == ["/etc", "/etc/passwd"]' <<<"$output" >/dev/null || fail "json: $output"

    skiff create --name fresh-one busybox true >/dev/null
    run skiff diff fresh-one
    assert_status 0
    assert_output ""
    run skiff diff --format json fresh-one
    assert_status 0
    [[ $(jq -c . <<<"$output") == "{}" ]] || fail "json of no change: $output"
}

@test "diff --latest: the container created last, as podman's -l; its errors" {
    run --separate-stderr skiff diff --latest
    assert_status 125
    assert_one_error_line "unable to get latest container: no such container"
    skiff run --name older busybox sh -c "$CHANGES"
    run skiff diff -l
    assert_status 0
    [[ $output == "$(expected_diff)" ]] || fail "diff -l: got [$output]" "want [$(expected_diff)]"
    skiff create --name newer busybox true >/dev/null
    run skiff container diff --latest --format json
    assert_status 0
    [[ $(jq -c . <<<"$output") == "{}" ]] || fail "not the newest container: $output"
    run --separate-stderr skiff diff -l older
    assert_status 125
    assert_one_error_line "--latest and containers cannot be used together"
    run --separate-stderr skiff diff
    assert_status 125
    assert_one_error_line '"skiff diff" requires a name, id, or the "--latest" flag'
    run --separate-stderr skiff image diff --latest
    assert_status 125
}

@test "commit: the new image runs with the file, the deleted file stays deleted, -c CMD is its command" {
    skiff run --name maker busybox sh -c 'echo committed > /new; rm /etc/group'
    run --separate-stderr skiff commit -q -a "Ann Author" -m "my message" -c 'CMD ["cat", "/new"]' maker committed:v1
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "commit printed [$output]"
    [[ -z $stderr ]] || fail "stderr: $stderr"
    local id=$output

    run skiff images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
    assert_output_contains "${id:0:12} localhost/committed:v1"
    run skiff run --rm committed:v1
    assert_status 0
    assert_output "committed"
    run skiff run --rm committed:v1 test -e /etc/group
    assert_status 1
    run skiff run --rm committed:v1 cat /etc/passwd
    assert_status 0
    assert_output_contains "root:x:0:0"

    run skiff history --format '{{.Comment}}|{{.CreatedBy}}' committed:v1
    assert_status 0
    [[ ${lines[0]} == "my message|sh -c echo committed > /new; rm /etc/group" ]] || fail "history: $output"
    run skiff inspect --format '{{.Author}}|{{.Comment}}|{{len .RootFS.Layers}}|{{json .Config.Cmd}}' committed:v1
    assert_status 0
    assert_output 'Ann Author|my message|2|["cat","/new"]'

    # The image's own top layer, as diff shows it.
    run skiff image diff committed:v1
    assert_status 0
    grep -qx 'A /new' <<<"$output" && grep -qx 'D /etc/group' <<<"$output" && grep -qx 'C /etc' <<<"$output" ||
        fail "image diff: $output"
}

@test "commit keeps the container's command, env and labels unless -c changes them; names as podman" {
    skiff run --name cfg-src -e GREETING=hello --label stage=two busybox sh -c 'echo $GREETING > /greeting'
    skiff commit -c 'ENV EXTRA=1' -c 'LABEL more=yes' cfg-src withcfg >/dev/null
    run skiff inspect --format '{{json .Config.Cmd}}|{{.Config.Labels.stage}}|{{.Config.Labels.more}}' withcfg
    assert_status 0
    assert_output '["sh","-c","echo $GREETING \u003e /greeting"]|two|yes'
    run skiff run --rm withcfg sh -c 'echo $GREETING $EXTRA; cat /greeting'
    assert_status 0
    assert_output "hello 1
hello"
    run skiff images --format '{{.Repository}}:{{.Tag}}'
    assert_output_contains "localhost/withcfg:latest"

    # Without a name: a dangling image.
    run skiff commit cfg-src
    assert_status 0
    run skiff images --format '{{.ID}} {{.Repository}}'
    assert_output_contains "${output:0:12} <none>"
}

@test "commit of a container of a committed image adds a second layer; --format docker" {
    skiff run --name first-step busybox sh -c 'echo one > /one; rm /etc/group'
    skiff commit first-step stepped:1 >/dev/null
    skiff run --name second-step stepped:1 sh -c 'echo two > /two; rm /one; echo back > /etc/group2'
    skiff commit -f docker second-step stepped:2 >/dev/null
    run layer_count stepped:2
    assert_output 3
    run skiff run --rm stepped:2 sh -c 'cat /two /etc/group2; test -e /one || echo no-one; test -e /etc/group || echo no-group'
    assert_status 0
    assert_output "two
back
no-one
no-group"
    run skiff run --rm stepped:1 cat /one
    assert_output "one"
    run skiff image diff stepped:2
    assert_status 0
    grep -qx 'D /one' <<<"$output" && grep -qx 'A /two' <<<"$output" || fail "image diff: $output"
}

@test "commit --squash: one layer with the whole file system, one history entry" {
    skiff run --name sq-first busybox sh -c 'echo one > /one; rm /etc/group'
    skiff commit sq-first sq:1 >/dev/null
    skiff run --name sq-second sq:1 sh -c 'echo two > /two; rm /one'
    skiff commit -s -m squashed sq-second sq:2 >/dev/null
    run layer_count sq:2
    assert_output 1
    run skiff history --format '{{.Comment}}' sq:2
    assert_status 0
    assert_output squashed
    run skiff run --rm sq:2 sh -c 'cat /two; test -e /one || echo no-one; test -e /etc/group || echo no-group; cat /etc/passwd | head -1'
    assert_status 0
    assert_output "two
no-one
no-group
root:x:0:0:root:/root:/bin/sh"
    # The one layer holds everything, the busybox binary included; nothing is a whiteout.
    run skiff image diff sq:2
    assert_status 0
    grep -qx 'A /bin/busybox' <<<"$output" && ! grep -q '^D ' <<<"$output" || fail "image diff: $output"
}

@test "commit adds the anonymous volumes to the image's volumes; --include-volumes every mount" {
    mkdir -p "$BATS_TEST_TMPDIR/host"
    skiff run --name vols -v /anon -v "$BATS_TEST_TMPDIR/host:/bound" --tmpfs /scratch busybox true
    skiff commit vols vols:1 >/dev/null
    run skiff inspect --format '{{json .Config.Volumes}}' vols:1
    assert_status 0
    assert_output '{"/anon":{}}'
    skiff commit --include-volumes vols vols:2 >/dev/null
    run skiff inspect --format '{{json .Config.Volumes}}' vols:2
    assert_status 0
    assert_output '{"/anon":{},"/bound":{},"/scratch":{}}'
}

@test "commit of a running container takes its files as they are; the container keeps running" {
    skiff run -d --name live-one busybox sh -c 'echo early > /early; sleep 60' >/dev/null
    local i
    for i in $(seq 100); do
        skiff diff live-one | grep -qx 'A /early' && break
        sleep 0.05
    done
    run --separate-stderr skiff commit live-one fromlive
    assert_status 0
    run skiff run --rm fromlive cat /early
    assert_output "early"
    run skiff ps --filter name=live-one --format '{{.Status}}'
    assert_output_contains "Up"
    skiff stop -t 0 live-one >/dev/null
}

@test "commit --pause thaws the container after; one paused before stays paused" {
    skiff run -d --name ticker busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done' >/dev/null
    run --separate-stderr skiff commit --pause ticker ticked
    assert_status 0
    run skiff ps --filter name=ticker --format '{{.Status}}'
    [[ $output == Up* ]] || fail "after commit --pause: $output"
    local before
    before=$(skiff exec ticker cat /count)
    sleep 0.5
    [[ $(skiff exec ticker cat /count) -gt $before ]] || fail "the counter stopped: still frozen"
    skiff pause ticker >/dev/null
    run --separate-stderr skiff commit -p ticker ticked2
    assert_status 0
    run skiff inspect --format '{{.State.Status}}' ticker
    assert_output "paused"
    run skiff run --rm ticked2 cat /count
    [[ $output -gt 0 ]] || fail "committed count: $output"
    skiff unpause ticker >/dev/null
    skiff stop -t 0 ticker >/dev/null
}

@test "commit of a vfs container: the layer holds its changes and whiteouts" {
    skiff_vfs run --name vfs-maker busybox sh -c 'echo vfs > /new; rm /etc/group; rm -r /home; echo changed > /etc/passwd'
    run --separate-stderr skiff_vfs commit vfs-maker vfscommit
    assert_status 0
    run skiff_vfs run --rm vfscommit sh -c 'cat /new /etc/passwd; ls /home 2>&1 || echo no-home; test -e /etc/group || echo no-group'
    assert_status 0
    assert_output "vfs
changed
ls: /home: No such file or directory
no-home
no-group"
    # Only the changes went into the layer: nothing else of the image was copied into it.
    run skiff_vfs image diff vfscommit
    assert_status 0
    refute_output_contains "/bin/busybox"
    grep -qx 'A /new' <<<"$output" && grep -qx 'D /home' <<<"$output" || fail "image diff: $output"
}

@test "commit and diff errors: one line, exit 125, nothing written" {
    skiff run --name err-src busybox sh -c 'echo x > /x'
    local before layers_before
    before=$(skiff images -q | sort)
    layers_before=$(ls "$SKIFF_TEST_ROOT/layers" | sort)

    run --separate-stderr skiff commit no-such-container img
    assert_status 125
    assert_one_error_line no-such-container
    run --separate-stderr skiff commit -c 'BOGUS foo' err-src img
    assert_status 125
    assert_one_error_line BOGUS
    run --separate-stderr skiff commit -f v2s1 err-src img
    assert_status 125
    assert_one_error_line v2s1
    run --separate-stderr skiff commit err-src 'Bad:Name:x'
    assert_status 125
    assert_one_error_line
    run --separate-stderr skiff diff no-such-thing
    assert_status 125
    assert_one_error_line no-such-thing
    run --separate-stderr skiff diff --format yaml err-src
    assert_status 125
    assert_one_error_line yaml

    [[ $(skiff images -q | sort) == "$before" ]] || fail "images changed"
    [[ $(ls "$SKIFF_TEST_ROOT/layers" | sort) == "$layers_before" ]] || fail "layers changed"
}

@test "a committed image pushed to a registry and pulled back runs with its layers" {
    command -v docker-registry >/dev/null || skip "docker-registry is not installed"
    start_registry
    use_test_registries_conf
    skiff run --name pushme busybox sh -c 'echo pushed-content > /pushed; rm /etc/group'
    skiff commit -c 'CMD ["cat", "/pushed"]' pushme topush >/dev/null
    run --separate-stderr skiff push -q --cert-dir "$CERT_DIR" topush "$REGISTRY/test/committed:1"
    assert_status 0

    use_fresh_store
    run skiff run --rm --cert-dir "$CERT_DIR" "$REGISTRY/test/committed:1"
    assert_status 0
    assert_output_contains "pushed-content"
    run skiff run --rm "$REGISTRY/test/committed:1" test -e /etc/group
    assert_status 1
    run layer_count "$REGISTRY/test/committed:1"
    assert_output 2
}
