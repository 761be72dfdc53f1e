#!/usr/bin/env bats
# `skiff system df`: what images, containers and volumes hold, summed and counted as podman does.

load helpers

# Each test starts with no containers and no volumes; the image stays.
setup() {
    remove_all_containers
    skiff volume rm --all --force >/dev/null
}

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

@test "system df: one line each for images, containers and volumes, active ones counted" {
    run skiff system df
    assert_status 0
    [[ ${lines[0]} =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]] || fail "header: ${lines[0]}"
    [[ ${lines[1]} =~ ^Images\ +1\ +0\ +[0-9.]+[kM]?B\ +[0-9.]+[kM]?B\ \(100%\)$ ]] || fail "images: ${lines[1]}"
    [[ ${lines[2]} =~ ^Containers\ +0\ +0\ +0B\ +0B\ \(0%\)$ ]] || fail "containers: ${lines[2]}"
    [[ ${lines[3]} =~ ^Local\ Volumes\ +0\ +0\ +0B\ +0B\ \(0%\)$ ]] || fail "volumes: ${lines[3]}"

    run skiff run --name c1 -v /vol1 -v named:/n busybox sh -c 'head -c 5000 /dev/zero >/n/f; head -c 3000 /dev/zero >/f'
    assert_status 0
    run skiff run -d --name c2 -v /vol2 busybox sleep 100
    assert_status 0
    run skiff system df --format '{{.Type}}:{{.Total}}:{{.Active}}:{{.Size}}'
    [[ ${lines[0]} =~ ^Images:1:1:[0-9.]+MB$ ]] || fail "images: $output"
    [[ ${lines[1]} == Containers:2:1:3kB && ${lines[2]} == "Local Volumes:3:3:5kB" ]] || fail "$output"
    run skiff system df --format json
    [[ $(jq -r '.[2].Reclaimable' <<<"$output") == "0B (0%)" ]] || fail "json: $output"
}

@test "system df -v: each image, container and volume" {
    run skiff run --name c1 -v /vol1 -v named:/n busybox sh -c 'head -c 5000 /dev/zero >/n/f'
    assert_status 0
    run skiff system df -v
    assert_status 0
    [[ ${lines[0]} == "Images space usage:" ]] || fail "$output"
    [[ ${lines[1]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]] || fail "${lines[1]}"
    [[ ${lines[2]} =~ ^localhost/busybox\ +latest\ +[0-9a-f]{12}\ .*\ +0B\ .*\ 1$ ]] || fail "image: ${lines[2]}"
    [[ ${lines[3]} == "Containers space usage:" ]] || fail "$output"
    [[ ${lines[5]} =~ ^[0-9a-f]{12}\ +[0-9a-f]{12}\ +sh\ -c\ .*\ 2\ +0B\ .*\ exited\ +c1$ ]] || fail "container: ${lines[5]}"
    [[ ${lines[6]} == "Local Volumes space usage:" ]] || fail "$output"
    [[ ${lines[7]} =~ ^VOLUME\ NAME\ +LINKS\ +SIZE$ ]] || fail "${lines[7]}"
    run skiff system df -v --format '{{.Type}}'
    assert_status 125
    assert_output "Error: cannot combine --format and --verbose flags"
    skiff rm c1 >/dev/null
    run skiff system df -v
    [[ ${lines[-1]} =~ ^named\ +0\ +5kB$ ]] || fail "volume: ${lines[-1]}"
}
