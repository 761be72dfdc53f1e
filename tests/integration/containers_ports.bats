#!/usr/bin/env bats
# Published ports (-p, -P, --expose) and `skiff port`: connections to the host port reach a service in
# the container's own network namespace, TCP both ways with half-closes, UDP with replies; `port`, ps and
# inspect show the mappings; bad mappings and a host port in use are clear errors. Every test works in
# a network namespace this file makes (the monitors are started inside it with nsenter, which changes
# nothing but the network namespace), and all traffic stays on its loopback.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
    export NETNS="skiff-ports-$$"
    ip netns add "$NETNS"
    ip -n "$NETNS" link set lo up
}

teardown_file() {
    skiff_teardown_file
    ip netns del "$NETNS" 2>/dev/null || true
}

setup() { remove_all_containers; }

# skiff, and any command, in the test's network namespace.
in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
skiff_ns() { in_ns "$SKIFF" $(skiff_args) "$@"; }

kServe='mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && head -c 3000000 /dev/urandom > /www/big && exec httpd -f -p 80 -h /www'

# GET http://127.0.0.1:PORT/PATH in the namespace, retried while the container's server starts.
fetch() {
    local port=$1 path=${2:-index.html} i
    for i in $(seq 100); do
        if in_ns curl -sf --max-time 5 "http://127.0.0.1:$port/$path"; then return 0; fi
        sleep 0.1
    done
    return 1
}

@test "a published TCP port reaches the container's server; port, ps and inspect show it" {
    run skiff_ns run -d --name web -p 8080:80 busybox sh -c "$kServe"
    assert_status 0
    local id=$output
    run fetch 8080
    assert_status 0
    assert_output "hello from ${id:0:12}"

    # A large body, byte for byte.
    local want got
    want=$(skiff exec web sha256sum /www/big | cut -d' ' -f1)
    got=$(fetch 8080 big | sha256sum | cut -d' ' -f1)
    [[ $got == "$want" ]] || fail "body sha256 $got, want $want"

    run skiff port web
    assert_status 0
    assert_output "80/tcp -> 0.0.0.0:8080"
    run skiff port web 80
    assert_output "0.0.0.0:8080"
    run skiff port web 80/tcp
    assert_output "0.0.0.0:8080"
    run skiff port -l 80
    assert_output "0.0.0.0:8080"
    run skiff port -a
    assert_output "${id:0:12}	80/tcp -> 0.0.0.0:8080"
    run skiff port web 99/tcp
    assert_status 125
    assert_output 'Error: failed to find published port "99/tcp"'

    run skiff ps --format '{{.Names}} {{.Ports}}'
    assert_output "web 0.0.0.0:8080->80/tcp"
    run skiff ps --format json
    [[ $(jq -r '.[0].Ports[0] | "\(.host_port) \(.container_port) \(.protocol)"' <<<"$output") == "8080 80 tcp" ]] ||
        fail "ps json Ports: $output"
    run skiff inspect web --format '{{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}'
    assert_output '{"80/tcp":[{"HostIp":"","HostPort":"8080"}]} {"80/tcp":[{"HostIp":"","HostPort":"8080"}]}'

    # Stopped: nothing to report, and the host port is free again.
    skiff stop -t 1 web
    run skiff port web
    assert_status 0
    assert_output ""
    run in_ns curl -s --max-time 2 http://127.0.0.1:8080/index.html
    [[ $status -ne 0 ]] || fail "the port still answers after stop: $output"
    # Started again: the same mapping works.
    skiff_ns start web
    run fetch 8080
    assert_output "hello from ${id:0:12}"
}

@test "data flows both ways and each half closes on its own" {
    # The container reads until the client's end of input, then answers with what it counted.
    skiff_ns run -d --name counter -p 9000:9000 busybox sh -c 'while :; do nc -l -p 9000 -e sh -c "wc -c"; done'
    local i out
    for i in $(seq 100); do
        out=$(head -c 2000000 /dev/zero | in_ns python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 9000), timeout=5)
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(data.decode().strip())
' 2>/dev/null) && [[ -n $out ]] && break
        sleep 0.1
    done
    [[ $out == 2000000 ]] || fail "the container counted [$out] bytes, want 2000000"
}

# busybox has no UDP server: a small static one, copied into the container before it starts. It
# answers each datagram with "got-" and the datagram, to its sender.
udp_echo() {
    local bin=$BATS_FILE_TMPDIR/udp-echo
    [[ -x $bin ]] && { echo "$bin"; return; }
    cat >"$bin.c" <<'C'
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
int main(int argc, char** argv) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    if (bind(s, (struct sockaddr*)&a, sizeof a) < 0) return 1;
    for (;;) {
        char buf[2048] = "got-";
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(s, buf + 4, sizeof buf - 4, 0, (struct sockaddr*)&from, &len);
        if (n > 0) sendto(s, buf, n + 4, 0, (struct sockaddr*)&from, len);
    }
}
C
    cc -static -O2 -o "$bin" "$bin.c" || return 1
    echo "$bin"
}

