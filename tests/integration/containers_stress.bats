#!/usr/bin/env bats
# Many skiff processes at once, and skiff processes and monitors killed with SIGKILL at random points:
# the store stays one that every later command understands.

load busybox_containers

# One step of a loop: the skiff command, its output kept in the loop's log; a failure says which.
step() {
    timeout -k 5 60 "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" "$@" || {
        echo "skiff $* failed: $?"
        return 1
    }
}

# Host cgroup directories left for any of the container ids given on stdin.
cgroups_left() {
    local dirs
    dirs=$(find /sys/fs/cgroup -maxdepth 6 -type d -name 'skiff-*' 2>/dev/null)
    [[ -n $dirs ]] || return 0
    grep -F -f <(sed 's/^/skiff-/') <<<"$dirs" || true
}

@test "50 loops at once: run -d, exec, ps, inspect, stop, rm; one name claimed by all of them" {
    skiff run -d --name shared busybox sleep 1000 >/dev/null
    local i pids=() dir=$SKIFF_TEST_DIR/loops-$BATS_TEST_NUMBER
    mkdir -p "$dir"
    for i in $(seq 50); do
        (
            step run -d --name "loop$i" busybox sleep 1000 >/dev/null || exit 1
            [[ $(step exec "loop$i" echo "in $i") == "in $i" ]] || { echo "exec loop$i"; exit 1; }
            [[ $(step exec shared echo shared) == shared ]] || { echo "exec shared"; exit 1; }
            step ps -a --format json | jq -e 'length >= 2' >/dev/null || { echo "ps json"; exit 1; }
            [[ $(step inspect --format '{{.State.Status}}' shared) == running ]] || { echo "inspect shared"; exit 1; }
            if step run -d --name claimed busybox sleep 1000 >"$dir/claim-$i.out" 2>"$dir/claim-$i.err"; then
                touch "$dir/won-$i"
            else
                grep -q "already in use" "$dir/claim-$i.err" || { echo "claim: $(cat "$dir/claim-$i.err")"; exit 1; }
            fi
            step stop -t 0 "loop$i" >/dev/null || exit 1
            step rm "loop$i" >/dev/null || exit 1
        ) >"$dir/loop-$i.log" 2>&1 &
        pids+=($!)
    done
    local failed=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { failed=1; cat "$dir/loop-$((i + 1)).log" >&2; }
    done
    [[ $failed -eq 0 ]] || fail "a loop failed"
    [[ $(find "$dir" -name 'won-*' | wc -l) == 1 ]] || fail "the name was claimed $(find "$dir" -name 'won-*' | wc -l) times"
    run skiff ps -a --format '{{.Names}} {{.Status}}'
    assert_status 0
    [[ $(sort <<<"$output" | cut -d' ' -f1 | tr '\n' ' ') == "claimed shared " ]] || fail "ps -a: $output"
    [[ $output == *"claimed Up"* && $output == *"shared Up"* ]] || fail "states: $output"
    # Every record left is whole JSON.
    local f
    for f in "$SKIFF_TEST_RUNROOT"/containers/*/state.json; do
        jq empty "$f" || fail "corrupt $f"
    done
}

# What a container's record and its monitor were doing, for a failure's message.
monitor_report() {
    local dir=$SKIFF_TEST_RUNROOT/containers/$1 pid
    echo "state: $(cat "$dir/state.json" 2>&1)"
    pid=$(jq -r '.monitor_pid // 0' "$dir/state.json" 2>/dev/null)
    if [[ $pid -gt 0 && -d /proc/$pid ]]; then
        echo "monitor $pid: $(tr '\0' ' ' </proc/$pid/cmdline) state $(awk '/^State/ {print $2}' /proc/$pid/status)" \
            "wchan $(cat /proc/$pid/wchan) stack: $(tr '\n' ';' </proc/$pid/stack 2>/dev/null)"
        echo "children: $(cat /proc/$pid/task/*/children 2>/dev/null)"
        ls -l /proc/$pid/fd 2>/dev/null | tail -n +2 | awk '{print $9, $11}' | tr '\n' ';'
    fi
}

# Seed $RANDOM for a random-kill test and set the caller's $seed: SKIFF_KILL_SEED replays a run's
# choices and delays. The seed goes to bats' output as the test starts and to the test's own output,
# which bats prints when it fails.
seed_random() {
    seed=${SKIFF_KILL_SEED:-$((RANDOM * 32768 + RANDOM))}
    echo "# seed=$seed (SKIFF_KILL_SEED=$seed replays this run)" >&3
    echo "seed=$seed (SKIFF_KILL_SEED=$seed replays this run)"
    RANDOM=$seed
}

