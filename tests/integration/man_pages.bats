#!/usr/bin/env bats
# Every command skiff lists has a man page, and the page agrees with the command's own help:
# the page is built, `skiff help CMD` prints exactly what `skiff CMD --help` prints, every long
# option the help shows is documented in the OPTIONS of the page's scdoc source, and the page
# documents no option the command does not have. No command is skipped: a missing page fails.

load helpers

# meson builds the pages in <build>/man; the binary is <build>/skiff or <build>/src/cli/skiff.
if [[ -z ${SKIFF_MAN_DIR:-} ]]; then
    case $SKIFF in
        */src/cli/skiff) SKIFF_MAN_DIR=${SKIFF%/src/cli/skiff}/man ;;
        *) SKIFF_MAN_DIR=$(dirname "$SKIFF")/man ;;
    esac
fi
MAN_SRC=$REPO/man

# The commands of `skiff --help`, one a line.
commands() {
    "$SKIFF" --help | awk '/^Subcommands:/ { on = 1; next } on && /^$/ { exit } on && NF { sub(/,$/, "", $1); print $1 }'
}

# The long options in a help text on stdin (`-a,--all`, `--network,--net TEXT` …), one a line.
help_long_options() {
    awk '/^ +-/ { n = split($1, f, ","); for (i = 1; i <= n; i++) if (f[i] ~ /^--/) print f[i] }'
}

# The text of the OPTIONS sections of an scdoc source (any "# …OPTIONS" header up to the next one).
options_sections() {
    awk '/^# / { on = ($0 ~ /OPTIONS/); next } on' "$1"
}

# The long options an scdoc page documents: those on the lines that introduce an option (`*--x*`, `*-x*, *--x*`).
page_long_options() {
    options_sections "$1" | grep -E '^\*-' | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

# The page's source for a command: skiff.1.scd for the top level, skiff-CMD.1.scd otherwise.
page_source() {
    if [[ -z $1 ]]; then echo "$MAN_SRC/skiff.1.scd"; else echo "$MAN_SRC/skiff-$1.1.scd"; fi
}

help_of() {
    if [[ -z $1 ]]; then "$SKIFF" --help; else "$SKIFF" "$1" --help; fi
}

@test "skiff --help lists commands, help among them" {
    run commands
    assert_status 0
    [[ -n $output ]] || fail "no commands found in skiff --help:" "$("$SKIFF" --help)"
    grep -qx help <<<"$output" || fail "help is not among the commands:" "$output"
}

@test "every command has a built man page whose source names it" {
    local cmd page missing=()
    [[ -s $SKIFF_MAN_DIR/skiff.1 ]] || missing+=("$SKIFF_MAN_DIR/skiff.1 (not built)")
    for cmd in $(commands); do
        page=$(page_source "$cmd")
        if [[ ! -f $page ]]; then
            missing+=("$page (no source)")
            continue
        fi
        [[ -s $SKIFF_MAN_DIR/skiff-$cmd.1 ]] || missing+=("$SKIFF_MAN_DIR/skiff-$cmd.1 (not built)")
        [[ $(head -n1 "$page") == "skiff-$cmd(1)"* ]] || missing+=("$page: the first line is not skiff-$cmd(1)")
    done
    [[ ${#missing[@]} -eq 0 ]] || fail "${missing[@]}"
}

@test "skiff help CMD prints exactly what skiff CMD --help prints" {
    local cmd want got bad=()
    for cmd in "" $(commands); do
        want=$(help_of "$cmd" 2>&1) || bad+=("skiff $cmd --help exited $?")
        got=$("$SKIFF" help $cmd 2>&1) || bad+=("skiff help $cmd exited $?")
        if [[ $got != "$want" ]]; then
            bad+=("skiff help $cmd differs from skiff $cmd --help:" "$(diff <(echo "$got") <(echo "$want") || true)")
        fi
    done
    [[ ${#bad[@]} -eq 0 ]] || fail "${bad[@]}"
}

@test "every long option of every command's --help is in the OPTIONS of its page" {
    local cmd page opt bad=()
    for cmd in "" $(commands); do
        page=$(page_source "$cmd")
        if [[ ! -f $page ]]; then
            bad+=("$page: no such page")
            continue
        fi
        for opt in $(help_of "$cmd" | help_long_options); do
            options_sections "$page" | grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|$)" ||
                bad+=("$page: option $opt of 'skiff $cmd --help' is not documented")
        done
    done
    [[ ${#bad[@]} -eq 0 ]] || fail "${bad[@]}"
}

@test "no page documents an option its command does not have" {
    local cmd page opt known bad=()
    for cmd in "" $(commands); do
        page=$(page_source "$cmd")
        [[ -f $page ]] || continue # reported by the test above
        known=$(help_of "$cmd" | help_long_options)
        for opt in $(page_long_options "$page"); do
            grep -qxF -- "$opt" <<<"$known" || bad+=("$page documents $opt, which 'skiff $cmd --help' does not show")
        done
    done
    [[ ${#bad[@]} -eq 0 ]] || fail "${bad[@]}"
}

@test "skiff(1) names every command's page" {
    local cmd bad=()
    for cmd in $(commands); do
        # scdoc writes a reference as *skiff-CMD*(1).
        grep -qE "skiff-$cmd\*?\(1\)" "$MAN_SRC/skiff.1.scd" || bad+=("skiff.1.scd does not mention skiff-$cmd(1)")
    done
    [[ ${#bad[@]} -eq 0 ]] || fail "${bad[@]}"
}

@test "every built page renders without warnings" {
    local page err bad=()
    shopt -s nullglob
    local pages=("$SKIFF_MAN_DIR"/*.1)
    [[ ${#pages[@]} -gt 0 ]] || fail "no pages built in $SKIFF_MAN_DIR"
    for page in "${pages[@]}"; do
        err=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
        [[ -z $err ]] || bad+=("$page:" "$err")
    done
    [[ ${#bad[@]} -eq 0 ]] || fail "${bad[@]}"
}
