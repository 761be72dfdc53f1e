#!/usr/bin/env bats
# --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops: podman's parsing,
# the device's numbers found at create, the limits in the container's cgroup (v1 blkio where the
# host mounts it, else cgroup2's io.max), and inspect's HostConfig.BlkioDevice*.

load busybox_containers

# A block device of this host: /dev/NAME and its MAJOR:MINOR.
block_device() {
    local d
    for d in /sys/block/*; do
        [[ -b /dev/${d##*/} && -r $d/dev ]] || continue
        echo "/dev/${d##*/} $(cat "$d/dev")"
        return 0
    done
    return 1
}

@test "the throttles are written to the container's cgroup and shown by inspect" {
    local dev majmin
    read -r dev majmin < <(block_device) || skip "this host has no block device"
    run skiff run --name thr --device-read-bps "$dev:1m" --device-write-bps "$dev:2kb" \
        --device-read-iops "$dev:300" --device-write-iops "$dev:400" busybox sh -c '
        if [ -d /sys/fs/cgroup/blkio ]; then
            cd /sys/fs/cgroup/blkio && cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device \
                blkio.throttle.read_iops_device blkio.throttle.write_iops_device
        else
            cat /sys/fs/cgroup/io.max
        fi'
    assert_status 0
    [[ $output == "$majmin 1048576
$majmin 2048
$majmin 300
$majmin 400" || $output == *"$majmin rbps=1048576 wbps=2048 riops=300 wiops=400"* ]] || fail "got [$output]"
    run skiff inspect --format '{{.HostConfig.BlkioDeviceReadBps}} {{.HostConfig.BlkioDeviceWriteBps}} {{.HostConfig.BlkioDeviceReadIOps}} {{.HostConfig.BlkioDeviceWriteIOps}}' thr
    assert_output "[{$dev 1048576}] [{$dev 2048}] [{$dev 300}] [{$dev 400}]"
}

@test "throttle parsing: podman's errors, exit 125, nothing created" {
    run --separate-stderr skiff create --device-read-bps /dev/vda busybox true
    assert_status 125
    assert_one_error_line "bad format: /dev/vda"
    run --separate-stderr skiff create --device-write-bps /tmp/x:1m busybox true
    assert_status 125
    assert_one_error_line "bad format for device path: /tmp/x:1m"
    run --separate-stderr skiff create --device-read-bps /dev/vda:1x busybox true
    assert_status 125
    assert_one_error_line "invalid rate for device: /dev/vda:1x. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb"
    run --separate-stderr skiff create --device-read-iops /dev/vda:1k busybox true
    assert_status 125
    assert_one_error_line "invalid rate for device: /dev/vda:1k. The correct format is <device-path>:<number>. Number must be a positive integer"
    run --separate-stderr skiff create --device-write-iops /dev/no-such-device:10 busybox true
    assert_status 125
    assert_one_error_line "could not parse throttle device at /dev/no-such-device: no such file or directory"
    run skiff ps -a -q
    assert_output ""
}

@test "a device the kernel does not throttle fails the start (podman's own test device, /dev/zero)" {
    run --separate-stderr skiff run --rm --device-read-bps /dev/zero:1M busybox true
    assert_status 126
    assert_one_error_line "1:5 1048576" "No such device"
}
