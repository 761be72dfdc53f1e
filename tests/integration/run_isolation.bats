#!/usr/bin/env bats
# What a container started by `skiff run` can see and do: its namespaces, hostname, pid 1, mount
# table, /dev, capabilities, seccomp, masked and read-only paths, network.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

# podman's default capability set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP
# SETGID SETPCAP SETUID SYS_CHROOT (checked against podman 4.3 on Debian 12: CapEff 00000000800405fb).
kPodmanCaps=00000000800405fb

# (The cgroup namespace's default is podman's for the host: run_cgroupns.bats.)
@test "the container has its own mount, pid, uts, ipc, cgroup and network namespaces" {
    run skiff run --rm --cgroupns=private busybox sh -c 'for n in mnt pid uts ipc cgroup net; do echo "$n $(readlink /proc/self/ns/$n)"; done'
    assert_status 0
    local n inside
    for n in mnt pid uts ipc cgroup net; do
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$output")
        [[ -n $inside ]] || fail "no $n namespace in [$output]"
        [[ $inside != "$(readlink /proc/self/ns/$n)" ]] || fail "$n namespace is the host's: $inside"
    done
}

@test "--network host shares the host's network namespace and only it" {
    run skiff run --rm --network host busybox sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'
    assert_status 0
    [[ ${lines[0]} == "$(readlink /proc/self/ns/net)" ]] || fail "net: [${lines[0]}]"
    [[ ${lines[1]} != "$(readlink /proc/self/ns/uts)" ]] || fail "uts is the host's"
}

@test "the command is pid 1 and sees only the container's processes" {
    run skiff run --rm busybox sh -c 'echo $$; ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\n" " "'
    assert_status 0
    [[ ${lines[0]} == 1 ]] || fail "pid: [${lines[0]}]"
    # sh (1), ls, grep, sort and tr: a handful, never the host's hundreds.
    local count
    count=$(wc -w <<<"${lines[1]}")
    [[ $count -le 6 ]] || fail "processes visible: ${lines[1]}"
    [[ " ${lines[1]} " == *" 1 "* ]] || fail "no pid 1 in ${lines[1]}"
}

@test "a user other than root reads /etc/hostname, /etc/hosts and /etc/resolv.conf, 0644 as podman's" {
    # A server that drops root must still resolve names.
    run --separate-stderr skiff run --rm --user 1000:1000 busybox sh -c \
        'stat -c "%n %a %u" /etc/hostname /etc/hosts /etc/resolv.conf; cat /etc/hostname /etc/hosts /etc/resolv.conf >/dev/null && echo read'
    assert_status 0
    assert_output "/etc/hostname 644 0
/etc/hosts 644 0
/etc/resolv.conf 644 0
read"
    # podman writes the hostname without a newline.
    run skiff run --rm busybox sh -c 'wc -c </etc/hostname; hostname | wc -c'
    assert_status 0
    [[ ${lines[0]} -eq $(( lines[1] - 1 )) ]] || fail "/etc/hostname has ${lines[0]} bytes for a hostname of $(( lines[1] - 1 ))"
}

@test "the hostname is the container's, not the host's, and /etc/hostname agrees" {
    run skiff run --rm busybox sh -c 'hostname; cat /etc/hostname'
    assert_status 0
    [[ -n ${lines[0]} && ${lines[0]} != "$(hostname)" ]] || fail "hostname: [${lines[0]}]"
    [[ ${lines[1]} == "${lines[0]}" ]] || fail "/etc/hostname [${lines[1]}] is not the hostname [${lines[0]}]"
}

