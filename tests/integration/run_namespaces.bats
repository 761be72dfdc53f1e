#!/usr/bin/env bats
# --ipc, --pid, --uts and --network container:NAME: a namespace of the container's own, the host's,
# or another running container's; and rm of a container others depend on.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "--ipc=host shares the host's ipc namespace and /dev/shm" {
    run skiff run --rm --ipc=host busybox sh -c 'readlink /proc/self/ns/ipc; stat -c %i /dev/shm'
    assert_status 0
    [[ ${lines[0]} == "$(readlink /proc/self/ns/ipc)" ]] || fail "ipc: [${lines[0]}]"
    [[ ${lines[1]} == "$(stat -c %i /dev/shm)" ]] || fail "/dev/shm is not the host's: [${lines[1]}]"
}

@test "--ipc=none has an ipc namespace of its own and no /dev/shm" {
    run skiff run --rm --ipc=none busybox sh -c 'readlink /proc/self/ns/ipc; ls /dev/shm'
    assert_status 1
    [[ ${lines[0]} != "$(readlink /proc/self/ns/ipc)" ]] || fail "ipc is the host's"
    assert_output_contains "ls: /dev/shm: No such file or directory"
}

@test "--ipc=container:NAME joins a shareable one; a private one is refused as podman" {
    skiff run -d --name donor busybox sleep 100
    local theirs
    theirs=$(skiff exec donor readlink /proc/self/ns/ipc)
    run skiff run --rm --ipc=container:donor busybox readlink /proc/self/ns/ipc
    assert_status 0
    assert_output "$theirs"
    run skiff inspect --format '{{.HostConfig.IpcMode}}' donor
    assert_output "shareable"

    skiff run -d --ipc=private --name private busybox sleep 100
    run --separate-stderr skiff run --rm --ipc=container:private busybox true
    assert_status 125
    assert_one_error_line "Error: joining IPC of container $(skiff inspect --format '{{.Id}}' private) is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
}

@test "--pid, --uts and --network container:NAME join that container's namespaces" {
    skiff run -d --name donor --hostname donorhost busybox sleep 100
    local id
    id=$(skiff inspect --format '{{.Id}}' donor)
    run skiff run --rm --pid=container:donor --uts=container:donor --network=container:donor busybox \
        sh -c 'hostname; readlink /proc/self/ns/net; ps -o comm | grep -c sleep'
    assert_status 0
    [[ ${lines[0]} == donorhost ]] || fail "hostname: [${lines[0]}]"
    [[ ${lines[1]} == "$(skiff exec donor readlink /proc/self/ns/net)" ]] || fail "net: [${lines[1]}]"
    [[ ${lines[2]} == 1 ]] || fail "the donor's sleep is not seen: [$output]"
    skiff create --name joiner --pid=container:donor --uts=container:donor --network=container:donor busybox true
    run skiff inspect --format '{{.HostConfig.PidMode}} {{.HostConfig.UTSMode}} {{.HostConfig.NetworkMode}}' joiner
    assert_output "container:$id container:$id container:$id"
}

@test "--pid=host and --uts=host share the host's" {
    run skiff run --rm --pid=host --uts=host busybox sh -c 'readlink /proc/self/ns/pid; hostname'
    assert_status 0
    [[ ${lines[0]} == "$(readlink /proc/self/ns/pid)" ]] || fail "pid: [${lines[0]}]"
    [[ ${lines[1]} == "$(hostname)" ]] || fail "hostname: [${lines[1]}]"
    skiff create --name h --pid=host --uts=host busybox true
    run skiff inspect --format '{{.HostConfig.PidMode}} {{.HostConfig.UTSMode}}' h
    assert_output "host host"
}

@test "joining a container that is not running, or does not exist, is refused" {
    skiff create --name stopped busybox true
    run --separate-stderr skiff run --rm --pid=container:stopped busybox true
    assert_status 125
    assert_one_error_line "Error: container $(skiff inspect --format '{{.Id}}' stopped), whose namespaces this one joins, is not running: start it first"
    run --separate-stderr skiff run --rm --uts=container:nosuch busybox true
    assert_status 125
    assert_one_error_line 'Error: looking up container to share uts namespace with: no container with name or ID "nosuch" found: no such container'
    run --separate-stderr skiff run --rm --ipc=bogus busybox true
    assert_status 125
    assert_one_error_line "Error: unrecognized namespace mode bogus passed"
}

@test "rm refuses a container others depend on; rm --depend removes them first" {
    local donor dependent
    donor=$(skiff create busybox true)
    dependent=$(skiff create --network=container:$donor busybox true)
    run --separate-stderr skiff rm -f $donor
    assert_status 125
    assert_one_error_line "Error: container $donor has dependent containers which must be removed before it: $dependent: container already exists"
    run skiff rm --depend $donor
    assert_status 0
    assert_output "$dependent
$donor"
    run skiff ps -a -q
    assert_output ""
}

@test "--userns keep-id and nomap are refused as root, as podman" {
    run --separate-stderr skiff run --rm --userns=keep-id busybox true
    assert_status 125
    assert_one_error_line "Error: keep-id is only supported in rootless mode"
    run --separate-stderr skiff run --rm --userns=nomap busybox true
    assert_status 125
    assert_one_error_line "Error: nomap is only supported in rootless mode"
    run skiff run --rm --userns=host busybox true
    assert_status 0
}
