#!/usr/bin/env bats
# Bind mounts and tmpfs: -v/--volume, --tmpfs and --mount of `run` and `create`, as podman has them.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

setup() {
    remove_all_containers
    HOSTDIR=$SKIFF_TEST_DIR/host-$BATS_TEST_NUMBER
    rm -rf "$HOSTDIR"
    mkdir -p "$HOSTDIR/sub"
    echo from-host >"$HOSTDIR/file"
}

@test "-v HOST:CONTAINER: the container reads and writes the host's directory, and no mount is left" {
    local before=$SKIFF_TEST_DIR/mounts-$BATS_TEST_NUMBER
    mountinfo_snapshot >"$before"
    run skiff run --rm -v "$HOSTDIR:/data" busybox sh -c 'cat /data/file; echo from-container >/data/sub/new'
    assert_status 0
    assert_output "from-host"
    [[ $(cat "$HOSTDIR/sub/new") == from-container ]] || fail "the container's write did not reach the host"
    assert_mounts_unchanged "$before"
}

@test "-v with :ro is read-only in the container; a single file can be mounted; a missing target is made" {
    run skiff run --rm -v "$HOSTDIR:/deep/new/dir:ro" -v "$HOSTDIR/file:/etc/motd" busybox \
        sh -c 'cat /etc/motd; ls /deep/new/dir; touch /deep/new/dir/x 2>/dev/null && echo WROTE; true'
    assert_status 0
    assert_output "from-host
file
sub"
    [[ ! -e $HOSTDIR/x ]] || fail "a read-only volume was written"
}

@test "-v ./relative is taken from the working directory of create, and start finds it from anywhere" {
    cd "$HOSTDIR"
    run skiff create --name relvol -v ./sub:/s busybox sh -c 'echo hi >/s/written'
    assert_status 0
    cd /
    run skiff start -a relvol
    assert_status 0
    [[ -f $HOSTDIR/sub/written ]] || fail "the relative volume was not $HOSTDIR/sub"
    run skiff inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}} {{.Propagation}}{{end}}' relvol
    assert_status 0
    assert_output "bind $HOSTDIR/sub /s true rprivate"
}

@test "--tmpfs: a private tmpfs with podman's defaults and the given size and mode" {
    run skiff run --rm --tmpfs /scratch:size=2m,mode=1777 busybox sh -c \
        'grep " /scratch " /proc/mounts; stat -c %a /scratch; echo x >/scratch/f && cat /scratch/f'
    assert_status 0
    assert_output_contains "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec"
    assert_output_contains "size=2048k"
    assert_output_contains "1777"
    [[ ${lines[-1]} == x ]] || fail "the tmpfs was not writable: $output"
}

@test "--tmpfs starts with the image's files at its path (podman's tmpcopyup); notmpcopyup starts empty" {
    run skiff run --name tmpcopy --tmpfs /etc busybox sh -c 'head -1 /etc/passwd; grep " /etc " /proc/mounts | cut -d" " -f3; echo x >/etc/passwd && echo written'
    assert_status 0
    assert_output "root:x:0:0:root:/root:/bin/sh
tmpfs
written"
    # The copy was written, not the container's layer.
    run skiff diff tmpcopy
    assert_status 0
    [[ $output != *passwd* ]] || fail "the write reached the layer: $output"
    skiff rm tmpcopy >/dev/null
    # A read-only tmpfs is filled first, then made read-only.
    run skiff run --rm --tmpfs /etc:ro busybox sh -c 'head -1 /etc/passwd; touch /etc/new 2>/dev/null || echo read-only'
    assert_status 0
    assert_output "root:x:0:0:root:/root:/bin/sh
read-only"
    run skiff run --rm --mount type=tmpfs,dst=/etc,notmpcopyup busybox sh -c 'ls /etc/passwd 2>&1; echo rc=$?'
    assert_status 0
    assert_output "ls: /etc/passwd: No such file or directory
rc=1"
    run skiff run --rm --tmpfs /etc:notmpcopyup busybox sh -c 'ls /etc/passwd 2>&1; echo rc=$?'
    assert_status 0
    assert_output "ls: /etc/passwd: No such file or directory
rc=1"
    # An empty read-only tmpfs still gets skiff's /etc/hosts and friends mounted into it.
    run skiff run --rm --tmpfs /etc:ro,notmpcopyup busybox sh -c 'ls /etc; touch /etc/new 2>/dev/null || echo read-only'
    assert_status 0
    assert_output "hostname
hosts
resolv.conf
read-only"
}

@test "--mount type=bind (readonly) and type=tmpfs" {
    run skiff run --rm --mount "type=bind,src=$HOSTDIR,dst=/m,readonly" --mount type=tmpfs,target=/t,tmpfs-size=1m \
        busybox sh -c 'cat /m/file; grep -E " /(m|t) " /proc/mounts | cut -d" " -f2-4'
    assert_status 0
    assert_output_contains "from-host"
    [[ $output == *"/m "*" ro,"* ]] || fail "not read-only: $output"
    assert_output_contains "/t tmpfs rw,nosuid,nodev,noexec"
}

@test "a detached container keeps its volume across restart" {
    run skiff run -d --name keeper -v "$HOSTDIR:/data" busybox sh -c 'echo run >>/data/log; sleep 100'
    assert_status 0
    run skiff restart -t 0 keeper
    assert_status 0
    for i in $(seq 50); do
        [[ $(wc -l <"$HOSTDIR/log") -ge 2 ]] && break
        sleep 0.1
    done
    [[ $(cat "$HOSTDIR/log") == "run
run" ]] || fail "log: $(cat "$HOSTDIR/log")"
    run skiff exec keeper cat /data/file
    assert_output "from-host"
    skiff rm -f keeper >/dev/null
}

@test "bad mounts: one clear error line, exit 125, no container made" {
    local spec
    for spec in "-v $HOSTDIR/missing:/x" "-v bad@name:/x" "-v $HOSTDIR:/x:bogus" "-v :/x" \
        "-v $HOSTDIR:/x:ro,rw" "--tmpfs relative" "--mount type=volume,src=/abs,dst=/x" \
        "--mount type=bind,dst=/x" "--mount type=image,dst=/x" "-v $HOSTDIR:/x -v $HOSTDIR/sub:/x" \
        "--tmpfs /x:rbind" "--tmpfs /x:size=lots" "-v $HOSTDIR:/" "-v relative"; do
        # shellcheck disable=SC2086 # the specs are word lists
        run --separate-stderr skiff create $spec busybox true
        assert_status 125
        assert_one_error_line
    done
    run skiff create -v "$HOSTDIR/missing:/x" busybox true
    assert_status 125
    assert_output "Error: statfs $HOSTDIR/missing: No such file or directory"
    run skiff ps -a -q
    assert_output ""
}

@test "a volume whose host path is gone by start fails the start, and nothing is left mounted" {
    local before=$SKIFF_TEST_DIR/mounts-$BATS_TEST_NUMBER
    mountinfo_snapshot >"$before"
    run skiff create --name gone -v "$HOSTDIR/sub:/s" busybox true
    assert_status 0
    rmdir "$HOSTDIR/sub"
    run skiff start gone
    assert_status 125
    assert_output_contains "statfs $HOSTDIR/sub"
    assert_mounts_unchanged "$before"
}
