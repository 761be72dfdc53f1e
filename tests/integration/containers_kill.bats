#!/usr/bin/env bats
# skiff kill -s: a signal as podman reads it (a number, a name with or without SIG, either with one
# leading dash), and podman's words for a signal that is none.

load busybox_containers

# Wait until the container's log has `n` lines.
wait_log_lines() {
    local name=$1 n=$2 i
    for i in $(seq 100); do
        [[ $(skiff logs "$name" 2>/dev/null | grep -c '') -ge $n ]] && return 0
        sleep 0.1
    done
    fail "log of $name: $(skiff logs "$name" 2>&1)"
}

@test "kill -s takes a number or a name, with one leading dash, as podman does" {
    skiff run -d --name traps busybox sh -c \
        'for s in 1 2 10 12; do trap "echo got: $s" $s; done; echo READY; while :; do sleep 0.1; done' >/dev/null
    wait_log_lines traps 1
    local n=1 sig want
    for sig in -1:1 -INT:2 -SIGUSR1:10 SIGUSR2:12 12:12; do
        want=${sig##*:}
        run skiff kill -s "${sig%%:*}" traps
        assert_status 0
        n=$((n + 1))
        wait_log_lines traps "$n"
        run skiff logs traps
        [[ ${lines[-1]} == "got: $want" ]] || fail "kill -s ${sig%%:*}: last log line [${lines[-1]}]"
    done
    skiff rm -f -t 0 traps >/dev/null
}

@test "kill -s refuses what is no signal, in podman's words, before looking for the container" {
    local s
    for s in 0 -0 SIGBADSIG -SIG BADSIG - %%; do
        run --separate-stderr skiff kill -s "$s" nosuchcontainer
        assert_status 125
        # (an empty name leaves the line ending in "signal:", as skiff's errors end without a space)
        [[ ${stderr%% } == "$(echo "Error: invalid signal: ${s#-}" | sed 's/ *$//')" ]] || fail "kill -s $s: [$stderr]"
    done
    for s in 65 -65 96 99999999; do
        run --separate-stderr skiff kill -s "$s" nosuchcontainer
        assert_status 125
        [[ $stderr == "Error: valid signals are 1 through 64" ]] || fail "kill -s $s: [$stderr]"
    done
}
