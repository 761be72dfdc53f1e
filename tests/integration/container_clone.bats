#!/usr/bin/env bats
# container clone: a new container with another one's configuration, podman's names, new limits,
# another image, --destroy and --run.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    import_busybox other
}

@test "container clone: the same configuration under podman's -clone names" {
    local dir=$SKIFF_TEST_DIR/data
    mkdir -p "$dir"
    echo from-host >"$dir/file"
    skiff create --name web -e GREETING=hi -v "$dir:/data:ro" -w /data --label role=web busybox \
        sh -c 'echo $GREETING $(pwd) $(cat file)' >/dev/null
    run skiff container clone web
    assert_status 0
    local id=$output
    [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "no id printed: [$id]"
    run skiff inspect "$id" --format '{{.Name}} {{.Config.Labels.role}} {{.ImageName}}'
    assert_output "web-clone web localhost/busybox:latest"
    run skiff start -a web-clone
    assert_status 0
    assert_output "hi /data from-host"
    skiff container clone web >/dev/null
    skiff container clone web >/dev/null
    run skiff ps -a --format '{{.Names}}'
    assert_output_contains "web-clone1"
    assert_output_contains "web-clone2"
    run skiff container clone web-clone2
    run skiff inspect "$output" --format '{{.Name}}'
    assert_output web-clone3
    run skiff container clone --name chosen web
    assert_status 0
    run skiff container clone web positional
    run skiff inspect "$output" --format '{{.Name}}'
    assert_output positional
    # The original's untouched.
    run skiff inspect web --format '{{.Name}} {{.State.Status}}'
    assert_output "web created"
    remove_all_containers
}

@test "container clone: new limits, another image, --destroy and --run" {
    skiff create --name job --memory 64m busybox sleep 100 >/dev/null
    run skiff container clone --memory 128m --cpus 1.5 job bigger
    assert_status 0
    run skiff inspect bigger --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}'
    assert_output "134217728 1500000000"
    run skiff inspect job --format '{{.HostConfig.Memory}}'
    assert_output 67108864
    run skiff container clone job fromother other
    assert_status 0
    run skiff inspect fromother --format '{{.ImageName}}'
    assert_output localhost/other:latest
    run --separate-stderr skiff container clone --force job
    assert_status 125
    assert_one_error_line "cannot set --force without --destroy: invalid argument"
    run skiff container clone --destroy --run job moved
    assert_status 0
    run skiff container exists job
    assert_status 1
    run skiff inspect moved --format '{{.State.Status}}'
    assert_output running
    # A running original is refused by --destroy unless --force.
    run --separate-stderr skiff container clone --destroy moved
    assert_status 125
    assert_one_error_line "as it is running - running or paused containers cannot be removed without force"
    run skiff container clone --destroy --force moved
    assert_status 0
    run skiff container exists moved
    assert_status 1
    run --separate-stderr skiff container clone nobody
    assert_status 125
    assert_one_error_line 'no container with name or ID "nobody" found'
    remove_all_containers
}
