#!/usr/bin/env bats
# skiff cp and skiff export: both directions, running and stopped containers, tar streams, podman's
# file/directory rules, errors, and the key property: no symbolic link in a container, static or
# swapped while the copy runs, can make cp read or write outside the container's root. Then podman's
# further rules: paths relative to the working directory, copies between two containers, a stopped
# container's volumes and bind mounts reached where the host keeps them, links followed inside the
# container, no "*" expansion, and podman's errors for tar streams and odd destinations.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    mkdir -p "$SKIFF_TEST_DIR/host"
}

teardown_file() { skiff_teardown_file; }

setup() {
    remove_all_containers
    H=$SKIFF_TEST_DIR/host/$BATS_TEST_NUMBER
    rm -rf "$H"
    mkdir -p "$H"
}

merged_mounts() { grep -c merged /proc/self/mountinfo || true; }

# A running container NAME (sleeping) and a stopped one NAME-off, both from busybox.
run_pair() {
    skiff run -d --name "$1" busybox sleep 1000 >/dev/null
    skiff run --name "$1-off" busybox true
}

@test "cp a host file into running, exited and never-started containers, and back out" {
    skiff run -d --name live busybox sleep 1000 >/dev/null
    skiff run --name done busybox true
    skiff create --name fresh busybox cat /tmp/in.txt >/dev/null
    echo "hello from the host" >"$H/in.txt"
    local before
    before=$(merged_mounts)
    local c
    for c in live done fresh; do
        run --separate-stderr skiff cp "$H/in.txt" "$c:/tmp/in.txt"
        assert_status 0
        [[ -z $output && -z $stderr ]] || fail "$c: [$output] [$stderr]"
        run skiff cp "$c:/tmp/in.txt" "$H/out-$c.txt"
        assert_status 0
        [[ $(cat "$H/out-$c.txt") == "hello from the host" ]] || fail "$c: $(cat "$H/out-$c.txt")"
    done
    [[ $(merged_mounts) == "$before" ]] || fail "merged mounts: $before before, $(merged_mounts) after"
    run skiff exec live cat /tmp/in.txt
    assert_output "hello from the host"
    # The never-started container sees the file when it runs.
    run skiff start fresh
    assert_status 0
    run skiff wait fresh
    assert_status 0
    assert_output 0
    run skiff logs fresh
    assert_output "hello from the host"
}

@test "cp with relative container paths (busybox's working directory is /), and container cp" {
    skiff run --name rel busybox true
    echo data >"$H/f"
    run skiff cp "$H/f" rel:tmp/f
    assert_status 0
    run skiff container cp rel:/tmp/f "$H/g"
    assert_status 0
    [[ $(cat "$H/g") == data ]] || fail "got $(cat "$H/g")"
}

@test "cp file and directory rules as podman: into dirs, /. contents, new names, replace" {
    skiff run --name rules busybox sh -c 'mkdir -p /srv/tree/sub && echo one >/srv/tree/a && echo two >/srv/tree/sub/b && echo old >/srv/file'
    # A file onto an existing directory lands inside it.
    echo new >"$H/file"
    run skiff cp "$H/file" rules:/tmp
    assert_status 0
    # A file onto an existing file replaces it.
    run skiff cp "$H/file" rules:/srv/file
    assert_status 0
    # A directory onto an existing directory goes inside it; with /. its contents go.
    mkdir -p "$H/d/inner" && echo x >"$H/d/inner/x"
    run skiff cp "$H/d" rules:/srv
    assert_status 0
    run skiff cp "$H/d/." rules:/srv/tree
    assert_status 0
    # A directory onto a missing name is created with the contents.
    run skiff cp "$H/d" rules:/srv/made
    assert_status 0
    run skiff cp rules:/srv "$H/srv-out"
    assert_status 0
    [[ $(cat "$H/srv-out/file") == new ]] || fail "file not replaced"
    [[ -f $H/srv-out/d/inner/x ]] || fail "dir not put inside: $(find "$H/srv-out")"
    [[ -f $H/srv-out/tree/inner/x && -f $H/srv-out/tree/a && -f $H/srv-out/tree/sub/b ]] || fail "/. not merged: $(find "$H/srv-out")"
    [[ -f $H/srv-out/made/inner/x && ! -e $H/srv-out/made/d ]] || fail "new name: $(find "$H/srv-out")"
    run skiff cp rules:/tmp/file "$H/tmpfile"
    assert_status 0
    [[ $(cat "$H/tmpfile") == new ]] || fail "file into dir"
    # Out of the container: a directory into an existing host directory, and its contents with /.
    mkdir -p "$H/existing" "$H/contents"
    run skiff cp rules:/srv/tree "$H/existing"
    assert_status 0
    [[ -f $H/existing/tree/sub/b ]] || fail "$(find "$H/existing")"
    run skiff cp rules:/srv/tree/. "$H/contents"
    assert_status 0
    [[ -f $H/contents/sub/b && -f $H/contents/a && ! -e $H/contents/tree ]] || fail "$(find "$H/contents")"
}

