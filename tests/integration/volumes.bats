#!/usr/bin/env bats
# Named and anonymous volumes: `skiff volume` and containers that mount them with -v and --mount.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

setup() {
    remove_all_containers
    local v
    for v in $(skiff volume ls -q); do skiff volume rm -f "$v" >/dev/null; done
}

@test "volume create, ls, inspect, exists and rm" {
    run skiff volume create --label app=db --label tier dbdata
    assert_status 0
    assert_output "dbdata"
    run skiff volume create dbdata
    assert_status 125
    assert_output_contains "volume with name dbdata already exists"
    run skiff volume create --ignore dbdata
    assert_status 0
    assert_output "dbdata"
    run skiff volume create
    assert_status 0
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "a random name: $output"
    local random=$output
    run skiff volume ls
    assert_status 0
    [[ ${lines[0]} == "DRIVER      VOLUME NAME" ]] || fail "header: ${lines[0]}"
    assert_output_contains "local       dbdata"
    run skiff volume ls --filter label=app=db --format '{{.Name}} {{.Driver}}'
    assert_output "dbdata local"
    run skiff volume ls -q --filter name=dbd
    assert_output "dbdata"
    run skiff volume inspect dbdata
    assert_status 0
    [[ $(jq -r '.[0].Name, .[0].Driver, .[0].Labels.app, .[0].Scope' <<<"$output" | tr '\n' ' ') == "dbdata local db local " ]] ||
        fail "inspect: $output"
    local mp
    mp=$(jq -r '.[0].Mountpoint' <<<"$output")
    [[ $mp == "$SKIFF_TEST_ROOT/volumes/dbdata/_data" && -d $mp ]] || fail "mountpoint $mp"
    run skiff volume inspect --format '{{.Name}}' dbdata nosuch
    assert_status 125
    assert_output_contains "dbdata"
    assert_output_contains 'no volume with name "nosuch" found'
    run skiff volume exists dbdata
    assert_status 0
    run skiff volume exists nosuch
    assert_status 1
    assert_output ""
    run skiff volume rm dbdata "$random"
    assert_status 0
    run skiff volume rm nosuch
    assert_status 1
    run --separate-stderr skiff volume create "bad name"
    assert_status 125
    assert_one_error_line "invalid volume name"
    run skiff volume ls -q
    assert_output ""
}

@test "-v NAME:PATH makes the volume, keeps what containers write, and fills it once from the image" {
    # skiff's /etc/hosts is mounted on top of the volume (parents first), with the container's name.
    run skiff run --rm --hostname volhost -v etcvol:/etc busybox sh -c 'head -1 /etc/passwd; grep -c volhost /etc/hosts; echo kept >/etc/mine'
    assert_status 0
    assert_output "root:x:0:0:root:/root:/bin/sh
1"
    local data=$SKIFF_TEST_ROOT/volumes/etcvol/_data
    [[ -f $data/passwd && $(cat "$data/mine") == kept ]] || fail "volume: $(ls "$data")"
    [[ $(stat -c %a "$data") == 755 ]] || fail "mode of the volume: $(stat -c %a "$data")"
    # Filled once: what the next container sees is the volume, not the image again.
    rm "$data/passwd"
    run skiff run --rm -v etcvol:/etc busybox sh -c 'cat /etc/mine; ls /etc/passwd 2>&1 || true'
    assert_output_contains "kept"
    assert_output_contains "No such file"
    run skiff run --rm --mount type=volume,src=etcvol,dst=/data,ro busybox sh -c 'cat /data/mine; touch /data/x 2>/dev/null || echo read-only'
    assert_output "kept
read-only"
    # As podman: a volume is nosuid and nodev (an image's setuid files copied into it stay harmless).
    run skiff run --rm -v etcvol:/data busybox grep " /data " /proc/mounts
    assert_output_contains "nosuid,nodev"
}

@test "a start killed while it filled a volume leaves it empty; the next start fills it whole" {
    skiff volume create half >/dev/null
    local data=$SKIFF_TEST_ROOT/volumes/half/_data
    # What a start killed in the middle of the copy leaves: a partial copy beside the volume.
    mkdir -p "$data.copyup/partial"
    echo half >"$data.copyup/passwd"
    run skiff run --rm -v half:/etc busybox head -1 /etc/passwd
    assert_status 0
    assert_output "root:x:0:0:root:/root:/bin/sh"
    [[ ! -e $data.copyup && ! -e $data/partial ]] || fail "the partial copy is still there: $(ls -a "$data" "$data.copyup" 2>&1)"
    run skiff run --rm busybox stat -c %a /etc
    [[ $(stat -c %a "$data") == "$output" ]] || fail "mode of the volume: $(stat -c %a "$data"), the image's /etc: $output"
}

