#!/usr/bin/env bats
# A container's metadata from the command line: --annotation (inspect's .Config.Annotations, beside
# podman's own) and --label-file (podman's parsing: comments, blanks, KEY=VALUE, PREFIX*, errors).

load busybox_containers

@test "--annotation: shown in .Config.Annotations with podman's own; the last of a key wins" {
    skiff create --name ann --annotation a=b --annotation 'k=v=w' --annotation x=1,x=2 --annotation a=c busybox true
    run skiff inspect --format '{{index .Config.Annotations "a"}} {{index .Config.Annotations "k"}} {{index .Config.Annotations "x"}}' ann
    assert_status 0
    assert_output "c v=w 2"
    run skiff inspect --format '{{index .Config.Annotations "io.kubernetes.cri-o.TTY"}} {{index .Config.Annotations "io.podman.annotations.autoremove"}} {{index .Config.Annotations "io.podman.annotations.privileged"}}' ann
    assert_output "false FALSE FALSE"
    skiff create --name ann2 -t --rm --privileged busybox true
    run skiff inspect --format '{{index .Config.Annotations "io.kubernetes.cri-o.TTY"}} {{index .Config.Annotations "io.podman.annotations.autoremove"}} {{index .Config.Annotations "io.podman.annotations.privileged"}}' ann2
    assert_output "true TRUE TRUE"
}

@test "--annotation without = is podman's error" {
    run --separate-stderr skiff create --annotation novalue busybox true
    assert_status 125
    assert_one_error_line "annotations must be formatted KEY=VALUE"
}

@test "--label-file: comments and blank lines skipped, PREFIX* from the environment, --label wins" {
    local f=$BATS_TEST_TMPDIR/labels
    printf '%s\n' '# a comment' '' '   indented=yes' 'plain=1' 'bare' 'with=an=equals' 'over=file' 'SKIFFTESTLBL*' >"$f"
    SKIFFTESTLBL_ONE=uno skiff create --name lf --label-file "$f" --label over=flag busybox true
    run skiff inspect --format '{{.Config.Labels.indented}} {{.Config.Labels.plain}} {{.Config.Labels.with}} {{.Config.Labels.over}} {{.Config.Labels.SKIFFTESTLBL_ONE}}' lf
    assert_status 0
    assert_output "yes 1 an=equals flag uno"
    run skiff inspect --format '{{len .Config.Labels}}' lf
    assert_output "5"
}

@test "--label-file errors: a missing file, a key with blanks, a line starting with =" {
    run --separate-stderr skiff create --label-file "$BATS_TEST_TMPDIR/nonexistent" busybox true
    assert_status 125
    assert_one_error_line "unable to process labels: open $BATS_TEST_TMPDIR/nonexistent: no such file or directory"
    printf 'a b=c\n' >"$BATS_TEST_TMPDIR/blank"
    run --separate-stderr skiff create --label-file "$BATS_TEST_TMPDIR/blank" busybox true
    assert_status 125
    assert_one_error_line 'unable to process labels: name "a b" has white spaces, poorly formatted name'
    printf '=c\n' >"$BATS_TEST_TMPDIR/noname"
    run --separate-stderr skiff create --label-file "$BATS_TEST_TMPDIR/noname" busybox true
    assert_status 125
    assert_one_error_line 'unable to process labels: invalid environment variable: "=c"'
    run skiff ps -a -q
    assert_output ""
}
