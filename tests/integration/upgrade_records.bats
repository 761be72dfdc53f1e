#!/usr/bin/env bats
# An upgrade loses no container: the records an earlier skiff wrote (tests/fixtures/records/*.tar.gz,
# each captured once with tests/fixtures/records/capture from the binary of the commit it is named
# after) are listed, inspected, started, logged and removed by this one. A change of the record's
# format must read (migrate) every archive kept here.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox bb
}

teardown_file() { skiff_teardown_file; }

setup() {
    remove_all_containers
    local v
    for v in $(skiff volume ls -q); do skiff volume rm -f "$v" >/dev/null; done
}

# Puts the records of ARCHIVE into this file's store, with the busybox image this store has.
install_records() {
    local archive=$1 image dir
    image=$(skiff images --no-trunc --format '{{.ID}}' bb) || return 1
    image=${image#sha256:}
    dir=$SKIFF_TEST_DIR/records
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xzf "$archive" -C "$dir"
    grep -rlZ @IMAGE_ID@ "$dir" | xargs -0 -r sed -i "s/@IMAGE_ID@/$image/g"
    cp -a "$dir/root/." "$SKIFF_TEST_ROOT/"
    mkdir -p "$SKIFF_TEST_RUNROOT"
    cp -a "$dir/run/." "$SKIFF_TEST_RUNROOT/"
}

@test "every kept archive of records: ps, inspect, logs, start and rm work on them" {
    local archive n=0
    for archive in "$REPO"/tests/fixtures/records/*.tar.gz; do
        n=$((n + 1))
        echo "# $archive" >&3
        install_records "$archive"

        run skiff ps -a --format '{{.Names}} {{.Status}}'
        assert_status 0
        grep -qx 'created Created' <<<"$output" || fail "ps -a: $output"
        grep -qE '^exited Exited \(3\) .*ago$' <<<"$output" || fail "ps -a: $output"

        run skiff inspect --format '{{.Config.WorkingDir}} {{.Config.StopSignal}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' created
        assert_status 0
        assert_output "/tmp SIGINT 67108864 on-failure:3"
        run skiff inspect --format '{{index .Config.Labels "k"}} {{range .Config.Env}}{{.}} {{end}}' created
        assert_output_contains "v "
        assert_output_contains "A=b"
        run skiff inspect created
        assert_output_contains '"80/tcp": ['
        assert_output_contains '"HostPort": "8080"'
        run skiff inspect --format '{{.State.ExitCode}}' exited
        assert_output "3"

        run skiff logs exited
        assert_status 0
        assert_output "exited-ran"

        run skiff start created
        assert_status 0
        run skiff wait created
        assert_output "0"
        run skiff logs created
        assert_output "created-ran
/anon
/n"

        run skiff rm -v created exited
        assert_status 0
        run skiff ps -a -q
        assert_output ""
        # The anonymous volume went with its container; the named one stays.
        run skiff volume ls -q
        assert_output "named"
        skiff volume rm named >/dev/null
    done
    ((n > 0)) || fail "no archive of records under tests/fixtures/records"
}
