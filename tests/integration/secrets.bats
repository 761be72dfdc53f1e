#!/usr/bin/env bats
# `secret create|ls|inspect|rm` and `run --secret`: podman's file driver, its output, errors and exit
# codes, the file and variable a container gets, and what is never written where it should not be.

load busybox_containers

# podman on a private store, to compare with (it runs containers with runc on this host).
podman_() {
    podman --root "$SKIFF_TEST_DIR/podman-root" --runroot "$SKIFF_TEST_DIR/podman-run" --storage-driver vfs \
        --cgroup-manager cgroupfs --runtime runc "$@"
}
podman_run() { podman_ run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@"; }
have_podman() { command -v podman >/dev/null && command -v runc >/dev/null; }

setup() {
    remove_all_containers
    skiff secret rm -a >/dev/null 2>&1 || true
    printf 'hunter2' >"$SKIFF_TEST_DIR/pw"
}

@test "secret create prints a 25-digit id; ls, inspect and rm as podman's" {
    run --separate-stderr skiff secret create mysec "$SKIFF_TEST_DIR/pw"
    assert_status 0
    [[ $output =~ ^[0-9a-f]{25}$ ]] || fail "id [$output]"
    id=$output
    run --separate-stderr skiff secret create --label a=b -l c secret2 - <<<"from stdin"
    assert_status 0
    run skiff secret ls --format '{{.ID}} {{.Name}} {{.Driver}} {{.CreatedAt}}'
    assert_output_contains "$id mysec file Less than a second ago"
    run skiff secret ls
    [[ ${lines[0]} =~ ^ID\ +NAME\ +DRIVER\ +CREATED\ +UPDATED$ ]] || fail "[$output]"
    run skiff secret ls -q --filter name=^my
    assert_output "$id"
    run skiff secret inspect --format '{{.Spec.Name}} {{.Spec.Driver.Name}} {{.Spec.Labels}}' secret2
    assert_output "secret2 file map[a:b c:]"
    run skiff secret inspect "${id:0:6}"
    python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; assert s["ID"]==sys.argv[1] and s["Spec"]["Name"]=="mysec", s' \
        "$id" <<<"$output" || fail "[$output]"
    run --separate-stderr skiff secret rm mysec
    assert_status 0
    assert_output "$id"
    run skiff secret ls -q
    [[ $output != *"$id"* ]] || fail "still listed: [$output]"
    # The data is gone with it, and nothing but the owner could ever read it.
    [[ -z $(ls "$SKIFF_TEST_ROOT/secrets/data" | grep "$id") ]] || fail "data left"
    [[ $(stat -c %a "$SKIFF_TEST_ROOT/secrets") == 700 ]] || fail "secrets dir mode $(stat -c %a "$SKIFF_TEST_ROOT/secrets")"
    for f in "$SKIFF_TEST_ROOT/secrets/data/"*; do [[ $(stat -c %a "$f") == 600 ]] || fail "$f: $(stat -c %a "$f")"; done
}

@test "secret errors are podman's, each one line with exit 125" {
    skiff secret create mysec "$SKIFF_TEST_DIR/pw" >/dev/null
    run --separate-stderr skiff secret create mysec "$SKIFF_TEST_DIR/pw"
    assert_status 125
    assert_one_error_line "mysec: secret name in use"
    run --separate-stderr skiff secret create bad/name "$SKIFF_TEST_DIR/pw"
    assert_status 125
    assert_one_error_line "only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: bad/name: invalid secret name"
    run --separate-stderr skiff secret create empty - </dev/null
    assert_status 125
    assert_one_error_line "secret data must be larger than 0 and less than 512000 bytes"
    run --separate-stderr skiff secret inspect nosuch
    assert_status 125
    assert_output "[]"
    assert_one_error_line 'inspecting secret: no secret with name or id "nosuch": no such secret'
    run --separate-stderr skiff secret rm nosuch
    assert_status 125
    assert_one_error_line 'no secret with name or id "nosuch": no such secret'
    run --separate-stderr skiff secret rm
    assert_status 125
    run --separate-stderr skiff run --rm --secret nosuch busybox true
    assert_status 125
    assert_one_error_line 'no secret with name or id "nosuch": no such secret'
    run --separate-stderr skiff run --rm --secret mysec,type=bogus busybox true
    assert_status 125
    assert_one_error_line "type bogus is invalid: parsing secret"
    run --separate-stderr skiff run --rm --secret mysec,uid=5,type=env busybox true
    assert_status 125
    assert_one_error_line "UID, GID, Mode options cannot be set with secret type env: parsing secret"
    run --separate-stderr skiff run --rm --secret mysec,mode=9 busybox true
    assert_status 125
    assert_one_error_line "mode 9 invalid: parsing secret"
    [[ -z $(skiff ps -aq) ]] || fail "a container was left: $(skiff ps -a)"
}

@test "run --secret: the file at /run/secrets/NAME or TARGET with its uid, gid and mode; env secrets; podman agrees" {
    skiff secret create mysec "$SKIFF_TEST_DIR/pw" >/dev/null
    skiff secret create other "$SKIFF_TEST_DIR/pw" >/dev/null
    script='ls -ln /run/secrets | tail -n +2 | awk "{print \$1, \$3, \$4, \$9}"; cat /run/secrets/mysec; echo; ls -ln /etc/pw | awk "{print \$1, \$3, \$4}"; cat /etc/pw; echo; echo "$mysec $PW"'
    want="-r--r--r-- 0 0 mysec
hunter2
-r-------- 5 6
hunter2
hunter2 hunter2"
    args=(--secret mysec --secret source=other,target=/etc/pw,uid=5,gid=6,mode=0400 --secret mysec,type=env
          --secret mysec,type=env,target=PW)
    run --separate-stderr skiff run --rm "${args[@]}" busybox sh -c "$script"
    assert_status 0
    assert_output "$want"
    # One secret used twice keeps each use's owner and mode (podman 4.3.1 gives both the last one's).
    run --separate-stderr skiff run --rm --secret mysec --secret source=mysec,target=/etc/pw,uid=5,gid=6,mode=0400 \
        --secret mysec,type=env --secret mysec,type=env,target=PW busybox sh -c "$script"
    assert_status 0
    assert_output "$want"
    have_podman || return 0
    podman_ import -q "$(busybox_tarball)" busybox >/dev/null
    podman_ secret create mysec "$SKIFF_TEST_DIR/pw" >/dev/null
    podman_ secret create other "$SKIFF_TEST_DIR/pw" >/dev/null
    run --separate-stderr podman_run "${args[@]}" busybox sh -c "$script"
    assert_status 0
    [[ $output == "$want" ]] || fail "podman: [$output]" "skiff: [$want]"
}

@test "an env secret's value is in no record; a mount secret's copy outlives the secret, an env secret does not" {
    skiff secret create mysec "$SKIFF_TEST_DIR/pw" >/dev/null
    skiff secret create envsec "$SKIFF_TEST_DIR/pw" >/dev/null
    skiff create --name filed --secret mysec busybox cat /run/secrets/mysec >/dev/null
    skiff create --name envd --secret envsec,type=env busybox sh -c 'echo $envsec' >/dev/null
    run skiff inspect envd --format '{{.Config.Env}}'
    [[ $output != *hunter2* ]] || fail "the value is in inspect: [$output]"
    ! grep -rqs hunter2 "$SKIFF_TEST_ROOT/containers" --include='*.json' || fail "the value is in a record"
    skiff secret rm mysec envsec >/dev/null
    run --separate-stderr skiff start -a filed
    assert_status 0
    assert_output "hunter2"
    run --separate-stderr skiff start -a envd
    assert_status 125
    assert_one_error_line 'no secret with name or id "envsec": no such secret'
}
