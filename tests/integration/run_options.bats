#!/usr/bin/env bats
# `skiff run` options: environment, working directory, user, entrypoint, hostname, name, read-only
# root, capabilities, privileged, no-new-privileges, seccomp.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

kPodmanCaps=00000000800405fb

# --- environment -----------------------------------------------------------------------------------

@test "-X=VALUE is podman's other spelling of a short option's value; the command's words stay its own" {
    run skiff run --rm -e=GREETING=hi -w=/tmp busybox sh -c 'echo "$GREETING $(pwd)"'
    assert_status 0
    assert_output "hi /tmp"
    run skiff run --rm busybox echo -e=x
    assert_output "-e=x"
}

@test "-e sets variables, and a later -e of the same name wins" {
    run skiff run --rm -e FOO=bar -e 'SPACED=a b  c' -e EMPTY= -e FOO=baz busybox sh -c 'echo "$FOO|$SPACED|${EMPTY-unset}|${EMPTY:+nonempty}"'
    assert_status 0
    assert_output "baz|a b  c||"
}

@test "-e NAME without a value takes it from skiff's environment, and is unset when skiff has none" {
    export SKIFF_TEST_FROM_HOST=host-value
    unset SKIFF_TEST_NOT_SET
    run skiff run --rm -e SKIFF_TEST_FROM_HOST -e SKIFF_TEST_NOT_SET busybox sh -c 'echo "$SKIFF_TEST_FROM_HOST|${SKIFF_TEST_NOT_SET-unset}"'
    assert_status 0
    assert_output "host-value|unset"
}

@test "the host's environment does not leak into the container" {
    export SKIFF_TEST_SECRET=do-not-leak
    run skiff run --rm busybox env
    assert_status 0
    refute_output_contains SKIFF_TEST_SECRET
    refute_output_contains do-not-leak
}

@test "PATH, HOME and HOSTNAME have defaults as in podman" {
    run skiff run --rm busybox sh -c 'echo "$PATH"; echo "$HOME"; echo "$HOSTNAME"; hostname'
    assert_status 0
    [[ ${lines[0]} == *"/usr/bin"* && ${lines[0]} == *"/bin"* ]] || fail "PATH [${lines[0]}]"
    [[ ${lines[1]} == /root ]] || fail "HOME [${lines[1]}]"
    [[ ${lines[2]} == "${lines[3]}" ]] || fail "HOSTNAME [${lines[2]}] vs hostname [${lines[3]}]"
}

@test "--env-file reads K=V lines, skips comments and blank lines, and -e overrides it" {
    local f=$SKIFF_TEST_DIR/env.list
    cat >"$f" <<'EOF'
# a comment
FROM_FILE=file-value

WITH_EQUALS=a=b=c
OVERRIDDEN=from-file
EOF
    run skiff run --rm --env-file "$f" -e OVERRIDDEN=from-flag busybox sh -c 'echo "$FROM_FILE|$WITH_EQUALS|$OVERRIDDEN"'
    assert_status 0
    assert_output "file-value|a=b=c|from-flag"
    run skiff run --rm --env-file "$f" busybox sh -c 'env | grep -c comment || true'
    assert_status 0
    assert_output 0
}

@test "--env-file that does not exist is refused with 125" {
    run --separate-stderr skiff run --rm --env-file /no/such/env.list busybox true
    assert_status 125
    assert_one_error_line /no/such/env.list
}

# --- working directory -----------------------------------------------------------------------------

@test "the working directory defaults to / and -w changes it" {
    run skiff run --rm busybox pwd
    assert_status 0
    assert_output /
    run skiff run --rm -w /tmp busybox sh -c 'pwd; readlink /proc/self/cwd'
    assert_status 0
    assert_output $'/tmp\n/tmp'
}

@test "-w of a directory the image lacks is refused with one Error line, as podman does" {
    run --separate-stderr skiff run --rm -w /no/such/dir busybox pwd
    assert_status 126
    assert_one_error_line /no/such/dir
    [[ -z $output ]] || fail "stdout: [$output]"
}