@test "UDP: datagrams reach the container and its replies come back to each sender" {
    local bin
    bin=$(udp_echo) || fail "cannot build the UDP echo server"
    skiff_ns create --name echo -p 5353:5353/udp busybox /udp-echo 5353
    skiff cp "$bin" echo:/udp-echo
    skiff_ns start echo
    local out i
    for i in $(seq 50); do
        out=$(in_ns python3 -c '
import socket
got = []
for word in ("ping", "pong"):  # two senders, two flows
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    s.sendto(word.encode(), ("127.0.0.1", 5353))
    got.append(s.recvfrom(100)[0].decode())
print(" ".join(got))
' 2>/dev/null) && break
        sleep 0.1
    done
    [[ $out == "got-ping got-pong" ]] || fail "UDP replies [$out], want [got-ping got-pong]"
    run skiff port echo
    assert_output "5353/udp -> 0.0.0.0:5353"
}

@test "-p without a host port and -P choose free host ports, kept across restarts" {
    run skiff_ns run -d --name rnd -p 80 -P --expose 81/udp --expose 82 busybox sh -c "$kServe"
    assert_status 0
    run skiff port rnd 80/tcp
    assert_status 0
    local addr=$output port=${output##*:}
    [[ $addr == 0.0.0.0:* && $port -gt 0 ]] || fail "port rnd 80: $addr"
    run fetch "$port"
    assert_status 0
    run skiff port rnd
    [[ ${#lines[@]} -eq 3 ]] || fail "want 80/tcp, 81/udp, 82/tcp: $output"
    assert_output_contains "81/udp -> 0.0.0.0:"
    assert_output_contains "82/tcp -> 0.0.0.0:"
    skiff stop -t 1 rnd
    skiff_ns start rnd
    run skiff port rnd 80
    assert_output "$addr"
    run fetch "$port"
    assert_status 0
}

@test "a ranged mapping publishes each port; ps folds it back into a range" {
    run skiff_ns run -d --name ranged -p 127.0.0.1:7000-7001:7000-7001 busybox sleep 60
    assert_status 0
    run skiff port ranged
    assert_output "7000/tcp -> 127.0.0.1:7000
7001/tcp -> 127.0.0.1:7001"
    run skiff ps --format '{{.Ports}}'
    assert_output "127.0.0.1:7000-7001->7000-7001/tcp"
}

@test "a run in the foreground forwards its published port while it runs" {
    skiff_ns run --rm -p 9100:80 busybox sh -c 'echo served | nc -l -p 80' >/dev/null &
    local fg=$! out i
    for i in $(seq 100); do
        out=$(in_ns python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 9100), timeout=2)
print(s.recv(100).decode().strip())
' 2>/dev/null) && [[ -n $out ]] && break
        sleep 0.1
    done
    wait "$fg"
    [[ $out == served ]] || fail "read [$out] from the foreground container"
}

@test "a host port in use fails the start with a clear error and nothing left running" {
    in_ns python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8300)); s.listen(); time.sleep(30)' &
    local holder=$! i
    for i in $(seq 50); do in_ns ss -ltn | grep -q ':8300 ' && break; sleep 0.1; done
    run --separate-stderr skiff_ns run -d --name clash -p 8300:80 busybox sleep 60
    kill "$holder"; wait "$holder" 2>/dev/null || true
    # 126, as podman's (its system test 030 "podman run failed --rm" expects it).
    assert_status 126
    assert_one_error_line "cannot listen on 0.0.0.0:8300/tcp: Address already in use"
    run skiff ps -q
    assert_output ""
}

@test "bad port mappings are refused before anything is created" {
    local bad
    for bad in abc 70000:80 8080:0 80/sctp 80/icmp 8080-8081:80 1.2.3.400:80:80 '[::1]80' 9-7:80 ':'; do
        run --separate-stderr skiff run -d -p "$bad" busybox true
        assert_status 125
        assert_one_error_line "$bad"
    done
    for bad in abc 70000 0 80/sctp 80/bogus 9-7; do
        run --separate-stderr skiff create --expose "$bad" busybox true
        assert_status 125
        assert_one_error_line "$bad"
    done
    run --separate-stderr skiff run -d -p 8080:80 -p 8080:81 busybox true
    assert_status 125
    assert_one_error_line "published twice"
    run skiff ps -aq
    assert_output ""
}

@test "--network host and none discard published ports with podman's warning" {
    local net
    for net in host none; do
        run --separate-stderr skiff run --network "$net" -p 8400:80 --name "disc-$net" busybox true
        assert_status 0
        [[ $stderr == *"Port mappings have been discarded"* ]] || fail "stderr: [$stderr]"
        run skiff inspect "disc-$net" --format '{{json .HostConfig.PortBindings}}'
        assert_output "{}"
    done
}

@test "the discarded ports' warning is podman's plain line on stderr, before the container's output" {
    run skiff run --rm --network host -p 8401 busybox echo ran
    assert_status 0
    assert_output "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use
ran"
}

@test "port: conflicting options and missing containers" {
    run skiff port
    assert_status 125
    run --separate-stderr skiff port -a -l
    assert_status 125
    assert_one_error_line "cannot be used together"
    run skiff port -a somename
    assert_status 125
    run --separate-stderr skiff port no-such-container
    assert_status 125
    assert_one_error_line "no-such-container"
    run skiff container port --help
    assert_status 0
}
