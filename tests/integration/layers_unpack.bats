#!/usr/bin/env bats
# Layer unpacking seen from a container: whiteouts and opaque directories across two layers (overlay
# and vfs), special files, owners, modes, links, xattrs and names; and every hostile entry refused
# with a clear error, nothing written outside the store and no half-written layer left.

load helpers

setup() { skiff rmi -a -f >/dev/null 2>&1 || true; }

# Before any other command: the next one would sweep what a dead process left.
staging_left() { find "$SKIFF_TEST_ROOT/staging" "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 \( -path '*/staging/*' -o -name '.*' \) 2>/dev/null; }

# A docker-archive of the busybox rootfs plus one layer built by python3's tarfile from the entries
# written as Python in $2 (statements adding to a TarFile `t`, helpers f/d/l/h/dev/fifo), written to
# $1. With $3, a layer made the same way from it goes between the two.
make_image() {
    local out=$1 script=$2 middle=${3:-}
    python3 - "$(busybox_tarball)" "$out" "$script" "$middle" <<'EOF'
import hashlib, io, json, sys, tarfile
base_path, out, script, middle = sys.argv[1:5]

def build(fill):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, type, data=b"", mode=0o644, uid=0, gid=0, link="", major=0, minor=0, xattrs=None):
            i = tarfile.TarInfo(name)
            i.type, i.mode, i.uid, i.gid, i.linkname, i.mtime = type, mode, uid, gid, link, 1600000000
            i.devmajor, i.devminor, i.size = major, minor, len(data)
            if xattrs:
                i.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
            t.addfile(i, io.BytesIO(data) if data else None)
        env = dict(t=t, add=add, tarfile=tarfile,
                   f=lambda n, data=b"", **kw: add(n, tarfile.REGTYPE, data, **kw),
                   d=lambda n, **kw: add(n, tarfile.DIRTYPE, mode=kw.pop("mode", 0o755), **kw),
                   l=lambda n, target: add(n, tarfile.SYMTYPE, link=target, mode=0o777),
                   h=lambda n, target: add(n, tarfile.LNKTYPE, link=target),
                   dev=lambda n, major, minor: add(n, tarfile.CHRTYPE, mode=0o666, major=major, minor=minor),
                   fifo=lambda n: add(n, tarfile.FIFOTYPE))
        fill(env)
    return buf.getvalue()

base = open(base_path, "rb").read()
top = build(lambda env: exec(script, env))
layers = [base] + ([build(lambda env: exec(middle, env))] if middle else []) + [top]
ids = ["sha256:" + hashlib.sha256(x).hexdigest() for x in layers]
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                     "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
with tarfile.open(out, "w") as a:
    def put(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); a.addfile(i, io.BytesIO(data))
    put("config.json", config)
    for n, x in enumerate(layers):
        put("layer%d.tar" % n, x)
    put("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["localhost/layered:latest"],
                                      "Layers": ["layer%d.tar" % n for n in range(len(layers))]}]).encode())
EOF
}

# A one-layer rootfs tarball with only the entries the script adds.
make_tar() {
    python3 - "$1" "$2" <<'EOF'
import io, sys, tarfile
out, script = sys.argv[1:3]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, type, data=b"", link=""):
        i = tarfile.TarInfo(name); i.type, i.linkname, i.size, i.mode = type, link, len(data), 0o644
        t.addfile(i, io.BytesIO(data) if data else None)
    env = dict(f=lambda n, data=b"x": add(n, tarfile.REGTYPE, data),
               d=lambda n: add(n, tarfile.DIRTYPE),
               l=lambda n, target: add(n, tarfile.SYMTYPE, link=target),
               h=lambda n, target: add(n, tarfile.LNKTYPE, link=target))
    exec(script, env)
EOF
}

whiteout_script='
f("etc/.wh.group")
d("home")
f("home/.wh..wh..opq")
f("home/new-file", b"new")
f("bin/.wh.vi")
'