@test "cp errors: one line, exit 125, nothing written" {
    skiff run --name errs busybox sh -c 'mkdir -p /srv/dir && echo f >/srv/file'
    echo x >"$H/f"
    mkdir "$H/dir"
    run --separate-stderr skiff cp errs:/nonexistent "$H/out"
    assert_status 125
    assert_one_error_line "/nonexistent" "errs"
    [[ ${stderr,,} == *"no such file or directory"* ]] || fail "$stderr"
    [[ ! -e $H/out ]] || fail "out written"
    run --separate-stderr skiff cp "$H/missing" errs:/tmp
    assert_status 125
    assert_one_error_line "$H/missing"
    [[ ${stderr,,} == *"no such file or directory"* ]] || fail "$stderr"
    # A trailing slash on a destination that is not a directory.
    run --separate-stderr skiff cp "$H/f" errs:/srv/nodir/
    assert_status 125
    assert_one_error_line "/srv/nodir/"
    # A directory onto a file.
    run --separate-stderr skiff cp "$H/dir" errs:/srv/file
    assert_status 125
    assert_one_error_line "destination must be a directory when copying a directory"
    # A file onto a directory's place without --overwrite, with /. on a file source.
    run --separate-stderr skiff cp errs:/srv/file/. "$H/x"
    assert_status 125
    assert_one_error_line "/srv/file/."
    run --separate-stderr skiff cp "$H/f" "$H/g"
    assert_status 125
    assert_one_error_line "you must use just one container"
    run --separate-stderr skiff cp errs:/a errs:/b
    assert_status 125
    assert_one_error_line '"/a" could not be found on container errs: no such file or directory'
    run --separate-stderr skiff cp errs: "$H/g"
    assert_status 125
    assert_one_error_line "you must specify paths"
    run --separate-stderr skiff cp nosuchctr:/a "$H/g"
    assert_status 125
    assert_one_error_line "nosuchctr"
    run --separate-stderr skiff cp "$H/f"
    assert_status 125
    assert_one_error_line "requires at least 2 args"
    [[ ! -e $H/g && ! -e $H/x ]] || fail "something was written"
}

@test "cp --overwrite lets a directory and a non-directory replace each other" {
    skiff run --name ow busybox sh -c 'mkdir -p /srv/box/thing/inside /srv/box/dir && echo f >/srv/box/dir/plain'
    # A file named as a directory already in the destination directory.
    echo plain >"$H/thing"
    run --separate-stderr skiff cp "$H/thing" ow:/srv/box
    assert_status 125
    assert_one_error_line 'copying to container: error creating "/srv/box/thing": open /srv/box/thing: file exists'
    run skiff cp --overwrite "$H/thing" ow:/srv/box
    assert_status 0
    run skiff cp ow:/srv/box/thing "$H/back"
    assert_status 0
    [[ $(cat "$H/back") == plain ]] || fail "$(ls -la "$H")"
    # A directory where a file of its name is.
    mkdir -p "$H/dir/plain"
    run --separate-stderr skiff cp "$H/dir" ow:/srv/box
    assert_status 125
    assert_one_error_line 'copying to container: error creating "/srv/box/dir/plain": mkdir /srv/box/dir/plain: file exists'
    run skiff cp --overwrite "$H/dir" ow:/srv/box
    assert_status 0
    rm -rf "$H/back"
    run skiff cp ow:/srv/box/dir/plain "$H/back"
    assert_status 0
    [[ -d $H/back ]] || fail "not replaced by a directory"
}