@test "the default hostname is the start of the container's id" {
    run skiff run --name hostname-check busybox hostname
    assert_status 0
    local name=$output
    run skiff ps -a --no-trunc --format json
    assert_status 0
    local id
    id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])' <<<"$output")
    [[ ${#id} -eq 64 && $id == "$name"* && ${#name} -eq 12 ]] || fail "hostname [$name], id [$id]"
}

@test "/etc/hosts names localhost and the container" {
    run skiff run --rm --hostname hosts-check busybox cat /etc/hosts
    assert_status 0
    grep -qE '^127\.0\.0\.1[[:space:]].*\blocalhost\b' <<<"$output" || fail "[$output]"
    grep -qE '[[:space:]]hosts-check\b' <<<"$output" || fail "[$output]"
}

@test "/etc/resolv.conf is the host's, written by skiff over the image's own" {
    # The image ships an empty /etc/resolv.conf: only skiff's file can hold the host's nameservers.
    [[ -z $(tar -xOf "$(busybox_tarball)" ./etc/resolv.conf) ]] || fail "the image's resolv.conf is not empty"
    [[ -n $(grep -v '^[[:space:]]*$' /etc/resolv.conf) ]] || skip "the host's /etc/resolv.conf is empty"
    run skiff run --rm busybox cat /etc/resolv.conf
    assert_status 0
    assert_output "$(cat /etc/resolv.conf)"
}

@test "the mount table holds the container's own mounts and none of the host's" {
    run skiff run --rm busybox cat /proc/self/mountinfo
    assert_status 0
    local mountpoints
    mountpoints=$(awk '{ print $5 }' <<<"$output")
    local m
    for m in / /proc /sys /dev /dev/pts /dev/shm /dev/mqueue /etc/hosts /etc/hostname /etc/resolv.conf; do
        grep -qxF "$m" <<<"$mountpoints" || fail "no mount on $m in:" "$output"
    done
    while read -r m; do
        case $m in
        / | /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /etc/hosts | /etc/hostname | /etc/resolv.conf | /run/.containerenv) ;;
        *) fail "unexpected mount $m in:" "$output" ;;
        esac
    done <<<"$mountpoints"
    # The host's own mounts (its root's source, /work, /boot…) must not appear.
    local host_m
    while read -r host_m; do
        [[ $host_m == / ]] && continue
        case $host_m in /proc* | /sys* | /dev*) continue ;; esac
        grep -qxF "$host_m" <<<"$mountpoints" && fail "host mount $host_m visible in the container"
    done < <(awk '{ print $5 }' /proc/self/mountinfo)
    return 0
}

@test "the root filesystem is an overlay by default" {
    run skiff run --rm busybox sh -c 'awk '"'"'$5 == "/" { for (i = 7; $i != "-"; i++) ; print $(i + 1) }'"'"' /proc/self/mountinfo'
    assert_status 0
    assert_output overlay
}

@test "--storage-driver vfs gives a root filesystem that is not an overlay" {
    run skiff_vfs import "$(busybox_tarball)" busybox
    assert_status 0
    run skiff_vfs run --rm busybox sh -c 'awk '"'"'$5 == "/" { for (i = 7; $i != "-"; i++) ; print $(i + 1) }'"'"' /proc/self/mountinfo; echo hi >/tmp/f && cat /tmp/f'
    assert_status 0
    [[ ${lines[0]} != overlay && ${lines[1]} == hi ]] || fail "[$output]"
}

@test "/proc is mounted and /sys is read-only" {
    run skiff run --rm busybox sh -c 'grep -E "^(proc|sysfs) " /proc/mounts; touch /sys/kernel/skiff-test 2>&1; echo rc=$?'
    assert_status 0
    grep -qE '^proc /proc proc ' <<<"$output" || fail "[$output]"
    grep -qE '^sysfs /sys sysfs ro[,\ ]' <<<"$output" || fail "/sys not read-only: [$output]"
    assert_output_contains "Read-only file system"
    assert_output_contains "rc=1"
}

