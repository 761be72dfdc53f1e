# Helpers for the tests that a container never holds its caller's stdio (run_stdio.bats,
# containers_exec.bats). Load after helpers.

# A static program (no libc in busybox's image) that pushes $1 into the input of whatever terminal
# its fds 0, 1 and 2 and /dev/tty are, and says how each attempt went. In $SKIFF_TEST_DIR/bin.
build_sti() {
    command -v gcc >/dev/null || skip "gcc is not installed"
    mkdir -p "$SKIFF_TEST_DIR/bin"
    [[ -x $SKIFF_TEST_DIR/bin/sti ]] && return 0
    cat >"$SKIFF_TEST_DIR/sti.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void inject(int fd, const char *name, const char *text) {
    for (const char *c = text; *c; c++) {
        if (ioctl(fd, TIOCSTI, c) < 0) {
            dprintf(2, "sti %s: %s\n", name, strerror(errno));
            return;
        }
    }
    dprintf(2, "sti %s: pushed\n", name);
}

int main(int argc, char **argv) {
    const char *text = argc > 1 ? argv[1] : "echo INJECTED\n";
    inject(0, "fd0", text);
    inject(1, "fd1", text);
    inject(2, "fd2", text);
    int tty = open("/dev/tty", O_RDWR);
    if (tty < 0) dprintf(2, "sti /dev/tty: %s\n", strerror(errno));
    else inject(tty, "/dev/tty", text);
    return 0;
}
C
    gcc -static -O1 -o "$SKIFF_TEST_DIR/bin/sti" "$SKIFF_TEST_DIR/sti.c"
}

# Under `script` (a terminal of its own, as a user's shell has), run the skiff COMMAND... in bash,
# then let that bash read one line from the terminal: a line the container pushed into it with
# TIOCSTI would be read (and, at an interactive prompt, run).
run_then_read_terminal() {
    local s=$SKIFF_TEST_DIR/sti.sh
    rm -f "$SKIFF_TEST_DIR/PWNED"
    {
        printf '%q ' "$SKIFF" $(skiff_args) "$@"
        printf '\necho "skiff-exit=$?"\n'
        # As a shell at its prompt would: run the line.
        printf 'if read -r -t 2 line; then echo "injected=[$line]"; eval "$line"; else echo nothing-injected; fi\n'
    } >"$s"
    : >"$SKIFF_TEST_DIR/typescript"
    # script's own stdin must stay open: at its end script would drop what is queued on the terminal.
    run timeout -k 5 90 script -qefc "bash $s" "$SKIFF_TEST_DIR/typescript" < <(
        exec 3>&-
        sleep 20
    )
}