@test "cp owners: the container's user by default, the source's with --archive=false; the caller's on the host" {
    skiff run -d --name own busybox sleep 1000 >/dev/null
    skiff run -d --name own-user --user 1000:1000 busybox sleep 1000 >/dev/null
    echo x >"$H/f"
    chown 4321:4322 "$H/f"
    run skiff cp "$H/f" own:/tmp/default
    assert_status 0
    run skiff cp --archive=false "$H/f" own:/tmp/kept
    assert_status 0
    run skiff cp "$H/f" own-user:/tmp/user
    assert_status 0
    run skiff exec own stat -c %u:%g /tmp/default /tmp/kept
    assert_output $'0:0\n4321:4322'
    run skiff exec own-user stat -c %u:%g /tmp/user
    assert_output 1000:1000
    # On the host, what is copied out belongs to the user who copied it, as podman's.
    run skiff cp own:/tmp "$H/t"
    assert_status 0
    run skiff cp own-user:/tmp/user "$H/t/user"
    assert_status 0
    local me
    me="$(id -u):$(id -g)"
    [[ $(stat -c %u:%g "$H/t/kept" "$H/t/user" | sort -u) == "$me" ]] || fail "$(ls -ln "$H/t")"
}

@test "cp to and from a tar stream on stdout and stdin" {
    skiff run -d --name tarry busybox sleep 1000 >/dev/null
    run bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp tarry:/etc - | tar -t"
    assert_status 0
    assert_output_contains "etc/"
    assert_output_contains "etc/passwd"
    run bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp tarry:/etc/. - | tar -t"
    assert_output_contains "passwd"
    refute_output_contains "etc/"
    mkdir -p "$H/src/sub" && echo streamed >"$H/src/sub/file" && ln -s sub/file "$H/src/link"
    run bash -c "tar -c -C \"$H/src\" . | timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp - tarry:/tmp"
    assert_status 0
    run skiff exec tarry cat /tmp/sub/file /tmp/link
    assert_output $'streamed\nstreamed'
    # Into a directory that is not there, or is not a directory: an error.
    run --separate-stderr bash -c "tar -c -C \"$H/src\" . | timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp - tarry:/etc/passwd"
    assert_status 125
    assert_one_error_line "must be a directory"
    # A stopped container too.
    skiff stop -t 0 tarry >/dev/null
    run bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp tarry:/tmp/sub - | tar -xO"
    assert_output "streamed"
}

@test "cp through a static symlink escape reads and writes the container's files, not the host's" {
    skiff run --name esc busybox sh -c 'ln -s /../../../../etc /escape; ln -s /etc/passwd /pw'
    run skiff cp esc:/escape/passwd "$H/passwd"
    assert_status 0
    grep -q "skiff tester" "$H/passwd" || fail "read the host's passwd: $(head -2 "$H/passwd")"
    # A link given as SRC is followed, as podman follows it: inside the root.
    run skiff cp esc:/pw "$H/pw-followed"
    assert_status 0
    [[ ! -L $H/pw-followed ]] || fail "copied the link: $(ls -l "$H/pw-followed")"
    grep -q "skiff tester" "$H/pw-followed" || fail "followed: $(head -2 "$H/pw-followed")"
    # Writing through the link lands in the container's /etc.
    local name="skiff-cp-escape-$$-$BATS_TEST_NUMBER"
    echo planted >"$H/$name"
    run skiff cp "$H/$name" esc:/escape/
    assert_status 0
    [[ ! -e /etc/$name ]] || { rm -f "/etc/$name"; fail "wrote into the host's /etc"; }
    run skiff cp "esc:/etc/$name" "$H/check"
    assert_status 0
    [[ $(cat "$H/check") == planted ]] || fail "not in the container's /etc"
}

