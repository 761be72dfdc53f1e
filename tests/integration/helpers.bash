# Common set-up for skiff's integration tests. Each bats file starts with `load helpers`.
#
# Every file gets its own temporary directory with a private --root and --runroot, so files never see
# each other's images or containers and the host's default store is never touched. `skiff` (the
# function) passes them; `$SKIFF` is the binary itself (override with SKIFF=/path/to/skiff).
# Teardown removes containers a test left, unmounts whatever a bug left mounted under the temporary
# directory (and fails the file if it had to), then deletes it.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
if [[ -z ${SKIFF:-} ]]; then
    SKIFF=$REPO/build/skiff
    # meson puts the executable beside its meson.build until the top level links it as build/skiff.
    [[ -x $SKIFF || ! -x $REPO/build/src/cli/skiff ]] || SKIFF=$REPO/build/src/cli/skiff
fi
export SKIFF

# Seconds any single skiff invocation may take before the test fails instead of hanging the suite.
SKIFF_TEST_TIMEOUT=${SKIFF_TEST_TIMEOUT:-60}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

# The busybox rootfs tarball is built once per bats run and shared by every file of that run.
BUSYBOX_TAR=${BUSYBOX_TAR:-$BATS_RUN_TMPDIR/busybox-rootfs.tar}

# ---------------------------------------------------------------------------------------------------
# set-up and teardown

# Files that define their own setup_file/teardown_file call these from them.
skiff_setup_file() {
    [[ -x $SKIFF ]] || {
        echo "# $SKIFF is not built" >&3
        return 1
    }
    SKIFF_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/skiff-test.XXXXXX")
    export SKIFF_TEST_DIR
    export SKIFF_TEST_ROOT=$SKIFF_TEST_DIR/root
    export SKIFF_TEST_RUNROOT=$SKIFF_TEST_DIR/runroot
    mkdir -p "$SKIFF_TEST_ROOT" "$SKIFF_TEST_RUNROOT"
}

skiff_teardown_file() {
    [[ -n ${SKIFF_TEST_DIR:-} && -d $SKIFF_TEST_DIR ]] || return 0
    remove_all_containers
    local leaked
    leaked=$(mounts_under "$SKIFF_TEST_DIR")
    if [[ -n $leaked ]]; then
        # Deepest first, lazily: a leaked mount must never let rm -rf reach into what it covers.
        sort -r <<<"$leaked" | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    fi
    if [[ -n $(mounts_under "$SKIFF_TEST_DIR") ]]; then
        echo "# mounts still under $SKIFF_TEST_DIR: not removing it" >&3
        return 1
    fi
    [[ -n ${SKIFF_TEST_KEEP:-} ]] || rm -rf --one-file-system "$SKIFF_TEST_DIR"
    if [[ -n $leaked ]]; then
        echo "# skiff left mounts behind:" >&3
        sed 's/^/#   /' <<<"$leaked" >&3
        return 1
    fi
}

# Per test: remove what the test left so the next one starts from an empty container list.
skiff_teardown() {
    remove_all_containers
}

setup_file() { skiff_setup_file; }
teardown_file() { skiff_teardown_file; }
teardown() { skiff_teardown; }

