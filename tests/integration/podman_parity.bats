#!/usr/bin/env bats
# What skiff gives a container, compared with what podman (with runc) gives one on this same
# machine, asked at test time instead of written down once: the process's credentials and security
# state, its /dev, the paths masked and made read-only, and the exit codes of commands that cannot
# run. podman runs the same busybox tree with --rootfs.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    export PODMAN_ROOTFS=$SKIFF_TEST_DIR/podman-rootfs
    mkdir -p "$PODMAN_ROOTFS"
    tar -xf "$(busybox_tarball)" -C "$PODMAN_ROOTFS"
}

teardown_file() { skiff_teardown_file; }

setup() {
    command -v podman >/dev/null && command -v runc >/dev/null || skip "podman and runc are needed"
}

# podman as the issue measured it: runc, cgroupfs, and rlimits root may set without
# CAP_SYS_RESOURCE (runc sets every rlimit podman passes).
podman_run() {
    timeout 120 podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-runroot" \
        --cgroup-manager cgroupfs --runtime runc run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        --rootfs "$PODMAN_ROOTFS" "$@"
}

# The same script in a podman container and a skiff one: PODMAN and SKIFF_SAW hold their output.
both() {
    run podman_run sh -c "$1"
    assert_status 0
    PODMAN=$output
    run skiff run --rm busybox sh -c "$1"
    assert_status 0
    SKIFF_SAW=$output
}

# Every line of PODMAN is a line of SKIFF_SAW.
assert_podman_lines_in_skiff() {
    local missing
    missing=$(comm -23 <(sort -u <<<"$PODMAN") <(sort -u <<<"$SKIFF_SAW"))
    [[ -z $missing ]] || fail "podman has, skiff has not:" "$missing" "skiff:" "$SKIFF_SAW"
}

@test "credentials, capability sets, no_new_privs, seccomp, working directory and umask are podman's" {
    both 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status
          echo "ids $(id -u) $(id -g) $(id -G)"; echo "cwd $(pwd)"; echo "umask $(umask)"'
    [[ $SKIFF_SAW == "$PODMAN" ]] || fail "skiff:" "$SKIFF_SAW" "podman:" "$PODMAN"
}

@test "/dev has every node podman's has, of the same type, numbers and mode" {
    both 'for f in /dev/* /dev/pts/* /dev/shm /dev/mqueue; do stat -c "%n %F %t:%T %a" "$f"; done'
    assert_podman_lines_in_skiff
}

@test "the paths podman masks are masked, and those it makes read-only are read-only" {
    # Each mount under /proc and /sys (but the cgroup tree, laid out per cgroup manager) as
    # "mount point, what is mounted, filesystem, ro or rw"; a file masked by /dev/null is "/null -"
    # (runc makes its /dev/null on /dev's tmpfs, skiff binds the host's).
    both 'awk '"'"'{ for (i = 7; $i != "-"; i++) ; split($6, o, ","); fs = $4 == "/null" ? "-" : $(i + 1)
                     print $5, $4, fs, o[1] }'"'"' /proc/self/mountinfo |
          grep -E "^/(proc|sys)/" | grep -v "^/sys/fs/cgroup"'
    [[ -n $PODMAN ]] || fail "podman masks nothing?"
    assert_podman_lines_in_skiff
}

@test "exit codes of commands that cannot run, or end by a signal, are podman's" {
    local cmd want got out
    for cmd in /no/such/command no-such-command /etc/passwd /tmp "sh -c 'kill -9 \$\$'" "sh -c 'exit 42'"; do
        want=0 got=0
        eval "podman_run $cmd" >/dev/null 2>&1 || want=$?
        out=$(eval "skiff run --rm busybox $cmd" 2>&1) || got=$?
        [[ $got -eq $want ]] || fail "$cmd: podman $want, skiff $got: $out"
    done
}
