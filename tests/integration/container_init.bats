#!/usr/bin/env bats
# init: a container set up with its process waiting before the exec, started by start; and
# container cleanup: what a stopped container holds given back.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

@test "init: the container is set up and waits, initialized, until start runs its command" {
    local marker=$SKIFF_TEST_DIR/ran
    mkdir -p "$marker"
    skiff create --name job -v "$marker:/out" busybox sh -c 'echo ran >/out/file; echo hello; sleep 100' >/dev/null
    run skiff init job
    assert_status 0
    assert_output job
    run skiff inspect job --format '{{.State.Status}}'
    assert_output initialized
    run skiff ps -a --format '{{.Names}} {{.Status}}'
    assert_output "job Initialized"
    # Set up: its process is there, in its own namespaces, but has not run the command.
    local pid
    pid=$(skiff inspect job --format '{{.State.Pid}}')
    [[ $pid -gt 0 && -d /proc/$pid ]] || fail "no waiting process: [$pid]"
    [[ $(readlink /proc/$pid/ns/mnt) != $(readlink /proc/self/ns/mnt) ]] || fail "not in its own mount namespace"
    [[ ! -e $marker/file ]] || fail "the command ran before start"
    run --separate-stderr skiff init job
    assert_status 125
    assert_one_error_line "has already been created in runtime: container state improper"
    run skiff start job
    assert_status 0
    assert_output job
    run skiff inspect job --format '{{.State.Status}} {{.State.Pid}}'
    assert_output "running $pid"
    wait_for_text "$marker/file" ran || fail "the command did not run after start"
    run skiff logs job
    assert_output hello
    # --all: what is initialized or running already is no error.
    run skiff init --all
    assert_status 0
    skiff rm -f -t 0 job >/dev/null
}

@test "init: a removed initialized container never runs its command; start of a failing command reports it" {
    local marker=$SKIFF_TEST_DIR/never
    mkdir -p "$marker"
    skiff create --name held -v "$marker:/out" busybox sh -c 'echo ran >/out/file' >/dev/null
    skiff init held >/dev/null
    run skiff rm -f held
    assert_status 0
    sleep 0.2
    [[ ! -e $marker/file ]] || fail "the command ran"
    # stop ends an initialized container, its command never run.
    skiff create --name stopped-early -v "$marker:/out" busybox sh -c 'echo ran >/out/file' >/dev/null
    skiff init stopped-early >/dev/null
    run skiff stop stopped-early
    assert_status 0
    assert_output stopped-early
    run skiff inspect stopped-early --format '{{.State.Status}}'
    assert_output exited
    [[ ! -e $marker/file ]] || fail "the command ran"
    skiff rm stopped-early >/dev/null
    skiff create --name missing busybox /no/such/command >/dev/null
    run skiff init missing
    assert_status 0
    # As a start without init: the runtime's error, and 125.
    run --separate-stderr skiff start missing
    assert_status 125
    assert_one_error_line "/no/such/command" "not found"
    skiff rm -f missing >/dev/null
}

@test "container cleanup: a stopped container is cleaned up and printed; a running one is podman's error" {
    skiff create --name stopped busybox true >/dev/null
    run skiff container cleanup stopped
    assert_status 0
    assert_output stopped
    local id
    id=$(skiff run -d --name up busybox sleep 100)
    run --separate-stderr skiff container cleanup up
    assert_status 125
    assert_one_error_line "failed to clean up container $id: container $id is running or paused, refusing to clean up: container state improper"
    run --separate-stderr skiff container cleanup nobody
    assert_status 125
    assert_one_error_line 'no container with name or ID "nobody" found'
    run skiff container cleanup --all
    assert_status 0
    assert_output "$(skiff inspect stopped --format '{{.Id}}')"
    run skiff container cleanup --rm stopped
    assert_status 0
    run skiff container exists stopped
    assert_status 1
    skiff rm -f -t 0 up >/dev/null
}

@test "container cleanup gives back the image mounts of a container whose monitor was killed" {
    skiff run -d --name img --mount type=image,source=busybox,target=/img busybox sleep 100 >/dev/null
    local monitor count_file
    monitor=$(skiff inspect img --format '{{.State.ConmonPid}}')
    [[ $monitor -gt 0 ]] || fail "no monitor pid"
    kill -9 "$monitor"
    local i
    for i in $(seq 50); do
        [[ $(skiff inspect img --format '{{.State.Status}}') == exited ]] && break
        sleep 0.1
    done
    run skiff image mount
    assert_output_contains busybox
    run skiff container cleanup img
    assert_status 0
    run skiff image mount
    assert_output ""
    # Once given back, a second cleanup takes nothing from another user's mount.
    skiff image mount busybox >/dev/null
    run skiff container cleanup img
    assert_status 0
    run skiff image mount
    assert_output_contains busybox
    skiff image unmount busybox >/dev/null
    skiff rm img >/dev/null
}