# Set the caller's $victim to a line of $1 (one item a line) chosen with $RANDOM, or to nothing.
# $RANDOM is never read inside $(…): a subshell reseeds it, and the run could not be replayed.
pick_victim() {
    local -a items
    mapfile -t items < <(grep . <<<"$1")
    victim=
    ((${#items[@]} == 0)) || victim=${items[RANDOM % ${#items[@]}]}
}

@test "kill -9 of skiff at random points of run, create, start, stop, rm and of monitors: the store stays usable" {
    local seed
    seed_random
    local before=$SKIFF_TEST_DIR/mounts-$BATS_TEST_NUMBER mark=$((700000 + RANDOM)) i pid victim delay
    local seen=$SKIFF_TEST_DIR/seen-$BATS_TEST_NUMBER
    mountinfo_snapshot >"$before"
    local -a args cmd
    mapfile -t args < <(skiff_args)
    for i in $(seq "${SKIFF_KILL_LOOPS:-30}"); do
        pick_victim "$(skiff ps -a -q)"
        # A simple command in the background: $! is skiff itself, not a subshell whose kill would
        # leave skiff running on while the checks below look.
        case $((i % 6)) in
        0) cmd=(run -d --name "k$i" busybox sleep $mark) ;;
        1) cmd=(run --rm --name "k$i" busybox sleep $mark) ;;
        2) cmd=(create --name "k$i" busybox sleep $mark) ;;
        3) cmd=(start "$victim") ;;
        4) cmd=(stop -t 1 "$victim") ;;
        5) cmd=(rm -f "$victim") ;;
        esac
        if ((i % 6 < 3)) || [[ -n $victim ]]; then
            "$SKIFF" "${args[@]}" "${cmd[@]}" >/dev/null 2>&1 &
            pid=$!
            delay=$((RANDOM % 300))
            sleep "$(printf '0.%03d' "$delay")"
            kill -9 "$pid" 2>/dev/null || true
            wait "$pid" || true
        fi
        skiff ps -a -q --no-trunc >>"$seen"
        if ((i % 7 == 0)); then
            # A monitor too: the one of a running container, chosen at random.
            pick_victim "$(skiff ps -q)"
            if [[ -n $victim ]]; then
                pid=$(skiff inspect --format '{{.State.ConmonPid}}' "$victim")
                [[ $pid -gt 0 ]] && kill -9 "$pid" 2>/dev/null || true
            fi
        fi
    done
    # Every command understands what was left.
    run skiff ps -a --format '{{.ID}} {{.Status}}'
    assert_status 0
    local ids
    ids=$(skiff ps -a -q --no-trunc)
    local id
    for id in $ids; do
        run skiff inspect --format '{{.State.Status}} {{.State.Pid}}' "$id"
        assert_status 0
        if [[ $output == running* ]]; then
            process_runs "${output#running }" || fail "$id shows running but its process ${output#running } is gone: $(monitor_report "$id")"
        fi
    done
    run skiff rm -a -f
    assert_status 0
    run skiff ps -a -q
    assert_output ""
    # No container process, mount or cgroup is left.
    for i in $(seq 50); do
        pgrep -fx "sleep $mark" >/dev/null || break
        sleep 0.1
    done
    ! pgrep -fx "sleep $mark" >/dev/null || fail "container processes left: $(pgrep -fx "sleep $mark" | tr '\n' ' ')"
    assert_mounts_unchanged "$before"
    # Every container the loop saw, also those removed while it ran.
    [[ -s $seen ]] || fail "no container was ever made: the loop tests nothing"
    [[ -z $(sort -u "$seen" | cgroups_left) ]] || fail "cgroups left: $(sort -u "$seen" | cgroups_left)"
}