# --- user ------------------------------------------------------------------------------------------

@test "the default user is root" {
    run skiff run --rm busybox id
    assert_status 0
    assert_output_contains "uid=0(root) gid=0(root)"
}

@test "-u NAME resolves uid, gid, supplementary groups and HOME from the image's files" {
    run skiff run --rm -u tester busybox sh -c 'id -u; id -g; id -G; echo "$HOME"; whoami'
    assert_status 0
    [[ ${lines[0]} == 1000 && ${lines[1]} == 1000 ]] || fail "[$output]"
    [[ " ${lines[2]} " == *" 10 "* ]] || fail "supplementary group wheel (10) missing: [${lines[2]}]"
    [[ ${lines[3]} == /home/tester && ${lines[4]} == tester ]] || fail "[$output]"
}

@test "-u UID takes the gid from the passwd entry when there is one" {
    run skiff run --rm -u 1000 busybox sh -c 'id -u; id -g'
    assert_status 0
    assert_output $'1000\n1000'
}

@test "-u UID that is not in passwd runs as that uid with gid 0" {
    run skiff run --rm -u 4242 busybox sh -c 'id -u; id -g'
    assert_status 0
    assert_output $'4242\n0'
}

@test "-u UID:GID and NAME:GROUP set both" {
    run skiff run --rm -u 1000:10 busybox sh -c 'id -u; id -g'
    assert_status 0
    assert_output $'1000\n10'
    run skiff run --rm -u tester:wheel busybox sh -c 'id -u; id -g'
    assert_status 0
    assert_output $'1000\n10'
    run skiff run --rm -u 4242:4343 busybox sh -c 'id -u; id -g'
    assert_status 0
    assert_output $'4242\n4343'
}

@test "a group that is not in the image's group file is refused" {
    run --separate-stderr skiff run --rm -u 1000:no-such-group busybox true
    assert_status 126
    assert_one_error_line no-such-group
}

@test "a non-root user has no capabilities" {
    run skiff run --rm -u tester busybox grep -E '^Cap(Eff|Prm)' /proc/self/status
    assert_status 0
    assert_output $'CapPrm:\t0000000000000000\nCapEff:\t0000000000000000'
}

# An image whose /etc/passwd is replaced by what the function's arguments make (run in the rootfs).
import_with_passwd() {
    local name=$1 make=$2 dir=$SKIFF_TEST_DIR/$1
    mkdir -p "$dir"
    tar -xf "$(busybox_tarball)" -C "$dir"
    rm "$dir/etc/passwd"
    (cd "$dir" && eval "$make")
    tar -cf "$dir.tar" -C "$dir" --owner=0 --group=0 --numeric-owner .
    rm -rf "$dir"
    skiff import "$dir.tar" "$name" >/dev/null
}

@test "user names are looked up in the container's /etc/passwd, never through a symlink to the host's" {
    # A passwd file on the host naming a user the image does not have; the image's /etc/passwd is an
    # absolute symlink to it. Resolved inside the container's root, the link points at nothing.
    local host_passwd=$SKIFF_TEST_DIR/host-passwd
    echo 'hostonly:x:777:777::/:/bin/sh' >"$host_passwd"
    import_with_passwd passwd-symlink "ln -s $host_passwd etc/passwd"
    run --separate-stderr skiff run --rm -u hostonly passwd-symlink id -u
    assert_status 126
    [[ -z $output ]] || fail "the command ran: [$output]"
    assert_one_error_line hostonly "no matching entries in passwd file"
}

@test "an /etc/passwd that is not a regular file is refused, not read" {
    # A FIFO would block a reader forever: skiff must check the type before it reads.
    import_with_passwd passwd-fifo "mkfifo etc/passwd"
    # (podman blocks on the FIFO; 126 as for every other user that cannot be looked up. 124 would
    # mean the test's timeout ended a skiff blocked reading it.)
    run --separate-stderr skiff run --rm -u tester passwd-fifo id -u
    assert_status 126
    assert_one_error_line passwd "not a regular file"
}