@test "/dev holds only the minimal devices, and they work" {
    run skiff run --rm busybox sh -c 'ls /dev; echo ---; echo x >/dev/null && head -c 5 /dev/zero | wc -c && head -c 5 /dev/urandom | wc -c'
    assert_status 0
    local d
    for d in null zero full random urandom tty pts shm mqueue; do
        grep -qx "$d" <<<"$output" || fail "no /dev/$d in [$output]"
    done
    for d in vda sda mem kmem port kmsg nvme0 loop0; do
        grep -qx "$d" <<<"$output" && fail "host device /dev/$d in the container: [$output]"
    done
    [[ ${output#*---$'\n'} == $'5\n5' ]] || fail "[$output]"
}

@test "/dev/pts is a new instance, not the host's" {
    run skiff run --rm busybox sh -c 'awk '"'"'$5 == "/dev/pts"'"'"' /proc/self/mountinfo; ls /dev/pts'
    assert_status 0
    assert_output_contains " - devpts devpts "
    # The host's ptys (this test runner's, other sessions') would be listed as numbers.
    grep -qE '^[0-9]+$' <<<"$output" && fail "host ptys visible: [$output]"
    return 0
}

@test "the capabilities are podman's default set and the inheritable set is empty" {
    run skiff run --rm busybox cat /proc/self/status
    assert_status 0
    [[ $(status_field CapEff) == "$kPodmanCaps" ]] || fail "CapEff $(status_field CapEff)"
    [[ $(status_field CapPrm) == "$kPodmanCaps" ]] || fail "CapPrm $(status_field CapPrm)"
    [[ $(status_field CapBnd) == "$kPodmanCaps" ]] || fail "CapBnd $(status_field CapBnd)"
    [[ $(status_field CapInh) == 0000000000000000 ]] || fail "CapInh $(status_field CapInh)"
    [[ $(status_field CapAmb) == 0000000000000000 ]] || fail "CapAmb $(status_field CapAmb)"
}

@test "a capability outside the default set is really missing" {
    # NET_ADMIN is not in the default set: adding an address to lo needs it.
    # busybox ip exits 2 on the kernel's EPERM (as under podman).
    run skiff run --rm busybox ip addr add 127.0.0.2/8 dev lo
    assert_status 2
    assert_output "ip: RTNETLINK answers: Operation not permitted"
    # CHOWN is: root may give a file away.
    run skiff run --rm busybox sh -c 'touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f'
    assert_status 0
    assert_output 1000:1000
}

@test "seccomp is in filter mode and no-new-privileges is off by default" {
    run skiff run --rm busybox cat /proc/self/status
    assert_status 0
    [[ $(status_field Seccomp) == 2 ]] || fail "Seccomp [$(status_field Seccomp)]"
    [[ $(status_field NoNewPrivs) == 0 ]] || fail "NoNewPrivs [$(status_field NoNewPrivs)]"
}

@test "podman's masked paths cannot be read" {
    local checked=0 p script=""
    # Files masked by /dev/null read empty; directories masked by an empty read-only tmpfs list nothing.
    for p in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug; do
        [[ -f $p && $(head -c 1 "$p" 2>/dev/null | wc -c) -gt 0 ]] || continue
        script+="echo \"$p=\$(head -c 64 $p 2>/dev/null | wc -c)\"; "
        checked=$((checked + 1))
    done
    for p in /proc/acpi /proc/scsi /sys/firmware /sys/dev/block /sys/fs/selinux; do
        [[ -d $p && -n $(ls -A "$p" 2>/dev/null) ]] || continue
        script+="echo \"$p=\$(ls -A $p 2>/dev/null | wc -l)\"; "
        checked=$((checked + 1))
    done
    [[ $checked -gt 0 ]] || skip "none of podman's masked paths has content on this host"
    run skiff run --rm busybox sh -c "$script"
    assert_status 0
    local line
    while read -r line; do
        [[ $line == *=0 ]] || fail "masked path readable in the container: $line" "$output"
    done <<<"$output"
    [[ $(grep -c = <<<"$output") -eq $checked ]] || fail "want $checked results: [$output]"
}

@test "podman's read-only paths are mounted read-only" {
    run skiff run --rm busybox sh -c 'cat /proc/self/mountinfo; echo ===; echo x >/proc/sys/kernel/hostname 2>&1; echo rc=$?'
    assert_status 0
    local table=${output%%===*} p checked=0
    for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
        [[ -e $p ]] || continue
        awk -v p="$p" '$5 == p { split($6, o, ","); for (i in o) if (o[i] == "ro") found = 1 } END { exit !found }' \
            <<<"$table" || fail "$p is not mounted read-only:" "$table"
        checked=$((checked + 1))
    done
    [[ $checked -gt 0 ]] || fail "no read-only path exists on this host"
    # Writing the hostname through /proc/sys would change the uts namespace's name if it were writable.
    assert_output_contains "Read-only file system"
    assert_output_contains "rc=1"
}

@test "--network none has only lo, and lo is up" {
    run skiff run --rm --network none busybox sh -c 'ls /sys/class/net; echo ---; ip -o link show lo'
    assert_status 0
    [[ ${output%%$'\n'---*} == lo ]] || fail "interfaces: [$output]"
    [[ $output == *"<LOOPBACK,UP"* ]] || fail "lo is down: [$output]"
}

@test "--network host sees the host's interfaces" {
    run skiff run --rm --network host busybox ls /sys/class/net
    assert_status 0
    [[ $output == "$(ls /sys/class/net)" ]] || fail "container: [$output], host: [$(ls /sys/class/net)]"
}