@test "cp never leaves the root while the container swaps a symlink under it" {
    local marker=$SKIFF_TEST_DIR/marker-$BATS_TEST_NUMBER
    mkdir -p "$marker"
    echo host-secret >"$marker/secret"
    local name="skiff-cp-swap-$$-$BATS_TEST_NUMBER"
    # /x flips between the container's /data and a path that, on the host, is the marker directory;
    # /y between / and /tmp, so that followed on the host it would be the host's root.
    skiff run -d --name swapper busybox sh -c "mkdir -p /data '$marker' && echo container-data >/data/secret &&
        echo container-decoy >'$marker/secret' &&
        while :; do ln -sfn /data /x; ln -sfn '$marker' /x; ln -sfn / /y; ln -sfn /tmp /y; done" >/dev/null
    echo from-host >"$H/$name"
    mkdir -p "$H/out"
    local i got
    for i in $(seq 20); do
        rm -rf "$H/out/secret"
        if skiff cp swapper:/x/secret "$H/out/secret" 2>/dev/null; then
            got=$(cat "$H/out/secret")
            [[ $got == container-data || $got == container-decoy ]] || fail "read [$got] on try $i"
        fi
        skiff cp "$H/$name" "swapper:/x/$name" 2>/dev/null || true
        skiff cp "$H/$name" swapper:/y/ 2>/dev/null || true
        skiff cp "$H/$name" "swapper:/y/tmp/" 2>/dev/null || true
        skiff cp "$H/$name" "swapper:/x/." 2>/dev/null || true
        rm -rf "$H/out/dir"
        skiff cp swapper:/x/. "$H/out/dir" 2>/dev/null || true
        if [[ -e $H/out/dir/secret ]]; then
            got=$(cat "$H/out/dir/secret")
            [[ $got == container-data || $got == container-decoy ]] || fail "read [$got] through /x/. on try $i"
        fi
    done
    [[ $(cat "$marker/secret") == host-secret ]] || fail "the host's marker changed: $(cat "$marker/secret")"
    [[ ! -e $marker/$name ]] || fail "wrote into the host's marker directory"
    [[ ! -e /$name && ! -e /tmp/$name ]] || { rm -f "/$name" "/tmp/$name"; fail "wrote into the host's / or /tmp"; }
    [[ $(ls "$marker") == secret ]] || fail "marker dir: $(ls "$marker")"
    # The copies did arrive, inside the container.
    run skiff exec swapper sh -c "ls /data/$name '$marker/$name' /$name /tmp/$name 2>/dev/null | wc -l"
    [[ $output -ge 1 ]] || fail "no copy arrived in the container: $output"
}

@test "export: the whole root as tar, with the container's changes, running or stopped" {
    skiff run -d --name exp busybox sh -c 'echo made >/created-here; rm /etc/group; exec sleep 1000' >/dev/null
    local i
    for i in $(seq 50); do
        skiff exec exp test -e /created-here 2>/dev/null && break
        sleep 0.1
    done
    run bash -c "timeout 60 \"$SKIFF\" $(skiff_args | tr '\n' ' ') export exp | tar -t"
    assert_status 0
    assert_output_contains "bin/busybox"
    assert_output_contains "created-here"
    refute_output_contains "etc/group"
    refute_output_contains "proc/self"
    local before
    before=$(merged_mounts)
    skiff stop -t 0 exp >/dev/null
    run skiff export -o "$H/exp.tar" exp
    assert_status 0
    [[ $(merged_mounts) == "$before" ]] || fail "merged mounts changed"
    run tar -tf "$H/exp.tar"
    assert_output_contains "bin/busybox"
    assert_output_contains "created-here"
    refute_output_contains "etc/group"
    [[ $(tar -xOf "$H/exp.tar" ./created-here 2>/dev/null || tar -xOf "$H/exp.tar" created-here) == made ]] || fail "content"
    ls -a "$H" | grep -q tmp && fail "temporary file left: $(ls -a "$H")"
    run skiff container export -o "$H/again.tar" exp
    assert_status 0
    cmp -s "$H/exp.tar" "$H/again.tar" || fail "two exports of a stopped container differ"
}

@test "export errors: a terminal, a missing container, an unwritable output" {
    skiff run --name expe busybox true
    run --separate-stderr script -qec "$SKIFF $(skiff_args | tr '\n' ' ') export expe" /dev/null
    [[ $status -eq 125 ]] || fail "status $status: $output"
    assert_output_contains "refusing to export to terminal"
    run --separate-stderr skiff export -o "$H/out.tar" nosuchctr
    assert_status 125
    assert_one_error_line "nosuchctr"
    [[ -z $(ls -A "$H") ]] || fail "left: $(ls -A "$H")"
    run --separate-stderr skiff export -o "$H/no/such/dir/out.tar" expe
    assert_status 125
    assert_one_error_line "$H/no/such/dir"
}

@test "a stopped container's root is mounted where nothing sees it, and a killed cp leaves nothing" {
    skiff run --name held busybox true
    local before
    before=$(merged_mounts)
    local snapshot=$SKIFF_TEST_DIR/mounts-$BATS_TEST_NUMBER
    mountinfo_snapshot >"$snapshot"
    mkfifo "$H/fifo"
    # cp waits on the tar stream with the root mounted and the container locked.
    "$SKIFF" $(skiff_args) cp - held:/tmp <"$H/fifo" &
    local pid=$!
    exec 7>"$H/fifo"
    sleep 1
    kill -0 "$pid" || fail "cp is not running"
    [[ $(merged_mounts) == "$before" ]] || fail "a merged mount appeared while cp ran"
    assert_mounts_unchanged "$snapshot"
    kill -9 "$pid"
    wait "$pid" || true
    exec 7>&-
    [[ $(merged_mounts) == "$before" ]] || fail "merged mounts changed"
    assert_mounts_unchanged "$snapshot"
    # Its lock died with it: the container starts.
    run skiff start held
    assert_status 0
}

