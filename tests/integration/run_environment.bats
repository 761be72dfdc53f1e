#!/usr/bin/env bats
# What every container contains, as podman's: the default environment and the options that shape
# it, /run/.containerenv, /etc/mtab, its root directory's mode, its working directory, and what
# container inspect says of its image.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

# --- environment -------------------------------------------------------------------------------

@test "the default environment is podman's: PATH, TERM=xterm and container=podman, with or without -t" {
    run --separate-stderr skiff run --rm busybox env
    assert_status 0
    local v
    for v in "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" TERM=xterm container=podman; do
        grep -qx "$v" <<<"$output" || fail "no $v in:" "$output"
    done
}

@test "--unsetenv leaves out a default or image variable, --unsetenv-all every one, -e still counts" {
    skiff import --change "ENV FROMIMAGE=1" "$(busybox_tarball)" withenv >/dev/null
    run --separate-stderr skiff run --rm --unsetenv TERM --unsetenv FROMIMAGE withenv env
    assert_status 0
    ! grep -q "^TERM=" <<<"$output" || fail "TERM despite --unsetenv:" "$output"
    ! grep -q "^FROMIMAGE=" <<<"$output" || fail "FROMIMAGE despite --unsetenv:" "$output"
    grep -qx container=podman <<<"$output" || fail "container=podman went too:" "$output"

    run --separate-stderr skiff run --rm --unsetenv-all withenv env
    assert_status 0
    for v in PATH TERM container FROMIMAGE; do
        ! grep -q "^$v=" <<<"$output" || fail "$v despite --unsetenv-all:" "$output"
    done

    run --separate-stderr skiff run --rm --unsetenv-all -e TERM=abc withenv env
    assert_status 0
    grep -qx TERM=abc <<<"$output" || fail "-e TERM=abc lost with --unsetenv-all:" "$output"
    skiff rmi withenv >/dev/null
}

@test "--unsetenv is kept with a created container and applies at each start" {
    run --separate-stderr skiff create --unsetenv TERM busybox env
    assert_status 0
    local id=$output
    run --separate-stderr skiff start -a "$id"
    assert_status 0
    ! grep -q "^TERM=" <<<"$output" || fail "TERM in a container created with --unsetenv TERM:" "$output"
    skiff rm "$id" >/dev/null
}

@test "--http-proxy (the default) passes skiff's proxy variables, --env-host all of them, -e wins over both" {
    http_proxy=http://proxy.example:3128 NO_PROXY=localhost SKIFF_NOT_PROXY=x \
        run --separate-stderr skiff run --rm busybox env
    assert_status 0
    grep -qx http_proxy=http://proxy.example:3128 <<<"$output" || fail "no http_proxy:" "$output"
    grep -qx NO_PROXY=localhost <<<"$output" || fail "no NO_PROXY:" "$output"
    ! grep -q "^SKIFF_NOT_PROXY=" <<<"$output" || fail "a variable that is no proxy's passed:" "$output"

    http_proxy=http://proxy.example:3128 run --separate-stderr skiff run --rm --http-proxy=false busybox env
    assert_status 0
    ! grep -q "^http_proxy=" <<<"$output" || fail "http_proxy despite --http-proxy=false:" "$output"

    SKIFF_FROM_HOST=yes TERM=vt100 run --separate-stderr skiff run --rm --env-host -e TERM=abc busybox env
    assert_status 0
    grep -qx SKIFF_FROM_HOST=yes <<<"$output" || fail "--env-host did not pass SKIFF_FROM_HOST:" "$output"
    grep -qx TERM=abc <<<"$output" || fail "-e did not win over --env-host:" "$output"
}

# --- files podman puts in every container --------------------------------------------------------

@test "/run/.containerenv is empty, and tells a privileged container its engine, name, id and image" {
    run --separate-stderr skiff run --rm busybox stat -c %s /run/.containerenv
    assert_status 0
    assert_output 0

    local iid
    iid=$(skiff inspect --format '{{.Id}}' busybox)
    run --separate-stderr skiff run --rm --privileged --name envc busybox \
        sh -c '. /run/.containerenv; echo $engine; echo $name; echo $id; echo $image; echo $imageid; echo $rootless'
    assert_status 0
    [[ ${lines[0]} == podman-skiff-* ]] || fail "engine: ${lines[0]}"
    [[ ${lines[1]} == envc ]] || fail "name: ${lines[1]}"
    [[ ${lines[2]} =~ ^[0-9a-f]{64}$ ]] || fail "id: ${lines[2]}"
    [[ ${lines[3]} == localhost/busybox:latest ]] || fail "image: ${lines[3]}"
    [[ ${lines[4]} == "$iid" ]] || fail "imageid: ${lines[4]} (want $iid)"
    [[ ${lines[5]} == 0 ]] || fail "rootless: ${lines[5]}"
}