# Who has the lock of the container that holds name $1, and what is left of that container.
name_report() {
    local id f
    id=$(readlink "$SKIFF_TEST_ROOT/containers/names/$1") || return 0
    echo "owner $id: $(ls -d "$SKIFF_TEST_ROOT/containers/"*"$id" "$SKIFF_TEST_RUNROOT/containers/"*"$id" 2>&1 | tr '\n' ' ')"
    echo "config: $(jq -c '{name}' "$SKIFF_TEST_ROOT/containers/$id/config.json" 2>&1)"
    echo "state: $(cat "$SKIFF_TEST_RUNROOT/containers/$id/state.json" 2>&1)"
    echo "names: $(ls -l "$SKIFF_TEST_ROOT/containers/names" | awk '{print $9, $11}' | tr '\n' ' ')"
    for f in /proc/[0-9]*/fd/*; do
        [[ $(readlink "$f" 2>/dev/null) == *"container-$id"* ]] || continue
        f=${f#/proc/}
        echo "lock held by ${f%%/*}: $(tr '\0' ' ' <"/proc/${f%%/*}/cmdline" 2>/dev/null)"
    done
}

# Leftovers of killed commands in the containers directories: temporary files, staging and trash
# directories, run-time directories without their container.
store_leftovers() {
    local d
    find "$SKIFF_TEST_ROOT/containers" "$SKIFF_TEST_RUNROOT/containers" -mindepth 1 \
        \( -name '*.tmp-*' -o -name '.creating-*' -o -name '.removing-*' -o -path '*/.tmp/*' \) -print 2>/dev/null
    for d in "$SKIFF_TEST_RUNROOT"/containers/*; do
        [[ $(basename "$d") =~ ^[0-9a-f]{64}$ && ! -d $SKIFF_TEST_ROOT/containers/$(basename "$d") ]] && echo "$d"
    done
    return 0
}

@test "kill -9 of run -d, rm -f, create, start, stop and rename at random moments: every name usable after one more command" {
    local seed
    seed_random
    local mark=$((800000 + RANDOM % 100000)) i n pid delay before=$SKIFF_TEST_DIR/mounts-$BATS_TEST_NUMBER
    local seen=$SKIFF_TEST_DIR/seen-$BATS_TEST_NUMBER
    mountinfo_snapshot >"$before"
    local -a args cmd
    mapfile -t args < <(skiff_args)
    for i in $(seq "${SKIFF_KILL_LOOPS:-30}"); do
        n=kr$((RANDOM % 4))
        case $((RANDOM % 8)) in
        0 | 1) cmd=(run -d --name "$n" busybox sleep $mark) ;;
        2 | 3) cmd=(rm -f "$n") ;;
        4) cmd=(create --name "$n" busybox sleep $mark) ;;
        5) cmd=(start "$n") ;;
        6) cmd=(stop -t 1 "$n") ;;
        7) cmd=(rename "$n" "kr$((RANDOM % 4))") ;;
        esac
        "$SKIFF" "${args[@]}" "${cmd[@]}" >/dev/null 2>&1 &
        pid=$!
        delay=$((RANDOM % 200))
        sleep "$(printf '0.%03d' "$delay")"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" || true
        ls "$SKIFF_TEST_RUNROOT/containers" >>"$seen" 2>/dev/null || true
    done
    # One more command sweeps what the killed ones left in the directories it lists.
    run skiff ps -a
    assert_status 0
    [[ -z $(store_leftovers) ]] || fail "left after ps -a: $(store_leftovers)"
    # Every name is either a container's (rm -f removes it) or free (no such container): usable.
    # (Not $i: bats's run sets a global i.)
    for n in kr0 kr1 kr2 kr3; do
        run --separate-stderr skiff rm -f "$n"
        [[ $status == 0 || $status == 1 ]] || fail "rm -f $n: $status $stderr"
        run --separate-stderr skiff run -d --name "$n" busybox sleep $mark
        [[ $status == 0 ]] || fail "$n is not usable again: $stderr (seed $seed) $(name_report "$n")"
    done
    run skiff rm -a -f
    assert_status 0
    run skiff ps -a -q
    assert_output ""
    [[ -z $(store_leftovers) ]] || fail "left after rm -a: $(store_leftovers)"
    for i in $(seq 50); do
        pgrep -fx "sleep $mark" >/dev/null || pgrep -f -- "__monitor [0-9a-f]* $SKIFF_TEST_ROOT " >/dev/null || break
        sleep 0.1
    done
    ! pgrep -fx "sleep $mark" >/dev/null || fail "container processes left: $(pgrep -fx "sleep $mark" | tr '\n' ' ')"
    ! pgrep -f -- "__monitor [0-9a-f]* $SKIFF_TEST_ROOT " >/dev/null || fail "monitors left"
    assert_mounts_unchanged "$before"
    [[ -z $(sort -u "$seen" | cgroups_left) ]] || fail "cgroups left: $(sort -u "$seen" | cgroups_left)"
}