@test "cp and export with the vfs driver" {
    skiff_vfs import "$(busybox_tarball)" busybox >/dev/null
    skiff_vfs run --name vfsbox busybox sh -c 'echo in-vfs >/tmp/v'
    run skiff_vfs cp vfsbox:/tmp/v "$H/v"
    assert_status 0
    [[ $(cat "$H/v") == in-vfs ]] || fail "got $(cat "$H/v")"
    echo back >"$H/b"
    run skiff_vfs cp "$H/b" vfsbox:/tmp/b
    assert_status 0
    run skiff_vfs export -o "$H/vfs.tar" vfsbox
    assert_status 0
    run tar -tf "$H/vfs.tar"
    assert_output_contains "tmp/b"
    assert_output_contains "bin/busybox"
    [[ -z $(mounts_under "$SKIFF_TEST_DIR") ]] || fail "mounts left: $(mounts_under "$SKIFF_TEST_DIR")"
}

@test "cp: a container's relative paths start at its working directory, running or not" {
    skiff run -d --name wd --workdir /var busybox sh -c 'mkdir /var/sub; echo inside >/var/file; sleep 1000' >/dev/null
    skiff create --name wd-new --workdir /var busybox true >/dev/null
    echo host >"$H/f"
    local c
    for c in wd wd-new; do
        run --separate-stderr skiff cp "$H/f" "$c:."
        assert_status 0
        run --separate-stderr skiff cp "$H/f" "$c:renamed"
        assert_status 0
        run skiff cp "$c:/var/f" "$H/$c-f"
        assert_status 0
        [[ $(cat "$H/$c-f") == host ]] || fail "$c: cp to . did not land in /var"
        run skiff cp "$c:renamed" "$H/$c-renamed"
        assert_status 0
        [[ $(cat "$H/$c-renamed") == host ]] || fail "$c: relative source"
    done
    run skiff cp "$H/f" wd:sub
    assert_status 0
    run skiff exec wd cat /var/sub/f /var/file
    assert_output $'host\ninside'
}

@test "cp between two containers: running, created and the same one" {
    skiff run -d --name from --workdir /var busybox sh -c 'mkdir -p /var/d/e; echo one >/var/d/e/x; echo two >/var/y; sleep 1000' >/dev/null
    skiff run -d --name to busybox sleep 1000 >/dev/null
    skiff create --name to-new busybox cat /tmp/y /tmp/d/e/x >/dev/null
    local c
    for c in to to-new; do
        run --separate-stderr skiff cp from:y "$c:/tmp"
        assert_status 0
        [[ -z $output && -z $stderr ]] || fail "$c: [$output] [$stderr]"
        run --separate-stderr skiff cp from:/var/d "$c:/tmp/"
        assert_status 0
    done
    run skiff exec to cat /tmp/y /tmp/d/e/x
    assert_output $'two\none'
    run skiff start to-new
    assert_status 0
    run skiff wait to-new
    assert_output 0
    run skiff logs to-new
    assert_output $'two\none'
    # From a container that is not running, and within one container.
    skiff stop -t 0 from >/dev/null
    run skiff cp from:/var/y from:/var/d/e/y2
    assert_status 0
    run skiff cp from:/var/d/e/y2 to:/tmp/y3
    assert_status 0
    run skiff exec to cat /tmp/y3
    assert_output two
    # A file where a directory is, without --overwrite: podman's error; with it, replaced.
    skiff exec to mkdir /tmp/d/y
    run --separate-stderr skiff cp from:/var/y to:/tmp/d
    assert_status 125
    assert_one_error_line 'copying to container: error creating "/tmp/d/y": open /tmp/d/y: file exists'
    run skiff cp --overwrite from:/var/y to:/tmp/d
    assert_status 0
    run skiff exec to cat /tmp/d/y
    assert_output two
}