@test "a volume on /run covers /run/.containerenv, as podman leaves it out then" {
    run --separate-stderr skiff run --rm --tmpfs /run busybox sh -c 'test -e /run/.containerenv && echo there || echo absent'
    assert_status 0
    assert_output absent
}

@test "/etc/mtab is made a link to /proc/mounts when the image has none, and an image's own is kept" {
    run --separate-stderr skiff run --rm busybox sh -c 'readlink /etc/mtab; grep -c " / " /etc/mtab'
    assert_status 0
    [[ ${lines[0]} == /proc/mounts ]] || fail "/etc/mtab: ${lines[0]}"

    local dir=$SKIFF_TEST_DIR/mtab-image
    mkdir -p "$dir"
    tar -xf "$(busybox_tarball)" -C "$dir"
    rm -f "$dir/etc/mtab"
    echo "my own mtab" >"$dir/etc/mtab"
    tar -cf "$SKIFF_TEST_DIR/mtab.tar" -C "$dir" .
    skiff import "$SKIFF_TEST_DIR/mtab.tar" ownmtab >/dev/null
    run --separate-stderr skiff run --rm ownmtab cat /etc/mtab
    assert_status 0
    assert_output "my own mtab"
    skiff rmi ownmtab >/dev/null
}

@test "the container's root directory is 0555, as containers/storage makes it, whatever the layer's ./ says" {
    run --separate-stderr skiff run --rm busybox stat -c %a /
    assert_status 0
    assert_output 555
    # The vfs driver's private copy too.
    run --separate-stderr skiff --storage-driver vfs run --rm busybox stat -c %a /
    assert_status 0
    assert_output 555
}

# --- working directory ---------------------------------------------------------------------------

@test "an image's missing WorkingDir is made, owned by the container's user; a missing --workdir is podman's error" {
    skiff import --change "WORKDIR /made/here" "$(busybox_tarball)" withwd >/dev/null
    run --separate-stderr skiff run --rm --user 1000:1000 withwd sh -c 'pwd; stat -c "%u %g" .'
    assert_status 0
    assert_output "/made/here
1000 1000"
    skiff rmi withwd >/dev/null

    run --separate-stderr skiff run --rm --workdir /i/do/not/exist busybox pwd
    assert_status 126
    assert_one_error_line workdir "workdir \"/i/do/not/exist\" does not exist on container "

    run --separate-stderr skiff run --rm --workdir /etc/passwd busybox pwd
    assert_status 126
    assert_one_error_line workdir "workdir \"/etc/passwd\" exists on container " ", but is not a directory"
}

# --- exec failures -------------------------------------------------------------------------------

@test "a directory as the command is exec's permission denied, 126" {
    run --separate-stderr skiff run --rm busybox /etc
    assert_status 126
    assert_one_error_line "exec" "exec: the path \`/etc\` is not a regular file: Permission denied: OCI permission denied"
}

# --- inspect -------------------------------------------------------------------------------------

@test "container inspect shows the image's name, id and digest as image inspect has them" {
    local want
    want=$(skiff inspect --format '{{.Id}} {{.Digest}}' busybox)
    [[ $want == *" sha256:"* ]] || fail "the image has no digest: $want"
    skiff run --name digested busybox true
    run --separate-stderr skiff container inspect --format '{{.ImageName}} {{.Image}} {{.ImageDigest}}' digested
    assert_status 0
    assert_output "localhost/busybox:latest $want"
    skiff rm digested >/dev/null
}

# --- systemd mode --------------------------------------------------------------------------------