@test "anonymous volumes: made per container, removed by rm -v and by --rm" {
    run skiff create --name anon -v /data busybox true
    assert_status 0
    run skiff volume ls -q
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "one anonymous volume: $output"
    local vol=$output
    run skiff volume inspect --format '{{.Anonymous}}' "$vol"
    assert_output "true"
    run skiff inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' anon
    assert_output "volume $vol /data"
    run skiff rm -v anon
    assert_status 0
    run skiff volume ls -q
    assert_output ""
    run skiff run --rm -v /data busybox sh -c 'echo x >/data/f'
    assert_status 0
    run skiff volume ls -q
    assert_output ""
    # Named volumes stay.
    run skiff run --rm -v keep:/data busybox true
    run skiff volume ls -q
    assert_output "keep"
}

@test "a create killed before it made its volumes: start makes them, the anonymous one anonymous" {
    run skiff create --name half -v named:/n -v /anon busybox sh -c 'echo x >/anon/f; ls /n /anon'
    assert_status 0
    run skiff volume ls -q
    local anon
    anon=$(grep -v '^named$' <<<"$output")
    [[ $anon =~ ^[0-9a-f]{64}$ ]] || fail "one anonymous volume: $output"
    # What a kill between the container's record and its volumes leaves: no volumes at all.
    rm -rf "$SKIFF_TEST_ROOT/volumes/named" "$SKIFF_TEST_ROOT/volumes/$anon"
    run skiff volume ls -q
    assert_output ""
    run skiff start half
    assert_status 0
    run skiff wait half
    assert_output 0
    run skiff volume inspect named
    assert_status 0
    refute_output_contains '"Anonymous": true'
    run skiff volume inspect --format '{{.Anonymous}}' "$anon"
    assert_output "true"
    run skiff rm -v half
    assert_status 0
    run skiff volume ls -q
    assert_output "named"
}

@test "a volume in use is not removed without -f; -f removes its containers; prune takes only unused ones" {
    run skiff run -d --name user -v used:/data busybox sleep 100
    assert_status 0
    skiff volume create unused >/dev/null
    skiff volume create --label tmp=1 labelled >/dev/null
    run --separate-stderr skiff volume rm used
    assert_status 2
    assert_one_error_line "volume used is being used"
    run skiff volume ls -q --filter dangling=false
    assert_output "used"
    run skiff volume ls -q --filter dangling=true --filter dangling=false
    assert_output "labelled
unused
used"
    run --separate-stderr skiff volume ls --filter dangling=maybe
    assert_status 125
    assert_one_error_line "dangling"
    run skiff volume prune -f --filter label=tmp
    assert_output "labelled"
    run skiff volume prune -f
    assert_output "unused"
    run skiff volume ls -q
    assert_output "used"
    run skiff volume rm -f used
    assert_status 0
    run skiff ps -a -q
    assert_output ""
    run skiff volume ls -q
    assert_output ""
}

@test "a failed create leaves no anonymous volume behind" {
    run skiff create -v /data -v "$SKIFF_TEST_DIR/missing:/m" busybox true
    assert_status 125
    assert_output_contains "statfs"
    run skiff volume ls -q
    assert_output ""
}

@test "volume ls: --noheading, and --filter name= is a regular expression, as podman" {
    skiff volume create volume_1_x >/dev/null
    skiff volume create volume_2_x >/dev/null
    run skiff volume ls --noheading
    assert_status 0
    assert_output "local       volume_1_x
local       volume_2_x"
    run skiff volume ls --filter 'name=volume_1.+' --format '{{.Name}}'
    assert_output "volume_1_x"
    # A regular expression, not a glob: "_1*" is "_" then any number of "1".
    run skiff volume ls --filter 'name=volume_1*' --format '{{.Name}}'
    assert_output "volume_1_x
volume_2_x"
    run skiff volume ls -q --filter 'name=^volume_2'
    assert_output "volume_2_x"
    run --separate-stderr skiff volume ls --filter 'name=('
    assert_status 125
    assert_one_error_line "not a regular expression"
}

@test "volume rm -f of a missing volume is no error; -t stops a user before removing it" {
    run skiff volume rm --force bogus
    assert_status 0
    assert_output ""
    mkdir -p "$SKIFF_TEST_DIR/out"
    run skiff run -d --name user -v used:/data -v "$SKIFF_TEST_DIR/out:/out" busybox \
        sh -c 'trap "echo stopped >/out/f; exit 0" TERM; while :; do sleep 0.1; done'
    assert_status 0
    sleep 0.3
    run skiff volume rm -f -t 5 used
    assert_status 0
    assert_output "used"
    run skiff ps -a -q
    assert_output ""
    [[ $(cat "$SKIFF_TEST_DIR/out/f") == stopped ]] || fail "the container was not sent its stop signal"
}

@test "volume prune without -f lists what it would remove before asking" {
    run skiff run --name user -v used:/data busybox true
    skiff volume create unused1 >/dev/null
    skiff volume create --label tmp unused2 >/dev/null
    run skiff volume prune <<<N
    assert_status 0
    assert_output "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:
unused1
unused2
Are you sure you want to continue? [y/N] "
    run skiff volume prune --filter label=tmp <<<y
    assert_output_contains "removed:
unused2
Are you sure"
    [[ ${lines[-1]} == *unused2 ]] || fail "pruned: $output"
    run skiff volume ls -q
    assert_output "unused1
used"
    skiff rm user >/dev/null
    skiff volume rm unused1 used >/dev/null
    run skiff volume prune <<<N
    assert_output "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:
No dangling volumes found"
}

