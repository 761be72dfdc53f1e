#!/usr/bin/env bats
# skiff search against a real docker-registry with TLS from a test CA (it has no v1 search, so its
# catalog is asked): names holding the term, the exact match first, limits, tags, filters, formats
# and errors; and the same output as podman's for the same registry on this machine.

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry
    use_test_registries_conf
    local layout
    layout=$(busybox_oci_layout)
    # In the catalog's (sorted) order: a/zz-tools, test/busybox, test/other, zz.
    registry_push_oci "$layout:latest" test/busybox:1
    registry_push_oci "$layout:latest" test/busybox:2
    registry_push_oci "$layout:latest" test/other:1
    registry_push_oci "$layout:latest" a/zz-tools:1
    registry_push_oci "$layout:latest" zz:1
}

teardown_file() {
    stop_registry
    skiff_teardown_file
}

search() { skiff search --cert-dir "$CERT_DIR" "$@"; }

@test "search REGISTRY/ lists every repository; REGISTRY/TERM those holding TERM, an exact match first" {
    run --separate-stderr search "$REGISTRY/"
    assert_status 0
    output=$(tr -s ' ' <<<"$output")  # the columns' widths follow the port's digits; podman's test below has them
    assert_output "NAME DESCRIPTION
$REGISTRY/a/zz-tools
$REGISTRY/test/busybox
$REGISTRY/test/other
$REGISTRY/zz"
    run --separate-stderr search --format '{{.Name}}' "$REGISTRY/zz"
    assert_status 0
    assert_output "$REGISTRY/zz
$REGISTRY/a/zz-tools"
    run --separate-stderr search --format '{{.Index}}|{{.Name}}|{{.Stars}}|{{.Official}}|' "$REGISTRY/test/"
    assert_status 0
    assert_output "$REGISTRY|$REGISTRY/test/busybox|0||
$REGISTRY|$REGISTRY/test/other|0||"
    # Nothing found is no error.
    run --separate-stderr search "$REGISTRY/nothing-like-it"
    assert_status 0
    assert_output ""
}

@test "search --limit: at most that many from the registry; below one, none" {
    run --separate-stderr search --format '{{.Name}}' --limit 2 "$REGISTRY/"
    assert_status 0
    assert_output "$REGISTRY/a/zz-tools
$REGISTRY/test/busybox"
    run --separate-stderr search --limit -1 "$REGISTRY/"
    assert_status 0
    assert_output ""
}

@test "search --list-tags: the repository's tags; json groups them under the name" {
    # In the registry's own order.
    local tags
    tags=$(curl -sf --cacert "$REGISTRY_CA" "https://$REGISTRY/v2/test/busybox/tags/list" | jq -c .tags)
    [[ $tags == '["1","2"]' || $tags == '["2","1"]' ]] || fail "the registry lists: $tags"
    run --separate-stderr search --list-tags "$REGISTRY/test/busybox"
    assert_status 0
    output=$(tr -s ' ' <<<"$output")
    assert_output "NAME TAG
$(jq -r --arg n "$REGISTRY/test/busybox" '.[] | $n + " " + .' <<<"$tags")"
    run --separate-stderr search --list-tags --format json "$REGISTRY/test/busybox"
    assert_status 0
    [[ $(jq -c . <<<"$output") == "[{\"Name\":\"$REGISTRY/test/busybox\",\"Tags\":$tags}]" ]] ||
        fail "list-tags json:" "$output"
    run --separate-stderr search --list-tags "$REGISTRY/no/such"
    assert_status 125
    assert_one_error_line
    [[ $stderr == "Error: getting repository tags: "*"$REGISTRY/no/such"* ]] || fail "stderr: $stderr"
}

@test "search --format json: podman's keys for every result" {
    run --separate-stderr search --format json "$REGISTRY/other"
    assert_status 0
    [[ $(jq -c . <<<"$output") == "[{\"Index\":\"$REGISTRY\",\"Name\":\"$REGISTRY/test/other\",\"Description\":\"\",\"Stars\":0,\"Official\":\"\",\"Automated\":\"\",\"Tag\":\"\"}]" ]] ||
        fail "json:" "$output"
}

@test "search: bad input and unreachable registries are one Error line, exit 125" {
    run --separate-stderr skiff search
    assert_status 125
    [[ $stderr == "Error: accepts 1 arg(s), received 0" ]] || fail "stderr: $stderr"
    run --separate-stderr search --filter stars=x "$REGISTRY/"
    assert_status 125
    [[ $stderr == 'Error: incorrect value type for stars filter: strconv.Atoi: parsing "x": invalid syntax' ]] || fail "stderr: $stderr"
    run --separate-stderr search --filter bogus "$REGISTRY/"
    assert_status 125
    [[ $stderr == 'Error: invalid filter type "bogus"' ]] || fail "stderr: $stderr"
    run --separate-stderr search --list-tags --filter stars=1 "$REGISTRY/test/busybox"
    assert_status 125
    [[ $stderr == "Error: filters are not applicable to list tags result" ]] || fail "stderr: $stderr"
    # Filters apply: this registry's repositories have no stars and are not official.
    run --separate-stderr search --filter stars=1 "$REGISTRY/"
    assert_status 0
    assert_output ""
    run --separate-stderr search --filter is-official=false --format '{{.Name}}' "$REGISTRY/zz"
    assert_status 0
    assert_output "$REGISTRY/zz
$REGISTRY/a/zz-tools"
    # Without the CA the certificate is the reason.
    run --separate-stderr skiff search "$REGISTRY/"
    assert_status 125
    assert_one_error_line
    [[ $stderr == *"couldn't search registry \"$REGISTRY\""*certificate* ]] || fail "stderr: $stderr"
}

@test "search prints what podman prints for the same registry and terms" {
    command -v podman >/dev/null || skip "podman is needed"
    local -a p=(podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run")
    local args want got
    for args in "$REGISTRY/" "$REGISTRY/zz" "--limit 1 $REGISTRY/test" "--list-tags $REGISTRY/test/busybox" \
        "--format json $REGISTRY/test" "--compatible $REGISTRY/zz" "--format {{.Index}}:{{.Name}} $REGISTRY/"; do
        # shellcheck disable=SC2086 # the arguments are words
        want=$("${p[@]}" search --tls-verify=false $args 2>&1 | sed 's/ *$//') || fail "podman search $args failed: $want"
        # shellcheck disable=SC2086
        got=$(skiff search --tls-verify=false $args 2>&1) || fail "skiff search $args failed: $got"
        [[ $got == "$want" ]] || fail "search $args:" "podman:" "$want" "skiff:" "$got"
    done
}