@test "cp into a stopped container's volumes and bind mounts writes where the host keeps them" {
    skiff volume create cpv-outer >/dev/null
    skiff volume create cpv-inner >/dev/null
    mkdir -p "$H/bind"
    skiff create --name vols -v cpv-outer:/data -v cpv-inner:/data/inner -v "$H/bind:/data/bind" busybox true >/dev/null
    echo payload >"$H/f"
    local outer inner
    outer=$(skiff volume inspect cpv-outer --format '{{.Mountpoint}}')
    inner=$(skiff volume inspect cpv-inner --format '{{.Mountpoint}}')
    run --separate-stderr skiff cp "$H/f" vols:/data/inner
    assert_status 0
    run --separate-stderr skiff cp "$H/f" vols:/data/bind/g
    assert_status 0
    run --separate-stderr skiff cp "$H/f" vols:/data/top
    assert_status 0
    [[ $(cat "$inner/f") == payload ]] || fail "not in the inner volume: $(ls -la "$inner")"
    [[ $(cat "$H/bind/g") == payload ]] || fail "not in the bind mount: $(ls -la "$H/bind")"
    [[ $(cat "$outer/top") == payload ]] || fail "not in the outer volume: $(ls -la "$outer")"
    [[ $(ls "$outer") == top ]] || fail "the outer volume holds more: $(ls -la "$outer")"
    # And back out of them.
    run skiff cp vols:/data/inner/f "$H/back"
    assert_status 0
    [[ $(cat "$H/back") == payload ]] || fail "read back: $(cat "$H/back")"
    skiff rm vols >/dev/null
    skiff volume rm cpv-outer cpv-inner >/dev/null
}

@test "cp follows links inside the container and expands no '*'" {
    skiff run -d --name links busybox sh -c 'mkdir -p /tmp/d/sub /tmp/w; echo a >/tmp/d/a; ln -s .. /tmp/d/sub/up;
        ln -s /tmp/nonesuch /tmp/w/dangling; echo star >"/tmp/w/*x"; sleep 1000' >/dev/null
    # A link as the source: what it leads to is copied, under the destination's new name.
    run skiff cp links:/tmp/d/sub/up "$H/dest"
    assert_status 0
    [[ -d $H/dest && $(cat "$H/dest/a") == a ]] || fail "$(ls -laR "$H")"
    # A dangling link as the destination is written through; with a trailing "/" it is an error.
    echo through >"$H/f"
    run --separate-stderr skiff cp "$H/f" links:/tmp/w/dangling
    assert_status 0
    run skiff exec links cat /tmp/nonesuch
    assert_output through
    run --separate-stderr skiff cp "$H/f" links:/tmp/d/sub/up/nodir/
    assert_status 125
    assert_one_error_line '"/tmp/d/sub/up/nodir/" could not be found on container links: no such file or directory'
    # "*" in a container's source path is neither expanded nor taken literally.
    run --separate-stderr skiff cp 'links:/tmp/w/*x' "$H"
    assert_status 125
    assert_one_error_line '"/tmp/w/*x" could not be found on container links: no such file or directory'
    # --pause is podman's deprecated flag, accepted as podman accepts it.
    run --separate-stderr skiff cp --pause=false links:/tmp/d/a "$H/paused"
    assert_status 0
}

@test "cp tar streams and destinations: podman's errors" {
    skiff run -d --name streams busybox sleep 1000 >/dev/null
    echo "not a tar" >"$H/plain"
    run --separate-stderr bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp - streams:/tmp <\"$H/plain\""
    assert_status 125
    assert_one_error_line "source must be a (compressed) tar archive when copying from stdin"
    tar -c -C "$H" plain | gzip >"$H/t.tgz"
    run --separate-stderr bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp - streams:/tmp/absent <\"$H/t.tgz\""
    assert_status 125
    assert_one_error_line "destination must be a directory when copying from stdin"
    run --separate-stderr bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp - streams:/tmp <\"$H/t.tgz\""
    assert_status 0
    run skiff exec streams cat /tmp/plain
    assert_output "not a tar"
    # A host destination must be a directory or a regular file: /dev/stdout on a pipe is neither.
    run --separate-stderr bash -c "timeout 30 \"$SKIFF\" $(skiff_args | tr '\n' ' ') cp streams:/tmp/plain /dev/stdout | cat; exit \${PIPESTATUS[0]}"
    assert_status 125
    assert_one_error_line 'invalid destination: "/dev/stdout" must be a directory or a regular file'
    [[ -L /dev/stdout ]] || fail "/dev/stdout was replaced: $(ls -l /dev/stdout)"
}