check_whiteouts() {
    run skiff "$@" run --rm layered sh -c 'ls /home; test -e /etc/group && echo group; test -e /bin/vi && echo vi; test -e /etc/passwd && echo passwd'
    assert_status 0
    assert_output "new-file
passwd"
}

@test "whiteouts and opaque directories hide the lower layer's files (overlay)" {
    make_image "$SKIFF_TEST_DIR/layered.tar" "$whiteout_script"
    run --separate-stderr skiff load -i "$SKIFF_TEST_DIR/layered.tar"
    assert_status 0
    check_whiteouts
}

@test "whiteouts and opaque directories hide the lower layer's files (vfs copy)" {
    make_image "$SKIFF_TEST_DIR/layered.tar" "$whiteout_script"
    skiff --storage-driver vfs load -i "$SKIFF_TEST_DIR/layered.tar" >/dev/null
    check_whiteouts --storage-driver vfs
}

@test "owners, modes, set-id bits, links, devices, fifos, xattrs, long and UTF-8 names survive" {
    long="deep/$(printf 'a%.0s' {1..120})/$(printf 'b%.0s' {1..140})"
    make_image "$SKIFF_TEST_DIR/special.tar" "
f('opt/suid', b'#!/bin/sh\n', mode=0o4755, uid=1000, gid=1000)
f('opt/sgid', b'x', mode=0o2711)
d('opt/sticky', mode=0o1777)
h('opt/suid-link', 'opt/suid')
l('opt/sym', '../etc/passwd')
dev('opt/null', 1, 3)
fifo('opt/fifo')
f('opt/attr', b'x', xattrs={'user.skiff': 'yes'})
f('$long', b'long')
f('opt/h\u00e9llo-\u4e16\u754c', b'utf8')
"
    skiff load -i "$SKIFF_TEST_DIR/special.tar" >/dev/null
    run skiff run --rm layered sh -c "
        stat -c '%n %a %u %g %h' /opt/suid /opt/sgid /opt/sticky /opt/suid-link
        stat -c '%n %F %t,%T' /opt/null /opt/fifo
        readlink /opt/sym
        cat /$long; echo
        cat /opt/h*llo-*; echo
        stat -c %Y /opt/suid"
    assert_status 0
    assert_output "/opt/suid 4755 1000 1000 2
/opt/sgid 2711 0 0 1
/opt/sticky 1777 0 0 2
/opt/suid-link 4755 1000 1000 2
/opt/null character special file 1,3
/opt/fifo fifo 0,0
../etc/passwd
long
utf8
1600000000"
    diff_dir=$(skiff inspect --format '{{.GraphDriver.Data.UpperDir}}' layered)
    [[ $(getfattr --only-values -n user.skiff "$diff_dir/opt/attr" 2>/dev/null || python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.skiff").decode(), end="")' "$diff_dir/opt/attr") == yes ]] ||
        fail "xattr user.skiff missing on $diff_dir/opt/attr"
    [[ -e $diff_dir/opt/h$'\xc3\xa9'llo-$'\xe4\xb8\x96\xe7\x95\x8c' ]] || fail "UTF-8 name not stored as such"
}

# Import a hostile tarball: it must fail naming the entry, leave no image, no layer, no staging
# directory, and the sentinel outside untouched.
refuse() {
    local want=$1 script=$2
    make_tar "$SKIFF_TEST_DIR/hostile.tar" "$script"
    run --separate-stderr skiff import "$SKIFF_TEST_DIR/hostile.tar" hostile
    assert_status 125
    assert_one_error_line "$want"
    run staging_left
    assert_output ""
    run skiff images -q
    assert_output ""
    run find "$SKIFF_TEST_ROOT/layers" -mindepth 1 -maxdepth 1
    assert_output ""
    [[ $(cat "$SKIFF_TEST_DIR/outside/sentinel") == original ]] || fail "the sentinel outside was changed"
    [[ $(ls "$SKIFF_TEST_DIR/outside") == sentinel ]] || fail "something was written outside: $(ls "$SKIFF_TEST_DIR/outside")"
}

setup_outside() {
    mkdir -p "$SKIFF_TEST_DIR/outside"
    rm -rf "$SKIFF_TEST_DIR/outside"/*
    echo original >"$SKIFF_TEST_DIR/outside/sentinel"
}

@test "a .. entry is refused" {
    setup_outside
    refuse 'entry "../../outside/sentinel" escapes the layer' 'f("../../outside/sentinel", b"pwned")'
    refuse 'entry "a/../../x" escapes the layer' 'd("a"); f("a/../../x")'
}

@test "a write through a symlink planted by an earlier entry is refused" {
    setup_outside
    refuse 'escapes the layer through the symbolic link "evil"' "l('evil', '$SKIFF_TEST_DIR/outside'); f('evil/sentinel', b'pwned')"
    refuse 'through the symbolic link "up"' "l('up', '../../../../../../../..$SKIFF_TEST_DIR/outside'); f('up/new', b'x')"
    refuse 'through the symbolic link "s"' "l('s', '$SKIFF_TEST_DIR/outside'); d('s/newdir')"
    refuse 'through the symbolic link "s"' "l('s', '$SKIFF_TEST_DIR/outside'); f('s/.wh.sentinel', b'')"
}

@test "hard links to files outside the layer are refused" {
    setup_outside
    refuse 'links to "../../outside/sentinel" outside the layer' 'h("x", "../../outside/sentinel")'
    refuse "which is not in the layer" "h('x', '$SKIFF_TEST_DIR/outside/sentinel')"
    refuse "which is not in the layer" "l('s', '$SKIFF_TEST_DIR/outside'); h('x', 's/sentinel')"
}

@test "an absolute name is made relative, as podman does, and lands inside the layer" {
    setup_outside
    make_tar "$SKIFF_TEST_DIR/abs.tar" "f('$SKIFF_TEST_DIR/outside/sentinel', b'inside')"
    run --separate-stderr skiff import "$SKIFF_TEST_DIR/abs.tar" abs
    assert_status 0
    [[ $(cat "$SKIFF_TEST_DIR/outside/sentinel") == original ]] || fail "the host file was overwritten"
    diff_dir=$(skiff inspect --format '{{.GraphDriver.Data.UpperDir}}' abs)
    [[ $(cat "$diff_dir/$SKIFF_TEST_DIR/outside/sentinel") == inside ]] || fail "not stored under the layer"
}

# Every entry of a tree: name, type, mode, owner, size, content hash, link target, device, xattrs
# (overlay's included: whiteouts and opaque marks must survive too). Hard links share an inode group.
tree_listing() {
    python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
groups = {}
for dirpath, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs + files):
        p = os.path.join(dirpath, name)
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        extra = ""
        if stat.S_ISREG(st.st_mode):
            extra = hashlib.sha256(open(p, "rb").read()).hexdigest()
            if st.st_nlink > 1:
                extra += " link-group:" + groups.setdefault((st.st_dev, st.st_ino), rel)
        elif stat.S_ISLNK(st.st_mode):
            extra = "-> " + os.readlink(p)
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            extra = "dev %d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        xattrs = []
        if not stat.S_ISLNK(st.st_mode):
            for k in sorted(os.listxattr(p, follow_symlinks=False)):
                xattrs.append("%s=%r" % (k, os.getxattr(p, k, follow_symlinks=False)))
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        # A whiteout is a marker made when its layer is unpacked: its time is that moment's.
        whiteout = stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
        mtime = "-" if whiteout else int(st.st_mtime)
        print(rel, oct(st.st_mode), st.st_uid, st.st_gid, size, mtime, extra, " ".join(xattrs))
PY
}

# The LowerDir an overlay image must have in store ROOT, given its diff ids (bottom first): the diff
# directories of every layer but the top one, the one just below the top first, joined with ':'.
lower_dirs_of() {
    local root=$1 k
    shift
    local ids=("$@") dirs=()
    for ((k = ${#ids[@]} - 2; k >= 0; k--)); do dirs+=("$root/layers/${ids[k]#sha256:}/diff"); done
    local IFS=:
    echo "${dirs[*]}"
}

@test "save and load again give every layer back as it was (whiteouts, opaque dirs, special files)" {
    # Every directory has its own entry: a parent only implied by a path is made when the layer is
    # unpacked and has that moment's time (as with podman), which two loads need not share.
    make_image "$SKIFF_TEST_DIR/rt.tar" "d('etc'); d('bin'); d('opt'); d('deep'); d('deep/$(printf 'c%.0s' {1..120})')
$whiteout_script
f('opt/suid', b'#!/bin/sh\n', mode=0o4755, uid=1000, gid=1000)
h('opt/suid-link', 'opt/suid')
l('opt/sym', '../etc/passwd')
dev('opt/null', 1, 3)
fifo('opt/fifo')
f('opt/attr', b'x', xattrs={'user.skiff': 'yes'})
f('deep/$(printf 'c%.0s' {1..120})/$(printf 'd%.0s' {1..140})', b'long')
f('opt/h\u00e9llo', b'utf8')
" "d('etc'); d('opt'); f('etc/os-release', b'middle'); f('opt/from-middle', b'mid')"
    skiff load -i "$SKIFF_TEST_DIR/rt.tar" >/dev/null
    skiff save -o "$SKIFF_TEST_DIR/rt-saved.tar" layered
    local other=$SKIFF_TEST_DIR/rt-store
    "$SKIFF" --root "$other/root" --runroot "$other/run" load -i "$SKIFF_TEST_DIR/rt-saved.tar" >/dev/null
    local ours theirs
    ours=$(skiff inspect --format '{{.GraphDriver.Data.UpperDir}}' layered)
    theirs=$("$SKIFF" --root "$other/root" --runroot "$other/run" inspect --format '{{.GraphDriver.Data.UpperDir}}' layered)
    # Two empty listings would compare equal: the top layer must show its entries.
    [[ $(tree_listing "$ours" | grep -c '^opt/suid ') -eq 1 ]] || fail "no listing of $ours"
    run diff <(tree_listing "$ours") <(tree_listing "$theirs")
    assert_status 0
    # LowerDir is a list: exactly the lower layers, in overlay's order, in each store.
    local ids=() k
    mapfile -t ids < <(skiff image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' layered | grep .)
    [[ ${#ids[@]} -eq 3 ]] || fail "want 3 layers: ${ids[*]}"
    ours=$(skiff inspect --format '{{.GraphDriver.Data.LowerDir}}' layered)
    theirs=$("$SKIFF" --root "$other/root" --runroot "$other/run" inspect --format '{{.GraphDriver.Data.LowerDir}}' layered)
    [[ $ours == "$(lower_dirs_of "$SKIFF_TEST_ROOT" "${ids[@]}")" ]] ||
        fail "LowerDir [$ours], want [$(lower_dirs_of "$SKIFF_TEST_ROOT" "${ids[@]}")]"
    [[ $theirs == "$(lower_dirs_of "$other/root" "${ids[@]}")" ]] ||
        fail "loaded LowerDir [$theirs], want [$(lower_dirs_of "$other/root" "${ids[@]}")]"
    local our_lower their_lower
    IFS=: read -ra our_lower <<<"$ours"
    IFS=: read -ra their_lower <<<"$theirs"
    for k in 0 1; do
        [[ -n $(tree_listing "${our_lower[k]}") ]] || fail "no listing of ${our_lower[k]}"
        run diff <(tree_listing "${our_lower[k]}") <(tree_listing "${their_lower[k]}")
        assert_status 0
    done
    # The middle layer lies over the base: its os-release wins.
    run "$SKIFF" --root "$other/root" --runroot "$other/run" run --rm layered sh -c 'ls /home; test -e /etc/group || echo no group; cat /etc/os-release /opt/from-middle'
    assert_status 0
    assert_output "new-file
no group
middlemid"
    "$SKIFF" --root "$other/root" --runroot "$other/run" rmi -a -f >/dev/null
}
