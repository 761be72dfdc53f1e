#!/usr/bin/env bats
# The command line itself: version, info, help, and how errors are reported.

load helpers

@test "--version prints the project's version" {
    run skiff --version
    assert_status 0
    [[ $output =~ ^skiff\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "got [$output]"
    local want
    want=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$REPO/meson.build" | head -1)
    [[ -n $want ]] || fail "no version in meson.build"
    assert_output "skiff version $want"
}

@test "version agrees with --version" {
    run skiff --version
    local short=${output#skiff version }
    run skiff version
    assert_status 0
    assert_output_contains "Version:"
    [[ $(awk '$1 == "Version:" { print $2 }' <<<"$output") == "$short" ]] || fail "got [$output], want $short"
    run skiff version --format json
    assert_status 0
    python3 -c 'import json, sys; v = json.load(sys.stdin); assert v["Client"]["Version"] == sys.argv[1], v' \
        "$short" <<<"$output" || fail "version --format json: [$output]"
}

@test "info --format json parses and describes this host and store" {
    run --separate-stderr skiff info --format json
    assert_status 0
    python3 -m json.tool >/dev/null <<<"$output" || fail "not JSON: [$output]"
    python3 - "$output" "$SKIFF_TEST_ROOT" "$SKIFF_TEST_RUNROOT" "$(uname -r)" <<'EOF' || fail "[$output]"
import json, sys
info, root, runroot, kernel = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
host, store = info["host"], info["store"]
assert host["kernel"] == kernel, host["kernel"]
assert host["cgroupVersion"] in ("v1", "v2"), host["cgroupVersion"]
assert host["security"]["rootless"] is False, host["security"]
assert store["graphRoot"] == root, store["graphRoot"]
assert store["runRoot"] == runroot, store["runRoot"]
assert store["graphDriverName"] == "overlay", store["graphDriverName"]
EOF
}

@test "info reports the cgroup mode the host really has, in podman's two values" {
    local want=v1 mount=
    if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
        want=v2 mount=/sys/fs/cgroup
    elif [[ -d /sys/fs/cgroup/unified && $(stat -fc %T /sys/fs/cgroup/unified) == cgroup2fs ]]; then
        mount=/sys/fs/cgroup/unified
    fi
    run skiff info --format '{{.Host.CgroupsVersion}} [{{.Host.CgroupV2Mount}}]'
    assert_status 0
    [[ $output == "$want [$mount]" ]] || fail "want cgroupVersion $want [$mount], got [$output]"
    # podman on this host says the same.
    command -v podman >/dev/null || return 0
    run podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run" --cgroup-manager cgroupfs \
        info --format '{{.Host.CgroupsVersion}}'
    assert_status 0
    [[ $output == "$want" ]] || fail "podman says [$output], skiff's rule says $want"
}

@test "--storage-driver vfs is reported by info" {
    run skiff --storage-driver vfs info --format json
    assert_status 0
    [[ $(python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["graphDriverName"])' <<<"$output") == vfs ]] ||
        fail "[$output]"
}

@test "a storage driver skiff does not have is refused with 125" {
    run --separate-stderr skiff --storage-driver btrfs info
    assert_status 125
    assert_one_error_line btrfs
}

@test "info without --format prints YAML-like text with the store paths" {
    run skiff info
    assert_status 0
    assert_output_contains "graphRoot: $SKIFF_TEST_ROOT"
    assert_output_contains "runRoot: $SKIFF_TEST_RUNROOT"
}

@test "an unknown command exits 125 with one Error line" {
    run --separate-stderr skiff no-such-command
    assert_status 125
    [[ $stderr == "Error: "* ]] || fail "stderr: [$stderr]"
    [[ $stderr == *no-such-command* ]] || fail "stderr should name the command: [$stderr]"
}

@test "an unknown global flag exits 125 naming the flag" {
    run --separate-stderr skiff --no-such-flag ps
    assert_status 125
    [[ $stderr == "Error: "*--no-such-flag* ]] || fail "stderr: [$stderr]"
}

@test "an unknown flag of a command exits 125 naming the flag" {
    run --separate-stderr skiff ps --no-such-flag
    assert_status 125
    [[ $stderr == "Error: "*--no-such-flag* ]] || fail "stderr: [$stderr]"
}

@test "help run and run --help print the same text" {
    run skiff help run
    assert_status 0
    local via_help=$output
    run skiff run --help
    assert_status 0
    [[ $output == "$via_help" ]] || fail "help run:" "$via_help" "run --help:" "$output"
    assert_output_contains "skiff run"
    assert_output_contains "--rm"
}

@test "every command's help agrees between help CMD and CMD --help" {
    run skiff --help
    assert_status 0
    local commands
    commands=$(awk '/^Subcommands:/ { on = 1; next } on && NF { sub(/,$/, "", $1); print $1 }' <<<"$output")
    [[ -n $commands ]] || fail "no commands listed in [$output]"
    local cmd via_help n=0
    for cmd in $commands; do
        [[ $cmd == help ]] && continue
        run skiff help "$cmd"
        assert_status 0
        via_help=$output
        run skiff "$cmd" --help
        assert_status 0
        [[ $output == "$via_help" ]] || fail "help $cmd and $cmd --help differ"
        n=$((n + 1))
    done
    [[ $n -ge 3 ]] || fail "only $n commands checked: [$commands]"
}

@test "help for an unknown command exits 125" {
    run --separate-stderr skiff help no-such-command
    assert_status 125
    [[ $stderr == "Error: "*no-such-command* ]] || fail "stderr: [$stderr]"
}

@test "the main commands are listed" {
    run skiff --help
    assert_status 0
    local cmd
    for cmd in run ps rm info version import images rmi inspect load; do
        grep -qE "^  $cmd " <<<"$output" || fail "no $cmd in [$output]"
    done
}

@test "ps on an empty store prints only the header" {
    run skiff ps -a
    assert_status 0
    [[ $(grep -c '' <<<"$output") -eq 1 && $output == "CONTAINER ID"* ]] || fail "[$output]"
    run skiff ps -a --format json
    assert_status 0
    [[ $(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$output") == 0 ]] || fail "[$output]"
}

@test "rm of a container that does not exist exits 1 with an Error line" {
    run --separate-stderr skiff rm no-such-container
    assert_status 1
    assert_one_error_line no-such-container
    run skiff rm -i no-such-container
    assert_status 0
}

@test "info --format takes a Go template over podman's field names, with skiff's real values" {
    run --separate-stderr skiff info --format '{{.Store.GraphRoot}}|{{.Store.RunRoot}}|{{.Host.OCIRuntime.Name}}|{{.Host.LogDriver}}|{{.Host.Security.Rootless}}|{{.Store.GraphOptions}}'
    assert_status 0
    assert_output "$SKIFF_TEST_ROOT|$SKIFF_TEST_RUNROOT|skiff|k8s-file|false|map[]"
    run --separate-stderr skiff info --format '{{.Host.OCIRuntime.Path}}'
    assert_status 0
    [[ $output -ef $SKIFF ]] || fail "OCIRuntime.Path [$output] is not the binary $SKIFF"
    run --separate-stderr skiff info --format '{{.Host.Distribution.Distribution}}{{.Host.Distribution.Version}}'
    assert_status 0
    assert_output "$(. /etc/os-release; echo "$ID$VERSION_ID")"
    run --separate-stderr skiff info --format '{{.Host.NoSuchField}}'
    assert_status 125
    assert_one_error_line NoSuchField
}

@test "info --format json has podman's keys for the runtime, log driver and volume path" {
    run --separate-stderr skiff info --format json
    assert_status 0
    python3 - "$output" "$SKIFF_TEST_ROOT" <<'PY' || fail "[$output]"
import json, sys
info, root = json.loads(sys.argv[1]), sys.argv[2]
assert info["host"]["ociRuntime"]["name"] == "skiff", info["host"]["ociRuntime"]
assert info["host"]["logDriver"] == "k8s-file", info["host"]
assert info["store"]["graphOptions"] == {}, info["store"]
assert info["store"]["volumePath"] == root + "/volumes", info["store"]
PY
}

@test "version --format takes a Go template; a client-only one works too" {
    run --separate-stderr skiff --version
    local short=${output#skiff version }
    run --separate-stderr skiff version --format '{{.Client.Version}} {{.Client.OsArch}}'
    assert_status 0
    assert_output "$short linux/$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')"
    run --separate-stderr skiff version --format '{{.Version}}'
    assert_status 0
    assert_output "$short"
}
