#!/usr/bin/env bats
# How skiff reads its command line: pflag's rules (podman's), and the global flags podman has.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown() {
    remove_all_containers
    skiff_teardown
}

@test "a single-value flag given twice: the last one wins" {
    # skiff() gives its own --root first: this one comes after it.
    run --separate-stderr skiff --root "$SKIFF_TEST_DIR/last-root" info --format json
    assert_status 0
    local root
    root=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["graphRoot"])' <<<"$output")
    [[ $root == "$SKIFF_TEST_DIR/last-root" ]] || fail "graphRoot [$root], want the last --root, $SKIFF_TEST_DIR/last-root"
    run --separate-stderr skiff create --name first --name second busybox true
    assert_status 0
    run skiff ps -a --format '{{.Names}}'
    assert_output second
}

@test "-a=false and --all=false turn a flag off; -a=true turns it on" {
    skiff create --name stopped busybox true >/dev/null
    run skiff ps -a=false --format '{{.Names}}'
    assert_status 0
    assert_output ""
    run skiff ps --all=false --format '{{.Names}}'
    assert_status 0
    assert_output ""
    run skiff ps -a=true --format '{{.Names}}'
    assert_status 0
    assert_output stopped
}

@test "a flag that needs a value and is the last word: pflag's error" {
    run --separate-stderr skiff run -h
    assert_status 125
    [[ $stderr == "Error: flag needs an argument: 'h' in -h" ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff create --name
    assert_status 125
    [[ $stderr == "Error: flag needs an argument: --name" ]] || fail "stderr: [$stderr]"
}

@test "an unknown flag before the command is reported, not its value or the command's words" {
    run --separate-stderr skiff --no-such-flag value run --rm busybox true
    assert_status 125
    [[ $stderr == "Error: unknown flag: --no-such-flag" ]] || fail "stderr: [$stderr]"
}

@test "--log-level: an unknown level exits 1 in podman's words; warning is a level" {
    run --separate-stderr skiff --log-level=telepathic version
    assert_status 1
    [[ $stderr == 'Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic' ]] ||
        fail "stderr: [$stderr]"
    run --separate-stderr skiff --log-level=warning version
    assert_status 0
}

@test "-D is --log-level=debug; both together exit 1" {
    run --separate-stderr skiff -D --log-level=error version
    assert_status 1
    [[ $stderr == "Setting --log-level and --debug is not allowed" ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff --debug version
    assert_status 0
}

@test "--noout drops the command's stdout, not its errors" {
    run --separate-stderr skiff --noout create --name quiet busybox true
    assert_status 0
    assert_output ""
    run skiff ps -a --format '{{.Names}}'
    assert_output quiet
    run --separate-stderr skiff --noout rm no-such-container
    assert_status 1
    assert_one_error_line no-such-container
}

@test "--storage-opt: an empty one is none; skiff's drivers take no options" {
    run --separate-stderr skiff --storage-opt= info
    assert_status 0
    assert_output_contains "graphOptions: {}"
    run --separate-stderr skiff --storage-opt overlay.mountopt=nodev info
    assert_status 125
    assert_one_error_line "Unknown option overlay.mountopt"
}

@test "--config is docker's: accepted with a warning" {
    run --separate-stderr skiff --config /nowhere version
    assert_status 0
    [[ $stderr == *"The --config flag is ignored by skiff. Exists for Docker compatibility"* ]] || fail "stderr: [$stderr]"
}

@test "errors name the whole command as it was run, not the command's short name" {
    run --separate-stderr skiff container ls extra
    assert_status 125
    [[ $stderr == 'Error: `skiff container list` takes no arguments' ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff image tag
    assert_status 125
    [[ $stderr == 'Error: `skiff image tag` requires at least 2 args'* ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff image ls a b
    assert_status 125
    [[ $stderr == 'Error: `skiff image list` accepts at most 1 arg(s), received 2' ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff tag
    assert_status 125
    [[ $stderr == 'Error: `skiff tag` requires at least 2 args'* ]] || fail "stderr: [$stderr]"
}

@test "--log-level: logrus's lines on stderr, at that level and above" {
    run --separate-stderr skiff --log-level=trace info
    assert_status 0
    [[ $stderr == *'level=info msg="'*'filtering at log level trace"'* ]] || fail "stderr: [$stderr]"
    [[ $stderr =~ time=\"[0-9-]+T[0-9:]+(Z|[+-][0-9:]+)\"\ level=debug\  ]] || fail "no debug line: [$stderr]"
    [[ $stderr == *" level=trace "* ]] || fail "no trace line: [$stderr]"
    [[ $stderr != *" level=warning"* ]] || fail "a warning: [$stderr]"
    run --separate-stderr skiff --log-level=debug info
    [[ $stderr == *" level=debug "* && $stderr == *" level=info "* && $stderr != *" level=trace "* ]] || fail "debug: [$stderr]"
    run --separate-stderr skiff --log-level=info info
    [[ $stderr == *" level=info "* && $stderr != *" level=debug "* ]] || fail "info: [$stderr]"
    run --separate-stderr skiff -D info
    [[ $stderr == *" level=debug "* ]] || fail "-D: [$stderr]"
    for level in warn warning error; do
        run --separate-stderr skiff --log-level=$level info
        [[ $stderr != *"level="* ]] || fail "$level: [$stderr]"
    done
}

@test "--volumepath: where named volumes live, as info and a volume's mount point show" {
    local vp=$BATS_TEST_TMPDIR/volumes-here
    run skiff --volumepath "$vp" info --format '{{ .Store.VolumePath }}'
    assert_status 0
    assert_output "$vp"
    run skiff --volumepath "$vp" volume create v1
    assert_status 0
    run skiff --volumepath "$vp" volume inspect --format '{{.Mountpoint}}' v1
    assert_output "$vp/v1/_data"
    [[ -d $vp/v1/_data ]] || fail "no $vp/v1/_data"
    skiff --volumepath "$vp" volume rm v1 >/dev/null
}