remove_all_containers() {
    [[ -n ${SKIFF_TEST_ROOT:-} && -x $SKIFF ]] || return 0
    timeout -k 5 "$SKIFF_TEST_TIMEOUT" "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" \
        rm -a -f >/dev/null 2>&1 || true
    [[ -d $SKIFF_TEST_DIR/vfs-root ]] || return 0
    timeout -k 5 "$SKIFF_TEST_TIMEOUT" "$SKIFF" --storage-driver vfs --root "$SKIFF_TEST_DIR/vfs-root" \
        --runroot "$SKIFF_TEST_DIR/vfs-runroot" rm -a -f >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------------
# running skiff

# The binary with this file's private store. The timeout keeps a hung container from hanging the suite;
# --foreground keeps skiff in the caller's process group (a pty test needs its terminal).
skiff() {
    timeout --foreground -k 5 "$SKIFF_TEST_TIMEOUT" \
        "$SKIFF" --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT" "$@"
}

# The same with --storage-driver vfs and a store of its own: a store keeps the driver it was made with.
skiff_vfs() {
    timeout --foreground -k 5 "$SKIFF_TEST_TIMEOUT" "$SKIFF" --storage-driver vfs \
        --root "$SKIFF_TEST_DIR/vfs-root" --runroot "$SKIFF_TEST_DIR/vfs-runroot" "$@"
}

# The arguments `skiff` adds, for tests that must start the binary themselves (to know its pid).
skiff_args() {
    printf '%s\n' --root "$SKIFF_TEST_ROOT" --runroot "$SKIFF_TEST_RUNROOT"
}

# Build the busybox rootfs tarball of this run if it is not there yet.
busybox_tarball() {
    if [[ ! -s $BUSYBOX_TAR ]]; then
        "$REPO/tools/mkrootfs-busybox" "$BUSYBOX_TAR" || return 1
    fi
    echo "$BUSYBOX_TAR"
}

# Import the busybox rootfs into this file's store as NAME (default: busybox).
import_busybox() {
    local name=${1:-busybox} tar
    tar=$(busybox_tarball) || return 1
    skiff import "$tar" "$name" >/dev/null || {
        echo "# skiff import $tar $name failed" >&3
        return 1
    }
}

# ---------------------------------------------------------------------------------------------------
# assertions: each prints what it saw when it fails

fail() {
    printf '# %s\n' "$@" >&2
    return 1
}

assert_status() {
    local want=$1
    [[ $status -eq $want ]] && return 0
    fail "exit status: want $want, got $status" "output:" "${output:-}" "${stderr:-}"
}

assert_output() {
    local want=$1
    [[ $output == "$want" ]] && return 0
    fail "output: want [$want]" "got [$output]"
}

assert_output_contains() {
    local want=$1
    [[ $output == *"$want"* ]] && return 0
    fail "output should contain [$want]" "got [$output]"
}

refute_output_contains() {
    local unwanted=$1
    [[ $output != *"$unwanted"* ]] && return 0
    fail "output should not contain [$unwanted]" "got [$output]"
}

# After `run --separate-stderr`: stderr is exactly one line `Error: …` that contains every argument.
assert_one_error_line() {
    local n
    n=$(grep -c '' <<<"$stderr")
    [[ $n -eq 1 && $stderr == "Error: "* ]] || fail "stderr: want one line 'Error: …', got [$stderr]" || return 1
    local word
    for word in "$@"; do
        [[ $stderr == *"$word"* ]] || fail "stderr should name [$word]: [$stderr]" || return 1
    done
}

# Copy image SRC (skopeo's TRANSPORT:REFERENCE) into a new OCI layout with skopeo, which checks every
# blob it reads against the digest the manifest (or, for a docker-archive, the config's diff id) gives:
# a corrupt or truncated layer fails. `skopeo inspect` reads only the manifest and config and cannot.
# Further arguments go to skopeo copy (e.g. --src-cert-dir DIR).
skopeo_verify() {
    local src=$1 dst
    shift
    dst=$(mktemp -d "$SKIFF_TEST_DIR/skopeo-verify.XXXXXX") || return 1
    if ! skopeo copy -q "$@" "$src" "oci:$dst:verified" >"$dst.log" 2>&1; then
        fail "skopeo copy $src:" "$(cat "$dst.log")"
        rm -rf "$dst" "$dst.log"
        return 1
    fi
    rm -rf "$dst" "$dst.log"
}

# ---------------------------------------------------------------------------------------------------
# mounts

# The host's mount table as "mountpoint fstype source" lines, sorted: ids and peer groups change
# with every mount anywhere on the machine, these three don't.
mountinfo_snapshot() {
    awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort
}

# Mount points under DIR in the host's mount table, one a line.
mounts_under() {
    local dir=$1
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# Compare the mount table with a snapshot taken earlier. Other test runs share this machine and mount
# things of their own, so only differences that concern this file's temporary directory count: every
# path skiff was given lives there, so every mount a container could leak into the host is there too.
assert_mounts_unchanged() {
    local before=$1 diff
    diff=$(diff <(cat "$before") <(mountinfo_snapshot) | grep '^[<>]' | grep -F -e "$SKIFF_TEST_DIR" || true)
    [[ -z $diff ]] && return 0
    fail "the host's mount table changed:" "$diff"
}

# ---------------------------------------------------------------------------------------------------
# processes

# Whether PID names a process that has not exited. kill -0 cannot tell: it succeeds on a zombie, and
# an orphan stays one for good where init does not reap (this machine's init does not).
process_runs() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    [[ ${stat##*) } != [ZX]* ]]
}

# The host pid of the init of a container started by skiff process PID: pid 1 in a pid namespace of its
# own, a descendant of PID, or (should skiff hand its container to another parent) a process whose
# command line is exactly CMD… — give the container a command no other process has. Waits up to 10 s.
container_init_pid() {
    local parent=$1 i p
    shift
    local want=""
    (($# > 0)) && want=$(printf '%s\n' "$@")
    for ((i = 0; i < 100; i++)); do
        for p in $(descendants "$parent"); do
            # Until it has executed the command, the init is a clone of skiff still setting up.
            [[ -z $want || $(tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline") == "$want" ]] || continue
            is_namespace_init "$p" && echo "$p" && return 0
        done
        if [[ -n $want ]]; then
            for p in /proc/[0-9]*; do
                p=${p#/proc/}
                [[ $(tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline") == "$want" ]] || continue
                is_namespace_init "$p" && echo "$p" && return 0
            done
        fi
        sleep 0.1
    done
    return 1
}

is_namespace_init() {
    awk '$1 == "NSpid:" && NF >= 3 && $NF == 1 { found = 1 } END { exit !found }' "/proc/$1/status" 2>/dev/null
}

descendants() {
    local p c
    for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        echo "$p"
        descendants "$p"
    done
}

# Wait (up to 10 s) until FILE contains TEXT.
wait_for_text() {
    local file=$1 text=$2 i
    for ((i = 0; i < 100; i++)); do
        grep -qF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no [$text] in $file after 10 s:" "$(cat "$file" 2>/dev/null)"
}

# A capability mask from a /proc/PID/status line of the container, e.g. `cap_line CapEff`.
status_field() {
    local field=$1
    awk -v f="$field:" '$1 == f { print $2 }' <<<"$output"
}
