#!/usr/bin/env bats
# Logs as podman keeps them: a foreground run's output in its log too, several containers followed
# at once, and the log driver and options as inspect shows them.

load busybox_containers

@test "a container run in the foreground keeps its log, both streams" {
    run skiff run --name fg busybox sh -c 'echo out; echo err >&2'
    assert_status 0
    run skiff logs fg
    assert_output "out
err"
}

@test "logs -f of several containers: all at once, each line prefixed with its short id" {
    a=$(skiff run -d --name la busybox sh -c 'echo a; sleep 2; echo d')
    b=$(skiff run -d --rm --name lb busybox sh -c 'sleep 1; echo b')
    run skiff logs -f la lb
    assert_status 0
    assert_output "${a:0:12} a
${b:0:12} b
${a:0:12} d"
}

@test "--log-driver: json-file kept as given, none refuses logs in podman's words, size shown" {
    skiff run --name js --log-driver json-file --log-opt max-size=7.083m busybox true
    run skiff inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}' js
    assert_output "json-file 7.083MB"
    skiff run --name no --log-driver none busybox echo hi
    run skiff logs no
    assert_status 125
    assert_output "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output"
    run skiff run --log-driver bogus busybox true
    assert_status 125
    assert_output "Error: running container create option: invalid log driver: invalid argument"
}