@test "volume mount prints where the host reaches the volume; unmount its name" {
    skiff volume create mv >/dev/null
    run skiff volume mount mv
    assert_status 0
    assert_output "$SKIFF_TEST_ROOT/volumes/mv/_data"
    echo from-host >"$output/f"
    run skiff run --rm -v mv:/vol busybox cat /vol/f
    assert_output "from-host"
    run skiff volume unmount mv
    assert_status 0
    assert_output "mv"
    run --separate-stderr skiff volume mount bogus
    assert_status 125
    assert_one_error_line 'no volume with name "bogus" found'
}

@test "NeedsCopyUp stays true until a mount point with files fills the volume; NeedsChown false after the first mount" {
    skiff volume create cu >/dev/null
    run skiff volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' cu
    assert_output "true true"
    run skiff run --rm -v cu:/nothing-here busybox true
    assert_status 0
    run skiff volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' cu
    assert_output "true false"
    run skiff run --rm -v cu:/etc busybox ls /etc/passwd
    assert_status 0
    run skiff volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' cu
    assert_output "false false"
    [[ -f $SKIFF_TEST_ROOT/volumes/cu/_data/passwd ]] || fail "not filled: $(ls "$SKIFF_TEST_ROOT/volumes/cu/_data")"
}

@test "volume create -o type=tmpfs: a tmpfs while a container uses it, as podman's local driver" {
    run skiff volume create -o type=tmpfs -o device=tmpfs -o o=size=2m tv
    assert_status 0
    assert_output "tv"
    run skiff volume inspect --format '{{.Options.type}} {{.Options.device}} {{.Options.o}}' tv
    assert_output "tmpfs tmpfs size=2m"
    run skiff run --rm -v tv:/vol busybox sh -c 'stat -f -c %T /vol; df -k /vol | tail -1'
    assert_status 0
    [[ ${lines[0]} == tmpfs ]] || fail "not a tmpfs: $output"
    [[ ${lines[1]} == *" 2048 "* ]] || fail "o=size=2m not applied: $output"
    # Unmounted once no container uses it.
    [[ -z $(mounts_under "$SKIFF_TEST_ROOT/volumes/tv") ]] || fail "still mounted: $(mounts_under "$SKIFF_TEST_ROOT/volumes")"
    run skiff volume rm tv
    assert_status 0
}

@test "volume create -o type=bind,device=DIR: the directory is the volume; a missing one is podman's error" {
    run --separate-stderr skiff volume create -o type=bind -o device=/bogus bv
    assert_status 125
    assert_one_error_line "invalid volume option device for driver 'local': stat /bogus: no such file or directory"
    run --separate-stderr skiff volume create -o size=1m bv
    assert_status 125
    assert_one_error_line "invalid mount option size for driver 'local': invalid argument"
    local dir=$SKIFF_TEST_DIR/bind-volume
    mkdir -p "$dir" && echo on-host >"$dir/f"
    run skiff volume create -o type=bind -o device="$dir" bv
    assert_output "bv"
    run skiff run --rm -v bv:/vol busybox sh -c 'cat /vol/f; echo from-ctr > /vol/g'
    assert_status 0
    assert_output "on-host"
    [[ $(cat "$dir/g") == from-ctr ]] || fail "the container's write is not in $dir"
    [[ -z $(mounts_under "$SKIFF_TEST_ROOT/volumes/bv") ]] || fail "still mounted after the container exited"
}

@test "volume export and import carry a volume's files as a tar stream" {
    skiff volume create ev >/dev/null
    skiff volume create iv >/dev/null
    skiff run --rm -v ev:/data busybox sh -c 'echo hello > /data/test; mkdir /data/d; echo x > /data/d/y'
    run skiff volume export ev --output="$SKIFF_TEST_DIR/ev.tar"
    assert_status 0
    tar -tf "$SKIFF_TEST_DIR/ev.tar" | grep -qx 'test' || fail "not in the tarball: $(tar -tf "$SKIFF_TEST_DIR/ev.tar")"
    run skiff volume import iv - <"$SKIFF_TEST_DIR/ev.tar"
    assert_status 0
    run skiff run --rm -v iv:/data busybox cat /data/test /data/d/y
    assert_output $'hello\nx'
    skiff volume export ev >"$SKIFF_TEST_DIR/ev2.tar"
    cmp "$SKIFF_TEST_DIR/ev.tar" "$SKIFF_TEST_DIR/ev2.tar" || fail "stdout and --output differ"
    run --separate-stderr skiff volume import nosuch "$SKIFF_TEST_DIR/ev.tar"
    assert_status 125
    assert_one_error_line 'no volume with name "nosuch" found'
}
