#!/usr/bin/env bats
# --sysctl: namespaced kernel parameters written in the container's own namespaces before its
# command runs, the host's untouched; refused as podman refuses them.

load busybox_containers

@test "--sysctl sets net.* and IPC parameters inside the container only" {
    local host_fwd host_shm
    host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
    host_shm=$(cat /proc/sys/kernel/shmmax)
    run skiff run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=123456,fs.mqueue.msg_max=17 busybox \
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max
    assert_status 0
    assert_output "1
123456
17"
    [[ $(cat /proc/sys/net/ipv4/ip_forward) == "$host_fwd" ]] || fail "the host's ip_forward changed"
    [[ $(cat /proc/sys/kernel/shmmax) == "$host_shm" ]] || fail "the host's shmmax changed"
}

@test "--sysctl is kept for each start of a created container" {
    skiff create --name sc --sysctl net.ipv4.ping_group_range='0 2147483647' busybox cat /proc/sys/net/ipv4/ping_group_range
    run skiff start -a sc
    assert_status 0
    [[ $output =~ ^0[[:space:]]+2147483647$ ]] || fail "got [$output]"
}

@test "--sysctl refusals: podman's words, exit 125, nothing created" {
    run --separate-stderr skiff create --sysctl kernel.hostname=x busybox true
    assert_status 125
    assert_one_error_line "sysctl 'kernel.hostname' is not allowed"
    run --separate-stderr skiff create --sysctl noequals busybox true
    assert_status 125
    assert_one_error_line "noequals is invalid, sysctl values must be in the form of KEY=VALUE"
    run --separate-stderr skiff create --sysctl 'net.a = b' busybox true
    assert_status 125
    assert_one_error_line "'net.a = b' is invalid, extra spaces found"
    run --separate-stderr skiff create --network host --sysctl net.ipv4.ip_forward=1 busybox true
    assert_status 125
    assert_one_error_line "sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument"
    run --separate-stderr skiff create --ipc host --sysctl fs.mqueue.msg_max=20 busybox true
    assert_status 125
    assert_one_error_line "sysctl fs.mqueue.msg_max=20 can't be set since IPC Namespace set to host: invalid argument"
    run --separate-stderr skiff create --ipc host --sysctl kernel.shmmax=1000 busybox true
    assert_status 125
    assert_one_error_line 'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace'
    run skiff ps -a -q
    assert_output ""
}

@test "--sysctl the kernel refuses fails the start with its error" {
    run --separate-stderr skiff run --rm --sysctl kernel.shmmax=abc busybox true
    assert_status 126
    assert_one_error_line "write /proc/sys/kernel/shmmax" "Invalid argument"
    run --separate-stderr skiff run --rm --sysctl net.no.such.thing=1 busybox true
    assert_status 126
    assert_one_error_line "open /proc/sys/net/no/such/thing" "No such file or directory"
}