# --- entrypoint and command ------------------------------------------------------------------------

@test "--entrypoint replaces the entrypoint and the arguments follow it" {
    run skiff run --rm --entrypoint echo busybox hello world
    assert_status 0
    assert_output "hello world"
}

@test "--entrypoint takes a JSON array" {
    run skiff run --rm --entrypoint '["sh","-c","echo \"$0 $1\""]' busybox first second
    assert_status 0
    assert_output "first second"
}

@test "arguments with spaces and quotes reach the process unchanged" {
    run skiff run --rm busybox sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 'a b' '"q"' '' '$HOME'
    assert_status 0
    assert_output $'[a b]\n["q"]\n[]\n[$HOME]'
}

@test "options after the image belong to the container's command" {
    run skiff run --rm busybox echo --rm -e X=1
    assert_status 0
    assert_output "--rm -e X=1"
}

# --- hostname and name -----------------------------------------------------------------------------

@test "--hostname sets the hostname, /etc/hostname and HOSTNAME" {
    run skiff run --rm --hostname my-box busybox sh -c 'hostname; echo "$(cat /etc/hostname)"; echo "$HOSTNAME"'
    assert_status 0
    assert_output $'my-box\nmy-box\nmy-box'
}

@test "--name names the container in ps, and a name in use is refused with 125" {
    run skiff run --name named-one busybox true
    assert_status 0
    run skiff ps -a --format json
    assert_status 0
    [[ $(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Names"][0])' <<<"$output") == named-one ]] ||
        fail "[$output]"
    run --separate-stderr skiff run --name named-one busybox true
    assert_status 125
    assert_one_error_line named-one
    run skiff ps -a -q
    [[ $(grep -c . <<<"$output") -eq 1 ]] || fail "a second container exists: [$output]"
    run skiff rm named-one
    assert_status 0
    run skiff run --rm --name named-one busybox true
    assert_status 0
}

@test "two containers without --name get different names" {
    run skiff run busybox true
    assert_status 0
    run skiff run busybox true
    assert_status 0
    run skiff ps -a --format json
    python3 -c '
import json, sys
c = json.load(sys.stdin)
names = [x["Names"][0] for x in c]
assert len(c) == 2 and len(set(names)) == 2 and all(names), names' <<<"$output" || fail "[$output]"
}

# --- read-only -------------------------------------------------------------------------------------

@test "--read-only makes the root filesystem read-only" {
    run skiff run --rm --read-only busybox sh -c 'touch /newfile 2>&1; echo rc=$?; echo x >/dev/null && echo dev-ok'
    assert_status 0
    assert_output_contains "Read-only file system"
    assert_output_contains rc=1
    assert_output_contains dev-ok
    run skiff run --rm busybox sh -c 'touch /newfile && echo rw-ok'
    assert_output rw-ok
}

@test "writes to the root filesystem stay in the container" {
    run skiff run --rm busybox sh -c 'echo changed >/etc/os-release; cat /etc/os-release'
    assert_status 0
    assert_output changed
    run skiff run --rm busybox cat /etc/os-release
    assert_status 0
    assert_output_contains "skiff busybox"
}

# --- capabilities and privileges -------------------------------------------------------------------

@test "--cap-add adds a capability, with or without the CAP_ prefix, in any case" {
    run skiff run --rm --cap-add NET_ADMIN busybox sh -c 'grep CapEff /proc/self/status; ip addr add 127.0.0.2/8 dev lo && echo added'
    assert_status 0
    assert_output $'CapEff:\t00000000800415fb\nadded'
    run skiff run --rm --cap-add cap_net_admin busybox grep CapEff /proc/self/status
    assert_output $'CapEff:\t00000000800415fb'
}

@test "--cap-drop drops a capability and the process really loses it" {
    run skiff run --rm --cap-drop CHOWN busybox sh -c 'grep CapEff /proc/self/status; touch /tmp/f; chown 1000 /tmp/f 2>&1; echo rc=$?'
    assert_status 0
    assert_output_contains $'CapEff:\t00000000800405fa'
    assert_output_contains "Operation not permitted"
    assert_output_contains rc=1
}

@test "--cap-drop all leaves no capability, and --cap-add then adds back only what it names" {
    run skiff run --rm --cap-drop all busybox grep -E '^Cap(Eff|Bnd)' /proc/self/status
    assert_status 0
    assert_output $'CapEff:\t0000000000000000\nCapBnd:\t0000000000000000'
    run skiff run --rm --cap-drop ALL --cap-add KILL busybox grep CapEff /proc/self/status
    assert_status 0
    assert_output $'CapEff:\t0000000000000020'
}

@test "--privileged gives every capability skiff has, no seccomp filter and no masked paths" {
    local host_bnd
    host_bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
    run skiff run --rm --privileged busybox sh -c 'cat /proc/self/status; echo "keys=$(head -c 64 /proc/keys | wc -c)"'
    assert_status 0
    [[ $(status_field CapEff) == "$host_bnd" ]] || fail "CapEff $(status_field CapEff), host $host_bnd"
    [[ $(status_field Seccomp) == 0 ]] || fail "Seccomp $(status_field Seccomp)"
    if [[ $(head -c 64 /proc/keys | wc -c) -gt 0 ]]; then
        assert_output_contains "keys=64"
    fi
}

@test "--security-opt no-new-privileges sets NoNewPrivs" {
    run skiff run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
    assert_status 0
    assert_output $'NoNewPrivs:\t1'
    run skiff run --rm --security-opt no-new-privileges=true busybox grep NoNewPrivs /proc/self/status
    assert_output $'NoNewPrivs:\t1'
}

@test "--security-opt seccomp=unconfined turns the filter off and keeps the capabilities" {
    run skiff run --rm --security-opt seccomp=unconfined busybox cat /proc/self/status
    assert_status 0
    [[ $(status_field Seccomp) == 0 ]] || fail "Seccomp $(status_field Seccomp)"
    [[ $(status_field CapEff) == "$kPodmanCaps" ]] || fail "CapEff $(status_field CapEff)"
}

@test "--security-opt seccomp=PROFILE.json applies that profile" {
    local profile=$SKIFF_TEST_DIR/no-mkdir.json
    cat >"$profile" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }
  ]
}
EOF
    run skiff run --rm --security-opt "seccomp=$profile" busybox sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touch-ok'
    assert_status 0
    assert_output_contains $'Seccomp:\t2'
    assert_output_contains "Operation not permitted"
    assert_output_contains rc=1
    assert_output_contains touch-ok
    run skiff run --rm busybox sh -c 'mkdir /tmp/d && echo mkdir-ok'
    assert_output mkdir-ok
}

