#!/usr/bin/env bats
# update: new limits reach a running container's cgroup files at once and are stored for its next
# start; a stopped container gets only the stored change; bad values change nothing.

load busybox_containers

state_json() { cat "$SKIFF_TEST_RUNROOT/containers/$1/state.json"; }

# A cgroup file of the container: the v1 hierarchy holding CONTROLLER when there is one, else its
# cgroup2 directory with the cgroup2 file name.
cg_file() {
    local id=$1 controller=$2 v1_file=$3 v2_file=$4 dir
    dir=$(state_json "$id" | jq -r --arg c "$controller" '.cgroups | to_entries[] | select(.key | split(",") | index($c)) | .value' | head -1)
    if [[ -n $dir ]]; then
        cat "$dir/$v1_file"
    else
        dir=$(state_json "$id" | jq -r '.cgroups[""]')
        cat "$dir/$v2_file"
    fi
}

memory_limit() { cg_file "$1" memory memory.limit_in_bytes memory.max; }
pids_max() { cg_file "$1" pids pids.max pids.max; }

@test "update a running container: memory and pids limits change in its cgroup and stay for its next start" {
    local id
    id=$(skiff run -d --name upd --memory 64m --pids-limit 50 busybox sleep 1000)
    [[ $(memory_limit "$id") == 67108864 ]] || fail "memory before: $(memory_limit "$id")"
    [[ $(pids_max "$id") == 50 ]] || fail "pids before: $(pids_max "$id")"

    run --separate-stderr skiff update --memory 128m --pids-limit 80 upd
    assert_status 0
    assert_output "upd"
    [[ $(memory_limit "$id") == 134217728 ]] || fail "memory after: $(memory_limit "$id")"
    [[ $(pids_max "$id") == 80 ]] || fail "pids after: $(pids_max "$id")"
    run skiff inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' upd
    assert_output "134217728 80"

    # sleep as pid 1 ignores SIGTERM: restart warns on stderr, as podman, before its SIGKILL.
    run --separate-stderr skiff restart -t 1 upd
    assert_status 0
    assert_output "upd"
    [[ $(memory_limit "$id") == 134217728 ]] || fail "memory after restart: $(memory_limit "$id")"
    [[ $(pids_max "$id") == 80 ]] || fail "pids after restart: $(pids_max "$id")"

    run skiff update --pids-limit -1 upd
    assert_status 0
    [[ $(pids_max "$id") == max ]] || fail "pids unlimited: $(pids_max "$id")"
}

@test "update --cpus and --cpu-shares write the cpu controller's files" {
    local id
    id=$(skiff run -d --name cpuer busybox sleep 1000)
    run skiff update --cpus 0.5 --cpu-shares 512 cpuer
    assert_status 0
    local quota shares
    quota=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
    shares=$(cg_file "$id" cpu cpu.shares cpu.weight)
    [[ $quota == 50000 || $quota == "50000 100000" ]] || fail "quota: $quota"
    [[ $shares == 512 || $shares == 20 ]] || fail "shares: $shares"
    run skiff inspect --format '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}' cpuer
    assert_output "500000000 512"
    run skiff update --cpus 0 cpuer
    assert_status 0
    quota=$(cg_file "$id" cpu cpu.cfs_quota_us cpu.max)
    [[ $quota == -1 || $quota == "max 100000" ]] || fail "no quota: $quota"
}

@test "update a container that does not run: only stored, and its start uses it" {
    local id
    id=$(skiff create --name later --pids-limit 20 busybox sleep 1000)
    run skiff update --pids-limit 33 --memory 96m later
    assert_status 0
    assert_output "later"
    run skiff inspect --format '{{.State.Status}} {{.HostConfig.PidsLimit}} {{.HostConfig.Memory}}' later
    assert_output "created 33 100663296"
    skiff start later >/dev/null
    [[ $(pids_max "$id") == 33 ]] || fail "pids at start: $(pids_max "$id")"
    [[ $(memory_limit "$id") == 100663296 ]] || fail "memory at start: $(memory_limit "$id")"
}

@test "update errors: no flag, bad values, --memory-swap below --memory, no such container; nothing changes" {
    local id
    id=$(skiff run -d --name keep --memory 64m --pids-limit 50 busybox sleep 1000)
    skiff run -d --rm --name gone-later busybox sleep 1000 >/dev/null
    # Each case: the words after `update`, then what its one error line must name.
    local -a cases=(
        "keep => at least one flag"
        "--memory lots keep => lots"
        "--memory-swap 32m keep => --memory-swap"
        "--cpus=-2 keep => --cpus"
        "--pids-limit 5 no-such-box => no-such-box"
        "--restart sometimes keep => sometimes"
        "--pids-limit 5 keep other => exactly 1"
        "--restart always gone-later => --rm"
    )
    local case words
    for case in "${cases[@]}"; do
        read -ra words <<<"${case%% => *}"
        run --separate-stderr skiff update "${words[@]}"
        { assert_status 125 && assert_one_error_line "${case#* => }"; } || fail "in: skiff update ${words[*]}"
    done
    [[ $(memory_limit "$id") == 67108864 ]] || fail "memory changed: $(memory_limit "$id")"
    [[ $(pids_max "$id") == 50 ]] || fail "pids changed: $(pids_max "$id")"
    run skiff inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' keep
    assert_output "67108864 50"
}

@test "update a cgroup refuses: nothing is stored" {
    local id
    id=$(skiff run -d --name refuser busybox sleep 1000)
    # CPU 99 does not exist on this machine: the kernel refuses the cpuset.
    run --separate-stderr skiff update --cpuset-cpus 99 refuser
    assert_status 125
    assert_one_error_line "cpuset.cpus"
    run skiff inspect --format '[{{.HostConfig.CpusetCpus}}]' refuser
    assert_output "[]"
    run skiff update --cpuset-cpus 0 refuser
    assert_status 0
    [[ $(cg_file "$id" cpuset cpuset.cpus cpuset.cpus) == 0 ]] || fail "cpuset: $(cg_file "$id" cpuset cpuset.cpus cpuset.cpus)"
}

@test "update --restart: the new policy restarts the container after its next exit" {
    skiff run -d --name flaky busybox sh -c 'sleep 1; exit 1' >/dev/null
    run skiff update --restart on-failure:2 flaky
    assert_status 0
    run skiff inspect --format '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' flaky
    assert_output "on-failure 2"
    local i count=0
    for i in $(seq 100); do
        count=$(skiff inspect --format '{{.RestartCount}}' flaky)
        [[ $count -ge 1 ]] && break
        sleep 0.1
    done
    [[ $count -ge 1 ]] || fail "not restarted: RestartCount $count"
}