@test "--systemd=always: tmpfs on /run, /run/lock, /tmp and /var/log/journal, container_uuid, no host ttyN when privileged" {
    run --separate-stderr skiff run --rm --privileged --systemd=always busybox sh -c \
        'for d in /run /run/lock /tmp /var/log/journal; do grep -q "^tmpfs $d tmpfs " /proc/mounts && echo "$d tmpfs"; done
         echo "uuid $container_uuid"; ls /dev | grep -c "^tty[0-9]"; test -e /run/.containerenv && echo containerenv'
    assert_status 0
    local id
    assert_output "/run tmpfs
/run/lock tmpfs
/tmp tmpfs
/var/log/journal tmpfs
uuid ${lines[4]#uuid }
0
containerenv"
    [[ ${lines[4]} =~ ^uuid\ [0-9a-f]{32}$ ]] || fail "container_uuid: ${lines[4]}"
    # Without systemd mode a privileged container has the host's terminals.
    run --separate-stderr skiff run --rm --privileged busybox sh -c 'ls /dev | grep -c "^tty[0-9]"'
    assert_status 0
    [[ $output -gt 0 ]] || fail "no /dev/ttyN in a privileged container"
}

@test "--systemd=true (the default) is systemd mode for init or systemd only; systemd stops on SIGRTMIN+3" {
    local id rtmin3=$(( $(kill -l RTMIN) + 3 ))
    id=$(skiff create busybox /sbin/init)
    [[ $(skiff inspect --format '{{.Config.StopSignal}}' "$id") == "$rtmin3" ]] || fail "/sbin/init: not systemd mode"
    skiff rm "$id" >/dev/null
    id=$(skiff create busybox /usr/lib/systemd/systemd)
    [[ $(skiff inspect --format '{{.Config.StopSignal}}' "$id") == "$rtmin3" ]] || fail "…/systemd: not systemd mode"
    skiff rm "$id" >/dev/null
    id=$(skiff create --systemd=false busybox /sbin/init)
    [[ $(skiff inspect --format '{{.Config.StopSignal}}' "$id") == SIGTERM ]] || fail "--systemd=false: systemd mode"
    skiff rm "$id" >/dev/null
    id=$(skiff create --systemd=always --stop-signal TERM busybox true)
    [[ $(skiff inspect --format '{{.Config.StopSignal}}' "$id") == SIGTERM ]] || fail "--stop-signal lost to systemd mode"
    skiff rm "$id" >/dev/null
    run --separate-stderr skiff run --rm busybox sh -c 'grep -c "^tmpfs /run " /proc/mounts'
    [[ $output == 0 ]] || fail "a tmpfs on /run without systemd mode"

    run --separate-stderr skiff create --systemd=bogus busybox true
    assert_status 125
    assert_one_error_line "invalid value \"bogus\" systemd option requires 'true, false, always'"
}

# --- images from archives ------------------------------------------------------------------------

@test "run and create take docker-archive: and oci-archive: references: the archive is loaded, with a pull's progress" {
    skiff run --name archsrc --entrypoint '["/bin/echo","from-the-archive"]' busybox >/dev/null
    skiff commit -q archsrc archimg >/dev/null
    skiff save --quiet archimg -o "$SKIFF_TEST_DIR/arch.tar"
    skiff save --quiet --format oci-archive archimg -o "$SKIFF_TEST_DIR/arch-oci.tar"
    skiff rm archsrc >/dev/null
    skiff rmi archimg >/dev/null

    run --separate-stderr skiff run --rm "docker-archive:$SKIFF_TEST_DIR/arch.tar"
    assert_status 0
    assert_output from-the-archive
    [[ ${stderr_lines[0]} == "Getting image source signatures" ]] || fail "progress: [$stderr]"
    [[ $stderr == *"Copying blob sha256:"* && $stderr == *"Copying config sha256:"* && $stderr == *"Writing manifest"* ]] ||
        fail "progress: [$stderr]"
    skiff image exists localhost/archimg:latest || fail "the archive's image was not stored under its name"
    skiff rmi archimg >/dev/null

    run --separate-stderr skiff create -q "oci-archive:$SKIFF_TEST_DIR/arch-oci.tar"
    assert_status 0
    local id=$output
    run --separate-stderr skiff start -a "$id"
    assert_output from-the-archive
    skiff rm "$id" >/dev/null

    run --separate-stderr skiff run --rm "docker-archive:$SKIFF_TEST_DIR/no-such.tar"
    assert_status 125
    assert_one_error_line "no-such.tar"
}