@test "a seccomp profile that is not valid JSON is refused with 125" {
    local profile=$SKIFF_TEST_DIR/broken.json
    echo '{ "defaultAction": ' >"$profile"
    run --separate-stderr skiff run --rm --security-opt "seccomp=$profile" busybox true
    assert_status 125
    assert_one_error_line "$profile"
}

# --- process limits and OOM score --------------------------------------------------------------------

@test "--ulimit sets the container's limits: soft and hard, soft alone, several, and host" {
    local hard
    hard=$(ulimit -Hn)
    run skiff run --rm --ulimit nofile=100:200 --ulimit core=0 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
    assert_status 0
    assert_output $'100\n200\n0'
    run skiff run --rm --ulimit nofile=123 busybox sh -c 'ulimit -n; ulimit -Hn'
    assert_status 0
    assert_output $'123\n123'
    run skiff run --rm --ulimit host busybox sh -c 'ulimit -Hn'
    assert_status 0
    assert_output "$hard"
    # Stored with the container: a second start has them too.
    skiff run -d --name limited --ulimit nofile=321:400 busybox sleep 1000 >/dev/null
    run skiff exec limited cat /proc/1/limits
    [[ $output =~ Max\ open\ files\ +321\ +400 ]] || fail "limits: $output"
    skiff restart -t 0 limited >/dev/null
    run skiff exec limited cat /proc/1/limits
    [[ $output =~ Max\ open\ files\ +321\ +400 ]] || fail "limits after restart: $output"
}

@test "--ulimit above the hard limit without CAP_SYS_RESOURCE, and bad ones, are errors" {
    local hard over
    hard=$(ulimit -Hn)
    over=$((hard + 1000))
    if capsh --has-p=cap_sys_resource 2>/dev/null; then
        skip "this process has CAP_SYS_RESOURCE: raising the hard limit is allowed"
    fi
    run --separate-stderr skiff run --rm --ulimit "nofile=$over:$over" busybox true
    assert_status 125
    assert_one_error_line "nofile" "$hard" "CAP_SYS_RESOURCE"
    run skiff ps -a --format '{{.Names}}'
    assert_output ""
    for bad in nofile files=10 nofile=20:10 nofile=many; do
        run --separate-stderr skiff run --rm --ulimit "$bad" busybox true
        assert_status 125
        assert_one_error_line "--ulimit"
    done
}

@test "--oom-score-adj raises the container's OOM score adjustment; out of range is an error" {
    run skiff run --rm --oom-score-adj 500 busybox cat /proc/self/oom_score_adj
    assert_status 0
    assert_output "500"
    run skiff run --rm busybox cat /proc/self/oom_score_adj
    assert_output "$(cat /proc/self/oom_score_adj)"
    run --separate-stderr skiff run --rm --oom-score-adj 1001 busybox true
    assert_status 125
    assert_one_error_line "--oom-score-adj"
    run skiff inspect --format '{{.HostConfig.OomScoreAdj}}' "$(skiff create --oom-score-adj 300 busybox true)"
    assert_output "300"
}

@test "--kernel-memory is accepted with podman's warning and has no effect" {
    run --separate-stderr skiff run --rm --kernel-memory 100 busybox echo ran
    assert_status 0
    assert_output "ran"
    [[ $stderr == *"The --kernel-memory flag is no longer supported. This flag is a noop."* ]] || fail "stderr: [$stderr]"
    run --separate-stderr skiff run --rm busybox true
    [[ -z $stderr ]] || fail "a warning without --kernel-memory: [$stderr]"
}

@test "--group-add adds supplementary groups, by gid or by the image's group name; exec has them too" {
    run skiff run --rm --group-add 457 --group-add nogroup busybox id -G
    assert_status 0
    [[ " $output " == *" 457 "* && " $output " == *" 65534 "* ]] || fail "groups: $output"
    skiff run -d --name grouped --group-add 457 busybox sleep 100 >/dev/null
    run skiff exec grouped id -G
    [[ " $output " == *" 457 "* ]] || fail "exec's groups: $output"
    skiff rm -f -t 0 grouped >/dev/null
    run --separate-stderr skiff run --rm --group-add nosuchgroup busybox true
    assert_status 126
    assert_one_error_line "unable to find group nosuchgroup"
}

@test "--group-add keep-groups keeps skiff's own groups and must stand alone" {
    run setpriv --groups 4711 -- "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" \
        run --rm --group-add keep-groups busybox id -G
    assert_status 0
    assert_output "0 4711"
    run --separate-stderr skiff run --rm --group-add keep-groups --group-add 457 busybox id
    assert_status 125
    assert_one_error_line "the '--group-add keep-groups' option is not allowed with any other --group-add options"
}

@test "inspect's .ImageName is the name the container was created with" {
    skiff tag busybox localhost/other/alias
    run skiff create --name named-by-alias other/alias true
    assert_status 0
    run skiff inspect --format '{{.ImageName}}' named-by-alias
    assert_output "localhost/other/alias:latest"
    skiff rm named-by-alias >/dev/null
    skiff rmi localhost/other/alias >/dev/null
}
